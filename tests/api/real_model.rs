//! The tenant form against a real model, opt-in (`scripts/test-model`): a small one on 2 cores takes tens
//! of seconds a turn, too slow for every run. A weak model may word things badly and read little; what it
//! must never do is put a value the contact did not write into a submission, or its framing into a text.

use smsagent_domain::form::{Awaiting, FormState, SlotState};
use smsagent_store::PgPool;

use crate::dialogue_support::{assert_only_the_contacts_words_submitted, is_clean};
use crate::helpers::{CONTACT, Options, TestApp, sid};

/// Who the contact is, and how they answer each question.
const PERSONA: &[(&str, &str, &str)] = &[
    ("first_name", "Maria", "I'm Maria Garcia"),
    ("last_name", "Garcia", "Garcia"),
    ("phone", CONTACT, "555 123 4567"),
    ("address", "42 Oak St, Springfield, IL 62701", "42 Oak St, Springfield, IL 62701"),
    ("annual_income", "85000", "about 85k a year"),
];

/// The contact's next text, from where the form stands: an answer to what was asked, "this one is fine"
/// to their own number, a yes to their own values, a no with the right value to anything else.
fn next_text(state: Option<&FormState>) -> Option<String> {
    let Some(state) = state else { return Some("Hi, I'd like to apply".into()) };
    match &state.awaiting {
        Awaiting::Nothing if state.completed => None,
        Awaiting::Nothing => Some("Hi, I'd like to apply".into()),
        Awaiting::Answer(key) => {
            Some(PERSONA.iter().find(|(k, _, _)| k == key).map_or("I'm not sure", |(_, _, said)| said).into())
        }
        Awaiting::Confirmation(keys) => {
            let wrong = keys.iter().find_map(|key| {
                let (_, right, said) = PERSONA.iter().find(|(k, _, _)| k == key)?;
                let proposed = match state.slots.get(key)? {
                    SlotState::Proposed { value, .. } => value.to_json(),
                    _ => return None,
                };
                let proposed = proposed.as_str().map_or_else(|| proposed.to_string(), str::to_owned);
                (proposed != *right).then(|| format!("no, it's {said}"))
            });
            Some(wrong.unwrap_or_else(|| if keys == &["phone"] { "this one is fine" } else { "yes" }.into()))
        }
    }
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
#[ignore = "needs a real model: scripts/test-model"]
#[allow(clippy::print_stdout)] // the conversation and the model's metrics are what this run reports
async fn a_real_model_neither_invents_values_nor_frames_its_texts(pool: PgPool) {
    let url = std::env::var("SMSAGENT_TEST_MODEL_URL").expect("SMSAGENT_TEST_MODEL_URL: scripts/test-model sets it");
    let app = TestApp::spawn_with(
        pool,
        Options { workers: 0, lease_seconds: 1_200, real_model: Some(url), ..Options::default() },
    )
    .await;
    app.twilio_accepts().await;

    let mut said = Vec::new();
    let mut completed = false;
    for turn in 1..=16 {
        let state: Option<serde_json::Value> =
            sqlx::query_scalar("SELECT state FROM form_session ORDER BY started_at DESC LIMIT 1")
                .fetch_optional(&app.pool)
                .await
                .unwrap();
        let state: Option<FormState> = state.map(|s| serde_json::from_value(s).unwrap());
        let Some(text) = next_text(state.as_ref()) else {
            completed = true;
            break;
        };
        let before = app.outbound().await.len();
        app.text(&sid(), CONTACT, &text).await;
        let started = std::time::Instant::now();
        app.worker.drain().await.unwrap();
        let replies: Vec<String> = app.outbound().await[before..].iter().map(|m| m.body.clone()).collect();
        println!("turn {turn} ({:.0} s)\n  contact: {text}", started.elapsed().as_secs_f64());
        for reply in &replies {
            println!("  assistant: {reply}");
            assert!(is_clean(reply), "the model's framing reached the contact: {reply:?}");
        }
        said.push(text);
    }
    let metrics = app.get("/metrics").await.text().await.unwrap();
    for line in metrics.lines().filter(|l| l.starts_with("smsagent_model_") && !l.contains("_bucket")) {
        println!("  {line}");
    }
    assert_only_the_contacts_words_submitted(&app, &said.join("\n")).await;
    let submissions = app.count("SELECT count(*) FROM form_submission").await;
    println!("completed: {completed} after {} texts; submissions: {submissions}", said.len());
    assert!(completed, "the form completes, on the rules where the model reads nothing useful");
}
