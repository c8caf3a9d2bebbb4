//! The benchmark harness in miniature, inside the test suite so it cannot rot: every scenario runs for a
//! moment against the real service (in-process here) and real Postgres, and every run must account for
//! every text. No timing is judged.

use smsagent_bench::report::Scenario;
use smsagent_bench::{BenchDatabase, Launch, Plan};
use sqlx::PgPool;

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn every_scenario_runs_and_accounts_for_every_text(pool: PgPool) {
    let plan = Plan::smoke();
    let report = smsagent_bench::run(&plan, Launch::InProcess(pool.clone()), BenchDatabase::existing(pool), |_| {})
        .await
        .expect("the benchmark runs");

    for run in &report.runs {
        assert!(run.check.valid, "{:?} at {} clients: {}", run.scenario, run.concurrency, run.check.detail);
        assert!(run.requests > 0, "{:?} at {} clients sent nothing", run.scenario, run.concurrency);
    }
    for scenario in [Scenario::DatabaseLimit, Scenario::TwilioWebhook, Scenario::EventGrid, Scenario::EndToEnd] {
        assert!(report.runs.iter().any(|r| r.scenario == scenario), "{scenario:?} did not run");
    }
    let many = report.runs.iter().find(|r| r.contacts == plan.scale.contacts).expect("the many-contacts run");
    assert_eq!(many.requests, plan.scale.contacts, "one text from each contact");
    assert!(report.runs.iter().any(|r| r.history_rows == plan.scale.history_rows), "the runs with history");
    assert_eq!(report.costs.len(), 2, "both dialogues costed");
    for cost in &report.costs {
        assert!(cost.valid, "every form completed: {cost:?}");
        assert!(cost.smsagent.model_calls > 0.0 && cost.seeds.prompt_tokens > 0.0, "{cost:?}");
    }
    let booking = report.booking.as_ref().expect("the booking runs");
    assert!(booking.valid, "{}", booking.detail);
    assert_eq!(
        (booking.booked, booking.refused, booking.other),
        (5, 45, 0),
        "each of 5 slots booked once by 50 callers"
    );
    assert!(booking.days_offered > 0 && booking.get_slots.p50_ms > 0.0, "{booking:?}");
    let knowledge = report.knowledge.as_ref().expect("the knowledge run");
    assert!(knowledge.valid, "{}", knowledge.detail);
    let markdown = report.markdown();
    assert!(markdown.contains("### Targets") && markdown.contains("Twilio webhook acknowledgement"));
    assert!(markdown.contains("Cost of one completed tenant form"));
    assert!(markdown.contains("### Booking") && markdown.contains("### Knowledge search"));
}
