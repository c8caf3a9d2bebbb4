//! The results: every run's figures, the targets judged against them, as JSON and as markdown tables.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::load::Latency;
use crate::plan::Scale;
use crate::probes::{CpuUse, Machine, Wait};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    TwilioWebhook,
    EventGrid,
    DatabaseLimit,
    EndToEnd,
}

/// One timed run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Run {
    pub scenario: Scenario,
    pub concurrency: usize,
    pub events_per_request: usize,
    pub model_delay_ms: u64,
    /// Rows already in `sms_messages` when the run began.
    pub history_rows: u64,
    /// Distinct contacts that texted.
    pub contacts: u64,
    pub requests: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub seconds: f64,
    pub requests_per_second: f64,
    pub events_per_second: f64,
    /// Acknowledgement runs: until the answer. End to end: until the reply reached Twilio, less the model's
    /// delay.
    pub latency: Latency,
    pub check: Check,
    pub cpu: CpuUse,
    pub waits: Vec<Wait>,
    pub peak_rss_mb: Option<f64>,
}

/// Whether the database holds exactly what was sent: a run that lost or duplicated work does not count.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Check {
    pub valid: bool,
    pub detail: String,
}

/// A goal from the benchmark issue, judged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Target {
    pub name: String,
    pub goal: String,
    pub measured: String,
    /// `None` when the plan did not measure it.
    pub met: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub plan: String,
    pub started_at: String,
    pub machine: Machine,
    pub runs: Vec<Run>,
    pub targets: Vec<Target>,
    /// What a completed tenant form costs, beside the seeds' approach, for each dialogue.
    #[serde(default)]
    pub costs: Vec<crate::scenarios::cost::Cost>,
    /// Days and slots with thousands of appointments, and the booking races.
    #[serde(default)]
    pub booking: Option<crate::scenarios::booking::BookingFigures>,
    /// Knowledge search with thousands of passages.
    #[serde(default)]
    pub knowledge: Option<crate::scenarios::knowledge::KnowledgeFigures>,
}

impl Report {
    fn find(&self, scenario: Scenario, concurrency: usize, history: bool) -> Option<&Run> {
        self.runs.iter().find(|r| {
            r.scenario == scenario && r.concurrency == concurrency && (r.history_rows > 0) == history && r.check.valid
        })
    }

    /// The service's rate as a share of the database's limit at the same concurrency.
    pub fn share_of_limit(&self, run: &Run) -> Option<f64> {
        let limit = self.runs.iter().find(|r| {
            r.scenario == Scenario::DatabaseLimit
                && r.concurrency == run.concurrency
                && (r.history_rows > 0) == (run.history_rows > 0)
        })?;
        Some(run.events_per_second / limit.events_per_second)
    }

    /// Judges the targets against the runs.
    pub fn judge(&mut self, scale: &Scale) {
        let mut targets = Vec::new();
        let ack = self.find(Scenario::TwilioWebhook, 64, false);
        targets.push(match ack.and_then(|r| Some((r, self.share_of_limit(r)?))) {
            Some((run, share)) => Target {
                name: "Webhook acknowledgement at 64 connections".into(),
                goal: "at least 70% of the database's limit, p99 under 25 ms".into(),
                measured: format!("{:.0}% of the limit, p99 {:.1} ms", share * 100.0, run.latency.p99_ms),
                met: Some(share >= 0.70 && run.latency.p99_ms < 25.0),
            },
            None => not_measured(
                "Webhook acknowledgement at 64 connections",
                "at least 70% of the database's limit, p99 under 25 ms",
            ),
        });

        // The overhead is judged where the model takes time, as a real one does: with an instant model
        // the closed loop saturates the machine, and its latency is mostly queueing (shown, not judged).
        let base = |modelled: bool| -> Vec<&Run> {
            self.runs
                .iter()
                .filter(|r| r.scenario == Scenario::EndToEnd && r.history_rows == 0 && r.check.valid)
                .filter(|r| r.contacts == r.concurrency as u64 && (r.model_delay_ms > 0) == modelled)
                .collect()
        };
        let worst_p50 = |runs: &[&Run]| runs.iter().map(|r| r.latency.p50_ms).reduce(f64::max);
        let (modelled, instant) = (base(true), base(false));
        let goal = "p50 under 10 ms, with a model that takes time";
        targets.push(match worst_p50(&modelled) {
            Some(p50) => Target {
                name: "End-to-end service overhead".into(),
                goal: goal.into(),
                measured: match worst_p50(&instant) {
                    Some(saturated) => format!(
                        "p50 {p50:.1} ms (worst of {} runs); with an instant model, at saturation, {saturated:.1} ms",
                        modelled.len()
                    ),
                    None => format!("p50 {p50:.1} ms (worst of {} runs)", modelled.len()),
                },
                met: Some(p50 < 10.0),
            },
            None => not_measured("End-to-end service overhead", goal),
        });

        let peak = self.runs.iter().filter_map(|r| r.peak_rss_mb).reduce(f64::max);
        targets.push(match peak {
            Some(mb) => Target {
                name: "Peak memory of the service".into(),
                goal: "under 150 MB".into(),
                measured: format!("{mb:.0} MB"),
                met: Some(mb < 150.0),
            },
            None => not_measured(
                "Peak memory of the service",
                "under 150 MB (measured only when the service runs in its own process)",
            ),
        });

        targets.extend(self.growth_targets(scale));
        self.targets = targets;
    }

