//! What a benchmark run measures, and for how long.

use std::time::Duration;

use crate::load::Stop;

#[derive(Debug, Clone)]
pub struct Plan {
    /// "full" or "smoke": printed with the results.
    pub name: &'static str,
    /// How long each timed run is measured, after a warm-up that is not.
    pub duration: Duration,
    pub warmup: Duration,
    /// Clients for the acknowledgement runs (webhooks, Event Grid, the database's limit).
    pub concurrencies: Vec<usize>,
    /// Events per Event Grid delivery.
    pub batch_sizes: Vec<usize>,
    /// End-to-end runs.
    pub end_to_end: Vec<EndToEnd>,
    pub scale: Scale,
    /// Tenant forms completed for the cost run.
    pub cost_forms: usize,
    pub booking: BookingPlan,
    /// Passages in the knowledge base while it is searched, and the clients searching.
    pub knowledge: (u64, usize),
    /// Which parts run (all, unless narrowed for a closer look).
    pub parts: Parts,
}

/// The parts of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Parts {
    /// The database's limit and the Twilio webhook.
    pub acknowledgement: bool,
    pub event_grid: bool,
    pub end_to_end: bool,
    /// Many contacts, and a million rows of history.
    pub scale: bool,
    /// What a completed form costs in model calls, tokens and segments.
    pub cost: bool,
    /// Days and slots with thousands of appointments, and booking races.
    pub booking: bool,
    /// Knowledge search with thousands of passages.
    pub knowledge: bool,
}

impl Parts {
    pub const ALL: Parts = Parts {
        acknowledgement: true,
        event_grid: true,
        end_to_end: true,
        scale: true,
        cost: true,
        booking: true,
        knowledge: true,
    };
}

/// An end-to-end run: `clients` contacts texting and waiting for their replies, the model answering after
/// `model_delay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndToEnd {
    pub clients: usize,
    pub model_delay: Duration,
}

/// The booking runs: `clients` asking for days and slots with `appointments` on the calendar, then `races`
/// races of 50 callers on 5 slots.
#[derive(Debug, Clone, Copy)]
pub struct BookingPlan {
    pub appointments: u64,
    pub clients: usize,
    pub races: usize,
}

/// How the cost grows: the same runs with many contacts, and with a long history.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// Distinct contacts, each texting once, in one end-to-end run.
    pub contacts: u64,
    /// Rows of `sms_messages` history written before the repeated runs.
    pub history_rows: u64,
    /// The acknowledgement concurrency repeated with history.
    pub concurrency: usize,
    /// The end-to-end run repeated with many contacts and with history.
    pub end_to_end: EndToEnd,
    /// The warm-up of the runs with history. After a checkpoint, Postgres logs each page's first change in
    /// full; with a million rows that burst is most of the WAL for a while (measured: with full-page writes
    /// off, the history runs are within a few per cent of the empty ones). A service in use meets it once
    /// per checkpoint interval (five minutes by default), spread thin; the warm-up lets the burst pass.
    pub warmup: Duration,
}

impl Plan {
    /// A timed run's end.
    pub fn timed(&self) -> Stop {
        Stop::After { warmup: self.warmup, measured: self.duration }
    }

    /// A timed run's end, with history.
    pub fn timed_with_history(&self) -> Stop {
        Stop::After { warmup: self.scale.warmup, measured: self.duration }
    }

    /// Everything the benchmark issue asks for: about eight minutes on two cores.
    pub fn full(duration: Duration) -> Plan {
        let e2e = |clients, delay_ms| EndToEnd { clients, model_delay: Duration::from_millis(delay_ms) };
        Plan {
            name: "full",
            duration,
            warmup: Duration::from_secs(2),
            concurrencies: vec![1, 16, 64, 256],
            batch_sizes: vec![1, 10],
            end_to_end: vec![e2e(4, 0), e2e(16, 0), e2e(4, 300), e2e(16, 300)],
            scale: Scale {
                contacts: 10_000,
                history_rows: 1_000_000,
                concurrency: 64,
                end_to_end: e2e(16, 0),
                warmup: Duration::from_secs(20),
            },
            cost_forms: 20,
            booking: BookingPlan { appointments: 10_000, clients: 8, races: 10 },
            knowledge: (10_000, 8),
            parts: Parts::ALL,
        }
    }

    /// A few seconds of everything, small: proves the harness works and the counts add up. No timing is
    /// judged.
    pub fn smoke() -> Plan {
        let e2e = EndToEnd { clients: 2, model_delay: Duration::ZERO };
        Plan {
            name: "smoke",
            duration: Duration::from_millis(400),
            warmup: Duration::from_millis(100),
            concurrencies: vec![1, 4],
            batch_sizes: vec![3],
            end_to_end: vec![e2e],
            scale: Scale {
                contacts: 30,
                history_rows: 2_000,
                concurrency: 4,
                end_to_end: e2e,
                warmup: Duration::from_millis(100),
            },
            cost_forms: 2,
            booking: BookingPlan { appointments: 300, clients: 2, races: 1 },
            knowledge: (300, 2),
            parts: Parts::ALL,
        }
    }
}
