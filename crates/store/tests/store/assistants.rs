//! Assistants' settings: what the domain allows, the schema stores; what is stored reads back the same.

use serde_json::{Value, json};
use smsagent_domain::assistant::{AssistantDraft, AssistantSettings, limits};
use smsagent_domain::form::Form;
use smsagent_store::{PgPool, assistants, tenants};

fn settings(json: Value) -> AssistantSettings {
    let draft: AssistantDraft = serde_json::from_value(json).unwrap();
    draft.check().unwrap()
}

/// The settings as the API would show them, to compare whole.
fn shown(settings: &AssistantSettings) -> Value {
    serde_json::to_value(settings).unwrap()
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn every_setting_the_domain_allows_is_stored_and_read_back(pool: PgPool) {
    let low = |range: &std::ops::RangeInclusive<i64>| *range.start();
    let high = |range: &std::ops::RangeInclusive<i64>| *range.end();
    for bound in [low, high] {
        let written = settings(json!({
            "name": "n".repeat(*limits::NAME_CHARS.end()), "sms_prompt": "Be brief.", "first_sms": "Hi!",
            "model": "gpt-4o-mini", "temperature": limits::TEMPERATURE.end(), "help_text": "help@example.com",
            "max_reply_tokens": bound(&limits::MAX_REPLY_TOKENS), "history_limit": bound(&limits::HISTORY_LIMIT),
            "session_window_minutes": bound(&limits::SESSION_WINDOW_MINUTES),
            "segment_budget": bound(&limits::SEGMENT_BUDGET),
            "form_stale_after_hours": bound(&limits::FORM_STALE_AFTER_HOURS), "id_photos": bound(&limits::ID_PHOTOS),
            "form": Form::tenant_screening(), "completion_url": "https://hooks.example.com/forms",
            "completion_secret": "s".repeat(limits::COMPLETION_SECRET_MIN_CHARS),
        }));
        let id = assistants::create(&pool, tenants::DEFAULT_TENANT, &written).await.unwrap();
        let read = assistants::find(&pool, id).await.unwrap().unwrap().settings;
        assert_eq!(shown(&read), shown(&written));
        assert!(read.completion_secret.is_some(), "the secret is kept");
    }
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn the_schema_refuses_by_hand_what_the_domain_refuses(pool: PgPool) {
    let written = settings(json!({"name": "Desk", "sms_prompt": "Be brief."}));
    let id = assistants::create(&pool, tenants::DEFAULT_TENANT, &written).await.unwrap();
    let edits = [
        format!("session_window_minutes = {}", limits::SESSION_WINDOW_MINUTES.end() + 1),
        format!("form_stale_after_hours = {}", limits::FORM_STALE_AFTER_HOURS.end() + 1),
        format!("max_reply_tokens = {}", limits::MAX_REPLY_TOKENS.end() + 1),
        format!("name = '{}'", "n".repeat(limits::NAME_CHARS.end() + 1)),
        "name = '  '".to_owned(),
        "name = E'\\t'".to_owned(),
        "sms_prompt = ' '".to_owned(),
        "sms_prompt = E'\\n'".to_owned(),
        "completion_secret = 'short'".to_owned(),
    ];
    for edit in edits {
        // The edits are this test's own constants.
        let update = sqlx::AssertSqlSafe(format!("UPDATE assistant SET {edit} WHERE id = $1"));
        let refused = sqlx::query(update).bind(id).execute(&pool).await.expect_err(&edit);
        let code = refused.as_database_error().and_then(|e| e.code()).unwrap_or_default().into_owned();
        assert_eq!(code, "23514", "{edit}: refused by a CHECK constraint, not otherwise: {refused}");
    }
    assert_eq!(shown(&assistants::find(&pool, id).await.unwrap().unwrap().settings), shown(&written));
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_form_broken_by_hand_is_reported_not_half_read(pool: PgPool) {
    let written = settings(json!({"name": "Desk", "sms_prompt": "Be brief."}));
    let id = assistants::create(&pool, tenants::DEFAULT_TENANT, &written).await.unwrap();
    sqlx::query("UPDATE assistant SET form = '{\"slots\": []}' WHERE id = $1").bind(id).execute(&pool).await.unwrap();
    let error = assistants::find(&pool, id).await.expect_err("a form without slots").to_string();
    assert!(error.contains("form"), "{error}");
    let program = assistants::program(&pool, id).await.unwrap();
    assert_eq!(program, Some(("Desk".to_owned(), None)), "compliance texts still know the program");
}

#[sqlx::test(migrations = false)]
async fn rows_from_before_the_rules_are_brought_within_them(pool: PgPool) {
    let rules =
        smsagent_store::MIGRATOR.iter().position(|m| m.description.contains("assistant settings rules")).unwrap();
    let before = sqlx::migrate::Migrator {
        migrations: std::borrow::Cow::Owned(smsagent_store::MIGRATOR.migrations[..rules].to_vec()),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    before.run(&pool).await.unwrap();
    // What the older schema let a hand edit, or the older API counting bytes, store.
    let rows = [
        ("00000000-0000-0000-0000-00000000000a", " \t", " ", 20_000, 10_000, Some("short")),
        ("00000000-0000-0000-0000-00000000000b", "  Front desk\n", "Be brief.", 30, 72, Some("ééééééééé")),
        ("00000000-0000-0000-0000-00000000000c", "Kept", "Be brief.", 10_080, 8_760, Some("sixteen-chars-ok")),
    ];
    for (id, name, prompt, window, stale, secret) in rows {
        sqlx::query(
            "INSERT INTO assistant (id, name, sms_prompt, session_window_minutes, form_stale_after_hours, completion_secret)
             VALUES ($1::uuid, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(name)
        .bind(prompt)
        .bind(window)
        .bind(stale)
        .bind(secret)
        .execute(&pool)
        .await
        .unwrap();
    }

    smsagent_store::MIGRATOR.run(&pool).await.expect("the rules' migration runs over older rows");
    let read = |id: &str| {
        let pool = pool.clone();
        let id = id.parse().unwrap();
        async move { assistants::find(&pool, id).await.unwrap().unwrap().settings }
    };
    let blank = read("00000000-0000-0000-0000-00000000000a").await;
    assert_eq!(
        (blank.name.as_str(), blank.session_window_minutes, blank.form_stale_after_hours),
        ("Assistant", 10_080, 8_760)
    );
    assert!(blank.sms_prompt.starts_with("You answer text messages"), "{}", blank.sms_prompt);
    assert!(blank.completion_secret.is_none(), "a short secret cannot be kept");
    let padded = read("00000000-0000-0000-0000-00000000000b").await;
    assert_eq!(padded.name, "Front desk");
    assert!(padded.completion_secret.is_none(), "18 bytes, but 9 characters");
    let kept = read("00000000-0000-0000-0000-00000000000c").await;
    assert_eq!((kept.name.as_str(), kept.completion_secret.is_some()), ("Kept", true));
}