    /// No figure more than 20% worse with a long history, or with many contacts, than without.
    fn growth_targets(&self, scale: &Scale) -> Vec<Target> {
        let end_to_end = |history: bool, many: bool| {
            self.runs.iter().find(|r| {
                r.scenario == Scenario::EndToEnd
                    && r.concurrency == scale.end_to_end.clients
                    && u128::from(r.model_delay_ms) == scale.end_to_end.model_delay.as_millis()
                    && (r.history_rows > 0) == history
                    && (r.contacts > r.concurrency as u64) == many
                    && r.check.valid
            })
        };
        vec![
            grown(
                "Webhook acknowledgement with history",
                self.find(Scenario::TwilioWebhook, scale.concurrency, false),
                self.find(Scenario::TwilioWebhook, scale.concurrency, true),
            ),
            grown("End to end with history", end_to_end(false, false), end_to_end(true, false)),
            grown("End to end with many contacts", end_to_end(false, false), end_to_end(false, true)),
        ]
    }

    /// The results as markdown tables.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let m = &self.machine;
        let settings: Vec<String> = m.postgres_settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(out, "Plan `{}`, started {}.\n", self.plan, self.started_at);
        let _ = writeln!(
            out,
            "Machine: {} cores ({}), {} MB, Linux {}; PostgreSQL {} ({}).\n",
            m.cores,
            m.cpu,
            m.memory_mb,
            m.kernel,
            m.postgres,
            settings.join(", ")
        );

