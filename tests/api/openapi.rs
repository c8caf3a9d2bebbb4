//! The OpenAPI document: it describes every operators' endpoint, its schemas are sound, and what the
//! service answers matches it.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smsagent_store::PgPool;

use crate::helpers::{BOOTSTRAP_KEY, CONTACT, Options, TestApp, sid};

async fn document(app: &TestApp) -> Value {
    let response = app.get("/api/openapi.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// Checks `body`, answered with `status` to `method template`, against the document's schema for it.
fn conforms(doc: &Value, method: &str, template: &str, status: StatusCode, body: &Value) {
    let operation = &doc["paths"][template][method.to_lowercase()];
    assert!(operation.is_object(), "{method} {template} is not in the document");
    let response = &operation["responses"][status.as_str()];
    assert!(response.is_object(), "{method} {template} does not document {status}");
    let Some(schema) = response["content"]["application/json"]["schema"].as_object() else {
        assert!(body.is_null(), "{method} {template} {status} documents no body, got {body}");
        return;
    };
    let mut root = schema.clone();
    root.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
    root.insert("components".into(), doc["components"].clone());
    let validator = jsonschema::validator_for(&Value::Object(root)).unwrap();
    let errors: Vec<String> = validator.iter_errors(body).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{method} {template} {status}: {errors:?}\n{body}");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn the_document_lists_every_endpoint_with_sound_schemas(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    let doc = document(&app).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["components"]["securitySchemes"]["api_key"]["scheme"] == "bearer");

    // Every schema compiles, and every reference leads somewhere.
    for (name, schema) in doc["components"]["schemas"].as_object().unwrap() {
        let mut root = schema.as_object().unwrap().clone();
        root.insert("components".into(), doc["components"].clone());
        assert!(jsonschema::validator_for(&Value::Object(root)).is_ok(), "{name} does not compile");
    }
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(doc["components"]["schemas"][name].is_object(), "{name} is referenced but not defined");
    }

    // Every documented operation is served, and asks for a key.
    let mut operations = 0;
    for (template, item) in doc["paths"].as_object().unwrap() {
        let path = template
            .replace("{id}", &uuid::Uuid::now_v7().to_string())
            .replace("{conversation_id}", &uuid::Uuid::now_v7().to_string())
            .replace("{phone_number}", "%2B15551234567");
        for method in item.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = app.request(method.clone(), &path).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{method} {template}");
            let summary = item[method.as_str().to_lowercase()]["summary"].as_str().unwrap_or_default();
            assert!(!summary.is_empty(), "{method} {template} has no sentence saying what it does");
            operations += 1;
        }
    }
    assert!(operations >= 18, "only {operations} operations documented");

    // A method a path does not take is a 405 whose Allow lists exactly the documented ones.
    for (template, item) in doc["paths"].as_object().unwrap() {
        let path = template.replace("{id}", &uuid::Uuid::now_v7().to_string());
        let path = path.replace("{conversation_id}", &uuid::Uuid::now_v7().to_string());
        let path =
            path.replace("{phone_number}", "%2B15551234567").replace("{tenant_id}", &uuid::Uuid::now_v7().to_string());
        let documented_methods = item.as_object().unwrap();
        let other = ["put", "post", "patch"].into_iter().find(|m| !documented_methods.contains_key(*m)).unwrap();
        let other = Method::from_bytes(other.to_uppercase().as_bytes()).unwrap();
        let response = app.api(other.clone(), &path, BOOTSTRAP_KEY).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{other} {template}");
        let mut allowed: Vec<String> =
            response.headers()["allow"].to_str().unwrap().split(", ").map(str::to_lowercase).collect();
        let mut documented: Vec<String> = item.as_object().unwrap().keys().cloned().collect();
        allowed.sort();
        documented.sort();
        assert_eq!(allowed, documented, "{template}");
    }
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn what_the_api_answers_matches_the_document(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    app.twilio_accepts().await;
    let doc = document(&app).await;
    let key = BOOTSTRAP_KEY;
    let call = |method: &'static str, path: String, body: Option<Value>| {
        let mut request = app.api(Method::from_bytes(method.as_bytes()).unwrap(), &path, key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status();
            (status, response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let check = |method: &'static str, template: &'static str, (status, body): (StatusCode, Value)| {
        conforms(&doc, method, template, status, &body);
        body
    };

    app.text(&sid(), CONTACT, "Hi, is the flat free?").await;
    app.settle().await;

    let assistant = check(
        "POST",
        "/api/v1/assistants",
        call("POST", "/api/v1/assistants".into(), Some(json!({"name": "Desk", "sms_prompt": "Be brief."}))).await,
    );
    let id = assistant["id"].as_str().unwrap().to_owned();
    check("POST", "/api/v1/assistants", call("POST", "/api/v1/assistants".into(), Some(json!({"name": ""}))).await);
    check("GET", "/api/v1/assistants", call("GET", "/api/v1/assistants".into(), None).await);
    let preset = Some(json!({"name": "Screening", "form": "tenant_screening"}));
    check("POST", "/api/v1/assistants", call("POST", "/api/v1/assistants".into(), preset).await);
    check("GET", "/api/v1/forms/presets", call("GET", "/api/v1/forms/presets".into(), None).await);
    check("GET", "/api/v1/me", call("GET", "/api/v1/me".into(), None).await);
    check("GET", "/api/v1/assistants/{id}", call("GET", format!("/api/v1/assistants/{id}"), None).await);
    let patch = Some(json!({"help_text": "Call 555-0100"}));
    check("PATCH", "/api/v1/assistants/{id}", call("PATCH", format!("/api/v1/assistants/{id}"), patch).await);
    let missing = uuid::Uuid::now_v7();
    check("GET", "/api/v1/assistants/{id}", call("GET", format!("/api/v1/assistants/{missing}"), None).await);
    let submissions = call("GET", format!("/api/v1/assistants/{id}/submissions"), None).await;
    check("GET", "/api/v1/assistants/{id}/submissions", submissions);

    let number = Some(json!({"number": "+15550001111", "provider": "simulator", "inbound_assistant_id": id}));
    let number = check("POST", "/api/v1/phone-numbers", call("POST", "/api/v1/phone-numbers".into(), number).await);
    let number_id = number["id"].as_str().unwrap().to_owned();
    check("GET", "/api/v1/phone-numbers", call("GET", "/api/v1/phone-numbers".into(), None).await);
    let assign = Some(json!({"inbound_assistant_id": null}));
    check(
        "PATCH",
        "/api/v1/phone-numbers/{id}",
        call("PATCH", format!("/api/v1/phone-numbers/{number_id}"), assign).await,
    );

    let page = check("GET", "/api/conversations", call("GET", "/api/conversations".into(), None).await);
    let conversation = page["conversations"][0]["id"].as_str().unwrap().to_owned();
    check(
        "GET",
        "/api/conversations/{phone_number}",
        call("GET", "/api/conversations/%2B15551234567".into(), None).await,
    );
    let by_id = call("GET", format!("/api/v1/sms/conversation/{conversation}"), None).await;
    check("GET", "/api/v1/sms/conversation/{conversation_id}", by_id);
    let pause = call("POST", format!("/api/v1/sms/conversation/{conversation}/pause"), None).await;
    check("POST", "/api/v1/sms/conversation/{conversation_id}/pause", pause);
    let resume = call("POST", format!("/api/v1/sms/conversation/{conversation}/resume"), None).await;
    check("POST", "/api/v1/sms/conversation/{conversation_id}/resume", resume);

    let text = Some(json!({"to": CONTACT, "body": "A person here.", "from": "+15557654321"}));
    check("POST", "/api/v1/sms/send", call("POST", "/api/v1/sms/send".into(), text).await);
    check("POST", "/api/v1/sms/send", call("POST", "/api/v1/sms/send".into(), Some(json!({"to": "x"}))).await);
    check("GET", "/api/v1/sms/stats", call("GET", "/api/v1/sms/stats".into(), None).await);

    let erased = call("DELETE", "/api/conversations/%2B15551234567".into(), None).await;
    check("DELETE", "/api/conversations/{phone_number}", erased);
    check(
        "DELETE",
        "/api/v1/phone-numbers/{id}",
        call("DELETE", format!("/api/v1/phone-numbers/{number_id}"), None).await,
    );
    check("DELETE", "/api/v1/assistants/{id}", call("DELETE", format!("/api/v1/assistants/{id}"), None).await);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn the_docs_page_is_served_from_the_app(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    let response = app.get("/api/docs").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
    let html = response.text().await.unwrap();
    assert!(html.contains("<code>/api/v1/sms/send</code>"), "{html}");
    assert!(!html.contains("http://") && !html.contains("https://"), "nothing is fetched from elsewhere");
    // Each body's fields, with their types and bounds, and an example request to copy.
    assert!(html.contains("<section id=\"schema-assistantdraft\">"), "{html}");
    assert!(html.contains("<td><code>max_reply_tokens</code></td><td>integer</td>"), "{html}");
    assert!(html.contains("1 to 100; default <code>100</code>"), "{html}");
    assert!(html.contains("curl -X POST &quot;$BASE/api/v1/assistants&quot;"), "{html}");
    assert!(html.contains("Body: <a href=\"#schema-assistantdraft\">AssistantDraft</a>"), "{html}");
    assert!(!html.contains('`'), "backticks are rendered as code");

    // As a browser renders it, on a phone-sized screen.
    let dom = crate::browser::open(&format!("{}/api/docs", app.address), "api-docs").await;
    assert!(dom.contains("<h1>smsagent operators' API</h1>"), "{dom}");
    assert!(dom.contains("<code>/api/v1/sms/send</code>"));
    assert!(dom.contains("Idempotency-Key"));
}
