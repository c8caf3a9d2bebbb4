//! The operators' API: no call without a valid key, and a key never reaches another tenant's data.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smsagent_store::PgPool;

use crate::helpers::{BOOTSTRAP_KEY, BUSINESS, CONTACT, Options, TestApp, sid};

/// Every operators' endpoint, with a body where it takes one. `{assistant}`, `{number}`, `{conversation}`,
/// `{key}` and `{upload}` (in a path or a body) stand for the default tenant's own.
const ENDPOINTS: &[(&str, &str, Option<&str>)] = &[
    ("POST", "/api/v1/keys", Some(r#"{"label": "X"}"#)),
    ("GET", "/api/v1/keys", None),
    ("DELETE", "/api/v1/keys/{key}", None),
    ("POST", "/api/v1/assistants", Some(r#"{"name": "X", "sms_prompt": "Be brief."}"#)),
    ("GET", "/api/v1/assistants", None),
    ("GET", "/api/v1/assistants/{assistant}", None),
    ("PATCH", "/api/v1/assistants/{assistant}", Some(r#"{"name": "Renamed"}"#)),
    ("DELETE", "/api/v1/assistants/{assistant}", None),
    ("POST", "/api/v1/phone-numbers", Some(r#"{"number": "+15550001111", "provider": "simulator"}"#)),
    ("GET", "/api/v1/phone-numbers", None),
    ("PATCH", "/api/v1/phone-numbers/{number}", Some(r#"{"inbound_assistant_id": null}"#)),
    ("DELETE", "/api/v1/phone-numbers/{number}", None),
    ("GET", "/api/conversations", None),
    ("GET", "/api/conversations/%2B15551234567", None),
    ("DELETE", "/api/conversations/%2B15551234567", None),
    ("GET", "/api/v1/sms/conversation/{conversation}", None),
    ("POST", "/api/v1/sms/conversation/{conversation}/pause", None),
    ("POST", "/api/v1/sms/conversation/{conversation}/resume", None),
    ("GET", "/api/v1/sms/stats", None),
    ("GET", "/api/v1/sms/conversation/{conversation}/uploads", None),
    ("POST", "/api/v1/sms/conversation/{conversation}/upload-link", None),
    ("GET", "/api/v1/uploads/{upload}", None),
    ("GET", "/api/v1/appointments", None),
    ("GET", "/api/v1/appointments/{appointment}", None),
    ("POST", "/api/v1/appointments/{appointment}/reschedule", Some(r#"{"start": "2026-12-07T16:00:00Z"}"#)),
    ("POST", "/api/v1/appointments/{appointment}/cancel", None),
    ("PUT", "/api/v1/assistants/{assistant}/booking", Some(r#"{"days_ahead": 3}"#)),
    ("GET", "/api/v1/assistants/{assistant}/booking", None),
    ("DELETE", "/api/v1/assistants/{assistant}/booking", None),
    ("POST", "/api/v1/knowledge/documents?title=X", Some("Whitening is free.")),
    ("GET", "/api/v1/knowledge/documents", None),
    ("DELETE", "/api/v1/knowledge/documents/{document}", None),
    ("GET", "/api/v1/knowledge/search?q=whitening", None),
    ("GET", "/api/v1/assistants/{assistant}/builtin-tools", None),
    ("PUT", "/api/v1/assistants/{assistant}/builtin-tools", Some(r#"{"tools": []}"#)),
    ("POST", "/voice/get-days", Some(r#"{"assistant_id": "{assistant}"}"#)),
    ("POST", "/voice/get-slots", Some(r#"{"assistant_id": "{assistant}", "date": "2026-12-07"}"#)),
    ("POST", "/voice/book", Some(r#"{"assistant_id": "{assistant}", "start": "2026-12-07T15:00:00Z", "name": "X"}"#)),
    ("POST", "/chat/00000000-0000-0000-0000-000000000001", Some(r#"{"message": "Hello"}"#)),
    // Last: for another tenant, this opens a conversation of its own (from the number it added above).
    ("POST", "/api/v1/sms/send", Some(r#"{"to": "+15551234567", "body": "Hello"}"#)),
    ("POST", "/api/v1/sms/test", Some(r#"{"from": "+15551234567", "body": "Hello"}"#)),
];

struct Ids {
    assistant: String,
    number: String,
    conversation: String,
    key: String,
    upload: String,
    appointment: String,
    document: String,
}

/// The default tenant's assistant, number (BUSINESS) and a conversation with CONTACT.
async fn default_tenants_data(app: &TestApp) -> Ids {
    assert_eq!(app.text(&sid(), CONTACT, "Hello").await.status(), StatusCode::OK);
    let one = |sql: &'static str| async move {
        let id: uuid::Uuid = sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap();
        id.to_string()
    };
    Ids {
        assistant: one("SELECT id FROM assistant").await,
        number: one("SELECT id FROM phone_number").await,
        conversation: one("SELECT id FROM conversation").await,
        key: one(
            "INSERT INTO api_key (id, tenant_id, key_hash, key_prefix) \
             VALUES (gen_random_uuid(), '00000000-0000-0000-0000-000000000001', sha256('a stored key'), 'sk_x') RETURNING id",
        )
        .await,
        upload: one(
            "INSERT INTO id_upload (id, conversation_id, contact_number, side, content_type, size_bytes, sha256, stored_name) \
             SELECT gen_random_uuid(), id, contact_number, 'front', 'image/png', 1, sha256(''), 'x.png' FROM conversation \
             RETURNING id",
        )
        .await,
        appointment: one(
            "INSERT INTO appointment (id, tenant_id, calendar, contact_number, name, starts_at, ends_at, blocked_until) \
             VALUES (gen_random_uuid(), '00000000-0000-0000-0000-000000000001', 'builtin:x', '+15551234567', 'Maria', \
                     '2026-12-07T15:00:00Z', '2026-12-07T15:30:00Z', '2026-12-07T15:30:00Z') RETURNING id",
        )
        .await,
        document: one(
            "WITH d AS (INSERT INTO knowledge_document (id, tenant_id, title, media_type, language, size_bytes, sha256) \
             VALUES (gen_random_uuid(), '00000000-0000-0000-0000-000000000001', 'FAQ', 'text/plain', 'en', 9, 'x') \
             RETURNING id, tenant_id) \
             INSERT INTO knowledge_passage (id, document_id, tenant_id, position, body, config) \
             SELECT gen_random_uuid(), id, tenant_id, 0, 'Whitening is $250.', 'english' FROM d RETURNING document_id",
        )
        .await,
    }
}

fn path(template: &str, ids: &Ids) -> String {
    template
        .replace("{assistant}", &ids.assistant)
        .replace("{number}", &ids.number)
        .replace("{conversation}", &ids.conversation)
        .replace("{key}", &ids.key)
        .replace("{upload}", &ids.upload)
        .replace("{appointment}", &ids.appointment)
        .replace("{document}", &ids.document)
}

fn call(
    app: &TestApp,
    (method, template, body): (&str, &str, Option<&str>),
    ids: &Ids,
    key: Option<&str>,
) -> reqwest::RequestBuilder {
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = app.request(method, &path(template, ids));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if let Some(body) = body {
        request = request.header("content-type", "application/json").body(path(body, ids));
    }
    request
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn every_endpoint_refuses_a_call_without_a_valid_key(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    let ids = default_tenants_data(&app).await;

    for (n, &endpoint) in ENDPOINTS.iter().enumerate() {
        for key in [None, Some("sk_smsagent_not_a_key"), Some("")] {
            // Each endpoint from its own address (as the proxy says): wrong keys from one address are limited.
            let response = call(&app, endpoint, &ids, key).header("x-forwarded-for", format!("198.51.100.{n}"));
            let response = response.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{endpoint:?} with {key:?}");
            assert_eq!(response.headers()["www-authenticate"], "Bearer");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "unauthorized", "{endpoint:?}");
        }
    }
    // Nothing was changed by any of them.
    assert_eq!(app.count("SELECT count(*) FROM assistant").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM phone_number").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM sms_messages").await, 1);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn another_tenants_key_sees_and_changes_nothing_of_ours(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    app.twilio_accepts().await;
    let ids = default_tenants_data(&app).await;
    let (_, other) = app.tenant("Another business").await;

    for &endpoint in ENDPOINTS {
        let response = call(&app, endpoint, &ids, Some(&other)).send().await.unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        match (endpoint.0, endpoint.1) {
            // Its own lists (only what it made itself above), and what it creates for itself.
            ("GET", "/api/v1/assistants") => {
                assert!(body["assistants"].as_array().unwrap().iter().all(|a| a["id"] != ids.assistant.as_str()))
            }
            ("GET", "/api/v1/phone-numbers") => {
                assert!(body["phone_numbers"].as_array().unwrap().iter().all(|n| n["number"] != BUSINESS))
            }
            ("GET", "/api/conversations") => assert_eq!(body["conversations"], json!([])),
            ("GET", "/api/v1/appointments") => assert_eq!(body["appointments"], json!([]), "{body}"),
            ("GET", "/api/v1/knowledge/documents") => assert_eq!(body["documents"], json!([]), "{body}"),
            ("GET", "/api/v1/knowledge/search?q=whitening") => assert_eq!(body["passages"], json!([]), "{body}"),
            // A document is the body itself: JSON is not a kind of document.
            ("POST", "/api/v1/knowledge/documents?title=X") => {
                assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}")
            }
            ("GET", "/api/v1/sms/stats") => assert_eq!(body["total"]["inbound"], 0, "{body}"),
            ("GET", "/api/v1/keys") => {
                assert!(body["keys"].as_array().unwrap().iter().all(|k| k["id"] != ids.key.as_str()), "{body}")
            }
            ("POST", "/api/v1/keys") => assert_eq!(status, StatusCode::CREATED, "{body}"),
            ("POST", path) if path.starts_with("/chat/") => {
                assert_eq!((status, &body["error"]["code"]), (StatusCode::FORBIDDEN, &json!("wrong_tenant")))
            }
            ("POST", "/api/v1/sms/send" | "/api/v1/sms/test") => assert_eq!(status, StatusCode::ACCEPTED, "{body}"),
            ("POST", "/api/v1/assistants" | "/api/v1/phone-numbers") => {
                assert_eq!(status, StatusCode::CREATED, "{endpoint:?}: {body}")
            }
            _ => {
                assert_eq!(status, StatusCode::NOT_FOUND, "{endpoint:?}: {body}");
                assert_eq!(body["error"]["code"], "not_found");
            }
        }
    }

    // Everything of ours is as it was, and still ours.
    let ours = |path: &str| app.api(Method::GET, path, BOOTSTRAP_KEY).send();
    let assistant: Value = ours(&format!("/api/v1/assistants/{}", ids.assistant)).await.unwrap().json().await.unwrap();
    assert_ne!(assistant["name"], "Renamed");
    let numbers: Value = ours("/api/v1/phone-numbers").await.unwrap().json().await.unwrap();
    assert_eq!(numbers["phone_numbers"][0]["number"], BUSINESS);
    assert_eq!(numbers["phone_numbers"][0]["inbound_assistant_id"], ids.assistant.as_str());
    let history: Value = ours("/api/conversations/%2B15551234567").await.unwrap().json().await.unwrap();
    assert_eq!(history["conversations"][0]["messages"][0]["body"], "Hello");
    assert_eq!(app.count("SELECT count(*) FROM api_key WHERE key_prefix = 'sk_x' AND revoked_at IS NULL").await, 1);
    assert_eq!(app.count("SELECT count(*) FROM sms_messages WHERE purpose = 'upload_link'").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM appointment WHERE status = 'confirmed'").await, 1, "ours stands");
    let found: Value = ours("/api/v1/knowledge/search?q=whitening").await.unwrap().json().await.unwrap();
    assert_eq!(found["passages"][0]["body"], "Whitening is $250.", "our document stands: {found}");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_key_over_its_rate_is_told_when_to_come_back(pool: PgPool) {
    let app =
        TestApp::spawn_with(pool, Options { workers: 0, api_rate_limit_per_minute: 3, ..Options::default() }).await;
    let (_, other) = app.tenant("Other").await;
    for _ in 0..3 {
        let ok = app.api(Method::GET, "/api/v1/assistants", BOOTSTRAP_KEY).send().await.unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
    }
    let limited = app.api(Method::GET, "/api/v1/assistants", BOOTSTRAP_KEY).send().await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = limited.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // Another key has its own allowance.
    let theirs = app.api(Method::GET, "/api/v1/assistants", &other).send().await.unwrap();
    assert_eq!(theirs.status(), StatusCode::OK);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn only_the_configured_origins_may_call_from_a_browser(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    let preflight = |origin: &'static str| {
        app.request(Method::OPTIONS, "/api/v1/assistants")
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "authorization, content-type, idempotency-key")
            .send()
    };
    let allowed = preflight("https://admin.example.test").await.unwrap();
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://admin.example.test");
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(refused.headers().get("access-control-allow-origin").is_none());
    // Twilio sends no Origin: webhooks are unaffected.
    assert_eq!(app.text(&sid(), CONTACT, "Hi").await.status(), StatusCode::OK);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_wrong_key_gets_401_before_anything_of_the_request_is_looked_at(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    for (method, path, body) in [
        (Method::GET, "/api/v1/assistants/not-a-uuid", None),
        (Method::GET, "/api/conversations?limit=0&nonsense=1", None),
        (Method::GET, "/api/conversations/not-a-contact", None),
        (Method::POST, "/api/v1/keys", Some("[]")),
        (Method::POST, "/api/v1/sms/send", Some("{not json")),
        (Method::PUT, "/api/v1/assistants", None),
    ] {
        let mut request = app.request(method.clone(), path).bearer_auth("sk_smsagent_wrong");
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body);
        }
        assert_eq!(request.send().await.unwrap().status(), StatusCode::UNAUTHORIZED, "{method} {path}");
    }
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn an_address_guessing_keys_is_slowed_down_and_others_are_not(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    let (_, key) = app.tenant("Another business").await;
    let guess = |from: &'static str, key: String| {
        app.request(Method::GET, "/api/v1/keys").bearer_auth(key).header("x-forwarded-for", from).send()
    };
    for n in 0..smsagent_server::api::limits::FAILED_KEYS_PER_MINUTE {
        let status = guess("203.0.113.9", format!("sk_smsagent_guess{n}")).await.unwrap().status();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let slowed = guess("203.0.113.9", "sk_smsagent_one_more".into()).await.unwrap();
    assert_eq!(slowed.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(slowed.headers().contains_key("retry-after"));
    assert_eq!(
        guess("203.0.113.9", key.clone()).await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS,
        "no lookup at all"
    );
    assert_eq!(guess("198.51.100.1", key).await.unwrap().status(), StatusCode::OK, "another address is unaffected");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn guesses_sent_all_at_once_or_under_made_up_addresses_are_counted_all_the_same(pool: PgPool) {
    // Not behind a proxy of ours: what a caller says in X-Forwarded-For counts for nothing.
    let app =
        TestApp::spawn_with(pool, Options { workers: 0, trusted_proxies: Vec::new(), ..Options::default() }).await;
    let limit = smsagent_server::api::limits::FAILED_KEYS_PER_MINUTE as usize;
    let guesses = (0..2 * limit).map(|n| {
        app.request(Method::GET, "/api/v1/keys")
            .bearer_auth(format!("sk_smsagent_guess{n}"))
            .header("x-forwarded-for", format!("203.0.113.{n}"))
            .send()
    });
    let answers = futures_util::future::join_all(guesses).await;

    let looked_up = answers.iter().filter(|a| a.as_ref().unwrap().status() == StatusCode::UNAUTHORIZED).count();
    let slowed = answers.iter().filter(|a| a.as_ref().unwrap().status() == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((looked_up, slowed), (limit, limit), "at most the minute's allowance reached the database");
}