        let _ = writeln!(out, "### Targets\n\n| Target | Goal | Measured | Met |\n|---|---|---|---|");
        for t in &self.targets {
            let met = match t.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "not measured",
            };
            let _ = writeln!(out, "| {} | {} | {} | {met} |", t.name, t.goal, t.measured);
        }

        let sections = [
            (Scenario::DatabaseLimit, "The database's limit (the webhook's transaction, issued directly)", "tx/s"),
            (Scenario::TwilioWebhook, "Twilio webhook acknowledgement", "texts/s"),
            (Scenario::EventGrid, "Event Grid acknowledgement", "texts/s"),
            (
                Scenario::EndToEnd,
                "End to end: text in, reply handed to Twilio (latency less the model's delay)",
                "replies/s",
            ),
        ];
        for (scenario, title, unit) in sections {
            let _ = writeln!(out, "\n### {title}\n");
            let _ = writeln!(
                out,
                "| History rows | Contacts | Clients | Per request | Model delay | {unit} | Share of DB limit | p50 ms | p90 ms | p99 ms | max ms | Errors | CPU: service / Postgres / load / machine | Busy backends | Peak RSS | Check |"
            );
            let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
            for r in self.runs.iter().filter(|r| r.scenario == scenario) {
                let share = self
                    .share_of_limit(r)
                    .filter(|_| scenario != Scenario::DatabaseLimit && scenario != Scenario::EndToEnd);
                let waits: Vec<String> =
                    r.waits.iter().take(3).map(|w| format!("{} {:.0}%", w.event, w.share_pct)).collect();
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} ms | {:.0} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {} | {} / {:.0}% / {:.0}% / {:.0}% | {} | {} | {} |",
                    r.history_rows,
                    r.contacts,
                    r.concurrency,
                    r.events_per_request,
                    r.model_delay_ms,
                    r.events_per_second,
                    share.map(|s| format!("{:.0}%", s * 100.0)).unwrap_or_else(|| "–".into()),
                    r.latency.p50_ms,
                    r.latency.p90_ms,
                    r.latency.p99_ms,
                    r.latency.max_ms,
                    r.errors,
                    r.cpu.service_pct.map(|p| format!("{p:.0}%")).unwrap_or_else(|| "–".into()),
                    r.cpu.postgres_pct,
                    r.cpu.load_generator_pct,
                    r.cpu.machine_pct,
                    waits.join(", "),
                    r.peak_rss_mb.map(|mb| format!("{mb:.0} MB")).unwrap_or_else(|| "–".into()),
                    if r.check.valid {
                        format!("ok: {}", r.check.detail)
                    } else {
                        format!("**INVALID**: {}", r.check.detail)
                    },
                );
            }
        }
        if let Some(first) = self.costs.first() {
            let _ = writeln!(
                out,
                "\n### Cost of one completed tenant form ({} forms each, scripted model, tokens by o200k_base)\n",
                first.forms
            );
            let _ = writeln!(
                out,
                "| Dialogue | Texts | Approach | Model calls | Prompt tokens | Completion tokens | SMS segments |"
            );
            let _ = writeln!(out, "|---|---|---|---|---|---|---|");
            for cost in &self.costs {
                for (name, c) in
                    [("smsagent", &cost.smsagent), ("the seeds' (one call a text, whole history)", &cost.seeds)]
                {
                    let _ = writeln!(
                        out,
                        "| {} | {} | {name} | {:.1} | {:.0} | {:.0} | {:.1} |",
                        cost.dialogue,
                        cost.texts_per_form,
                        c.model_calls,
                        c.prompt_tokens,
                        c.completion_tokens,
                        c.sms_segments
                    );
                }
                if !cost.valid {
                    let _ = writeln!(
                        out,
                        "\n**INVALID** ({}): not every form completed with one reply per text.",
                        cost.dialogue
                    );
                }
            }
        }
        if let Some(b) = &self.booking {
            let _ = writeln!(
                out,
                "\n### Booking ({} appointments on the calendar, {} clients)\n\n\
                 | Request | Per second | p50 | p90 | p99 | max |\n|---|---|---|---|---|---|",
                b.appointments, b.clients
            );
            for (name, per_second, l) in [
                (format!("`/voice/get-days` ({} days offered)", b.days_offered), b.get_days_per_second, b.get_days),
                ("`/voice/get-slots` (tomorrow)".to_owned(), b.get_slots_per_second, b.get_slots),
            ] {
                let _ = writeln!(
                    out,
                    "| {name} | {per_second:.0} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms |",
                    l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms
                );
            }
            let l = b.race_latency;
            let _ = writeln!(
                out,
                "\n{} races of {} callers at once on {} free slots: {} booked, {} refused with 409, {} other; \
                 answers p50 {:.1} ms, p99 {:.1} ms. {}",
                b.races,
                b.race_clients,
                b.race_slots,
                b.booked,
                b.refused,
                b.other,
                l.p50_ms,
                l.p99_ms,
                if b.valid { format!("ok: {}", b.detail) } else { format!("**INVALID**: {}", b.detail) }
            );
        }
        if let Some(k) = &self.knowledge {
            let l = k.latency;
            let _ = writeln!(
                out,
                "\n### Knowledge search ({} passages, {} clients)\n\n\
                 | Searches per second | p50 | p90 | p99 | max | Check |\n|---|---|---|---|---|---|\n\
                 | {:.0} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {} |",
                k.passages,
                k.clients,
                k.searches_per_second,
                l.p50_ms,
                l.p90_ms,
                l.p99_ms,
                l.max_ms,
                if k.valid { format!("ok: {}", k.detail) } else { format!("**INVALID**: {}", k.detail) }
            );
        }
        out
    }
}

/// Compares a run with more data against the same run without: rate, p50 and p99 within 20%.
fn grown(name: &str, base: Option<&Run>, grown: Option<&Run>) -> Target {
    let goal = "no figure more than 20% worse";
    let (Some(base), Some(grown)) = (base, grown) else { return not_measured(name, goal) };
    let rate = grown.events_per_second / base.events_per_second;
    let p50 = grown.latency.p50_ms / base.latency.p50_ms;
    let p99 = grown.latency.p99_ms / base.latency.p99_ms;
    Target {
        name: name.into(),
        goal: goal.into(),
        measured: format!("rate ×{rate:.2}, p50 ×{p50:.2}, p99 ×{p99:.2}"),
        met: Some(rate >= 0.8 && p50 <= 1.2 && p99 <= 1.2),
    }
}

fn not_measured(name: &str, goal: &str) -> Target {
    Target { name: name.into(), goal: goal.into(), measured: "not in this plan".into(), met: None }
}
