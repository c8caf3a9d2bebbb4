//! Closed-loop load: a fixed number of clients, each sending its next request when the last one is answered,
//! for a fixed time or a fixed number of requests.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use serde::Serialize;

/// When a run ends.
#[derive(Debug, Clone, Copy)]
pub enum Stop {
    /// After a warm-up (new connections, cold caches), not counted in the figures, then the measured time.
    After { warmup: Duration, measured: Duration },
    /// After this many requests in all, every one counted.
    Count(u64),
}

/// Which request this is: the client sending it, its number among all, and among the client's own.
#[derive(Debug, Clone, Copy)]
pub struct Turn {
    pub client: usize,
    pub seq: u64,
    pub round: u64,
}

/// What a run did.
#[derive(Debug)]
pub struct Outcome {
    /// Requests sent after the warm-up: the figures are theirs.
    pub requests: u64,
    /// Requests sent during the warm-up: not in the figures, but in what the database must hold.
    pub warmup_requests: u64,
    /// Failed requests, warm-up included.
    pub errors: u64,
    pub first_error: Option<String>,
    pub elapsed: Duration,
    /// Microseconds, as each request reported its own latency.
    pub latency: Histogram<u64>,
}

/// Latency percentiles, in milliseconds.
#[derive(Debug, Clone, Copy, Default, Serialize, serde::Deserialize)]
pub struct Latency {
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

impl Outcome {
    /// Every request sent, warm-up included: what the database must account for.
    pub fn sent(&self) -> u64 {
        self.requests + self.warmup_requests
    }

    pub fn per_second(&self, count: u64) -> f64 {
        count as f64 / self.elapsed.as_secs_f64()
    }

    pub fn latency(&self) -> Latency {
        let ms = |micros: u64| micros as f64 / 1000.0;
        if self.latency.is_empty() {
            return Latency::default();
        }
        Latency {
            p50_ms: ms(self.latency.value_at_quantile(0.50)),
            p90_ms: ms(self.latency.value_at_quantile(0.90)),
            p99_ms: ms(self.latency.value_at_quantile(0.99)),
            max_ms: ms(self.latency.max()),
        }
    }
}

pub(crate) fn histogram() -> Histogram<u64> {
    // 1 µs to 2 minutes at 3 significant figures.
    Histogram::new_with_bounds(1, 120_000_000, 3).expect("the bounds are valid")
}

/// Runs `op` from `clients` concurrent clients until `stop`. Each call returns the latency to record (it
/// may subtract time that is not the service's), or why it failed.
pub async fn closed_loop<F, Fut>(clients: usize, stop: Stop, op: F) -> Outcome
where
    F: Fn(Turn) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Duration, String>> + Send,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicU64::new(0));
    let (measured_from, deadline) = match stop {
        Stop::After { warmup, measured } => (Instant::now() + warmup, Some(Instant::now() + warmup + measured)),
        Stop::Count(_) => (Instant::now(), None),
    };
    let mut tasks = tokio::task::JoinSet::new();
    for client in 0..clients {
        let (op, next) = (op.clone(), next.clone());
        tasks.spawn(async move {
            // (measured requests, warm-up requests, errors, first error, latencies)
            let mut mine = (0u64, 0u64, 0u64, None::<String>, histogram());
            for round in 0.. {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    break;
                }
                let seq = next.fetch_add(1, Ordering::SeqCst);
                if let Stop::Count(total) = stop
                    && seq >= total
                {
                    break;
                }
                let measured = Instant::now() >= measured_from;
                if measured {
                    mine.0 += 1;
                } else {
                    mine.1 += 1;
                }
                match op(Turn { client, seq, round }).await {
                    Ok(latency) if measured => {
                        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX).max(1);
                        mine.4.saturating_record(micros);
                    }
                    Ok(_) => {}
                    Err(e) => {
                        mine.2 += 1;
                        mine.3.get_or_insert(e);
                    }
                }
            }
            mine
        });
    }
    let mut outcome = Outcome {
        requests: 0,
        warmup_requests: 0,
        errors: 0,
        first_error: None,
        elapsed: Duration::ZERO,
        latency: histogram(),
    };
    while let Some(Ok((requests, warmup_requests, errors, first_error, latency))) = tasks.join_next().await {
        outcome.requests += requests;
        outcome.warmup_requests += warmup_requests;
        outcome.errors += errors;
        if outcome.first_error.is_none() {
            outcome.first_error = first_error;
        }
        let _ = outcome.latency.add(&latency);
    }
    outcome.elapsed = measured_from.elapsed();
    outcome
}
