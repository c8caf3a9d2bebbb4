//! smsagent's benchmarks: the service measured side by side with the limit of the machine it runs on.
//!
//! Every figure comes from the release binary on loopback (or, in the smoke run inside `cargo test`, the
//! same application in-process) talking to real Postgres, with Twilio and OpenAI mocked in this process.
//! A run whose database does not hold exactly what was sent (one stored text and one reply job per text;
//! one reply per text end to end) is marked invalid: a fast result that lost or duplicated work does not
//! count. See BENCHMARKS.md for the method and the latest results.

pub mod database;
pub mod load;
pub mod mocks;
pub mod plan;
pub mod probes;
pub mod report;
pub mod scenarios;
pub mod service;
pub mod tokens;

use std::sync::atomic::AtomicU64;

pub use database::BenchDatabase;
pub use plan::Plan;
pub use report::Report;
pub use service::Launch;

use load::Stop;
use mocks::Mocks;
use probes::Machine;
use scenarios::{Bench, Contacts};

/// Runs the whole plan; `progress` hears about each run as it finishes.
pub async fn run(plan: &Plan, launch: Launch, db: BenchDatabase, progress: impl Fn(&str)) -> anyhow::Result<Report> {
    let mocks = Mocks::default();
    let mocks_url = mocks.serve().await?;
    let machine = Machine::read(&db.pool).await?;
    // What the service does at start-up, done first so the database-limit runs find the number answered.
    let business = smsagent_domain::PhoneNumber::parse(service::BUSINESS)?;
    smsagent_server::bootstrap::ensure_phone_number(&db.pool, &business, Some(smsagent_domain::Provider::Twilio))
        .await?;
    db.model_answers_everything().await?;
    let started_at: String =
        sqlx::query_scalar("SELECT to_char(now(), 'YYYY-MM-DD HH24:MI TZ')").fetch_one(&db.pool).await?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(1024).build()?;
    let mut bench = Bench { db, launch, mocks, mocks_url, http, history_rows: 0, runs: AtomicU64::new(0) };
    let mut runs = Vec::new();
    let done = |run: report::Run, runs: &mut Vec<report::Run>| {
        progress(&format!(
            "{:?} clients={} per_request={} delay={}ms history={}: {:.0}/s p50={:.1}ms p99={:.1}ms {}",
            run.scenario,
            run.concurrency,
            run.events_per_request,
            run.model_delay_ms,
            run.history_rows,
            run.events_per_second,
            run.latency.p50_ms,
            run.latency.p99_ms,
            if run.check.valid { "ok" } else { "INVALID" },
        ));
        runs.push(run);
    };

    // The database's limit and the webhook at each concurrency, one after the other, so both meet the
    // machine in the same state.
    let parts = plan.parts;
    for &clients in plan.concurrencies.iter().filter(|_| parts.acknowledgement) {
        done(bench.database_limit(clients, plan.timed()).await?, &mut runs);
        done(bench.twilio_webhook(clients, plan.timed()).await?, &mut runs);
    }
    for &batch in plan.batch_sizes.iter().filter(|_| parts.event_grid) {
        for &clients in &plan.concurrencies {
            done(bench.event_grid(clients, batch, plan.timed()).await?, &mut runs);
        }
    }
    for &e2e in plan.end_to_end.iter().filter(|_| parts.end_to_end) {
        done(bench.end_to_end(e2e, plan.timed(), Contacts::PerClient).await?, &mut runs);
    }

    let scale = plan.scale;
    if parts.scale {
        let many = Stop::Count(scale.contacts);
        done(bench.end_to_end(scale.end_to_end, many, Contacts::OnePerText).await?, &mut runs);
        bench.db.empty().await?;
        bench.db.seed_history(scale.history_rows, service::BUSINESS).await?;
        bench.history_rows = scale.history_rows;
        done(bench.database_limit(scale.concurrency, plan.timed_with_history()).await?, &mut runs);
        done(bench.twilio_webhook(scale.concurrency, plan.timed_with_history()).await?, &mut runs);
        done(bench.end_to_end(scale.end_to_end, plan.timed_with_history(), Contacts::PerClient).await?, &mut runs);
    }

    let costs = if parts.cost {
        bench.history_rows = 0;
        let costs = bench.costs(plan.cost_forms).await?;
        for cost in &costs {
            progress(&format!(
                "Cost of a form ({}): {:.1} calls, {:.0}+{:.0} tokens (seeds: {:.1} calls, {:.0}+{:.0}), {:.1} segments {}",
                cost.dialogue,
                cost.smsagent.model_calls,
                cost.smsagent.prompt_tokens,
                cost.smsagent.completion_tokens,
                cost.seeds.model_calls,
                cost.seeds.prompt_tokens,
                cost.seeds.completion_tokens,
                cost.smsagent.sms_segments,
                if cost.valid { "ok" } else { "INVALID" },
            ));
        }
        costs
    } else {
        Vec::new()
    };
    let booking = if parts.booking {
        let b = plan.booking;
        let figures = bench.booking(b.appointments, b.clients, plan.timed(), b.races).await?;
        progress(&format!(
            "Booking with {} appointments: get-days p50={:.1}ms p99={:.1}ms, get-slots p50={:.1}ms p99={:.1}ms; \
             {} races: {} booked, {} refused {}",
            figures.appointments,
            figures.get_days.p50_ms,
            figures.get_days.p99_ms,
            figures.get_slots.p50_ms,
            figures.get_slots.p99_ms,
            figures.races,
            figures.booked,
            figures.refused,
            if figures.valid { "ok" } else { "INVALID" },
        ));
        Some(figures)
    } else {
        None
    };
    let knowledge = if parts.knowledge {
        let (passages, clients) = plan.knowledge;
        let figures = bench.knowledge(passages, clients, plan.timed()).await?;
        progress(&format!(
            "Knowledge search with {} passages: {:.0}/s p50={:.1}ms p99={:.1}ms {}",
            figures.passages,
            figures.searches_per_second,
            figures.latency.p50_ms,
            figures.latency.p99_ms,
            if figures.valid { "ok" } else { "INVALID" },
        ));
        Some(figures)
    } else {
        None
    };
    let mut report = Report {
        plan: plan.name.to_owned(),
        started_at,
        machine,
        runs,
        targets: Vec::new(),
        costs,
        booking,
        knowledge,
    };
    report.judge(&scale);
    Ok(report)
}
