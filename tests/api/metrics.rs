//! `/metrics`: what Prometheus scrapes.

use smsagent_providers::twilio::FormParams;
use smsagent_store::PgPool;

use crate::helpers::{CONTACT, TestApp, WEBHOOK, inbound, sid};

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn the_metrics_count_webhooks_jobs_model_calls_and_sends(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.twilio_accepts().await;
    app.general_assistant().await;
    app.model_replies("Yes, it is.").await;
    app.text(&sid(), CONTACT, "Hi").await;
    app.settle().await;
    app.text(&sid(), CONTACT, "Is the flat free?").await;
    app.settle().await;
    let forged: FormParams = inbound(&sid(), CONTACT, "Hi");
    app.post_form(WEBHOOK, &forged, Some("bm90IGEgc2lnbmF0dXJl")).await;

    let response = app.get("/metrics").await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    for line in [
        r#"smsagent_webhooks_total{provider="twilio",outcome="accepted"} 2"#,
        r#"smsagent_webhooks_total{provider="twilio",outcome="rejected"} 1"#,
        r#"smsagent_sends_total{provider="twilio",outcome="accepted"} 2"#,
        r#"smsagent_job_duration_seconds_count{kind="generate_reply",outcome="done"} 2"#,
        r#"smsagent_job_duration_seconds_count{kind="send_message",outcome="done"} 2"#,
        r#"smsagent_model_call_duration_seconds_count{call="reply",outcome="ok"} 1"#,
        // As the mock model billed them (helpers::chat_completion).
        r#"smsagent_model_tokens_total{call="reply",kind="prompt"} 20"#,
        r#"smsagent_model_tokens_total{call="reply",kind="completion"} 10"#,
        "smsagent_queue_depth 0",
        "smsagent_dead_jobs 0",
        "smsagent_opt_outs 0",
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line:?} in:\n{text}");
    }
}
