//! Tenants' URLs cannot reach inside: refused when set, refused again on connecting, and never redirected.

use reqwest::{Method, StatusCode};
use serde_json::json;
use smsagent_store::PgPool;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{BOOTSTRAP_KEY, CONTACT, Options, SCREENING_ANSWERS, TestApp, sid};

const SECRET: &str = "whsec_test_secret_0123";

async fn set_completion_url(app: &TestApp, url: &str) -> (StatusCode, serde_json::Value) {
    let (_, assistants) = app.api_json(Method::GET, "/api/v1/assistants", BOOTSTRAP_KEY, None).await;
    let id = assistants["assistants"][0]["id"].as_str().unwrap().to_owned();
    let patch = json!({"completion_url": url, "completion_secret": SECRET});
    app.api_json(Method::PATCH, &format!("/api/v1/assistants/{id}"), BOOTSTRAP_KEY, Some(patch)).await
}

async fn complete_the_form(app: &TestApp) {
    for text in SCREENING_ANSWERS {
        app.text(&sid(), CONTACT, text).await;
        app.worker.drain().await.unwrap();
    }
}

async fn delivery(app: &TestApp) -> (String, Option<String>) {
    sqlx::query_as("SELECT delivery_status, delivery_error FROM form_submission").fetch_one(&app.pool).await.unwrap()
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn completion_urls_inside_are_refused_when_set_however_written(pool: PgPool) {
    let options = Options { workers: 0, outbound_allowed_hosts: Vec::new(), ..Options::default() };
    let app = TestApp::spawn_with(pool, options).await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://[::1]/hook",
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://10.0.0.8/hook",
        "http://192.168.1.20/hook",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://2130706433/hook",
        "http://localhost:9000/hook",
    ] {
        let (status, body) = set_completion_url(&app, url).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{url}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("completion_url") && message.contains("private"), "{url}: {message}");
    }
    let (status, body) = set_completion_url(&app, "https://hooks.example.com/smsagent").await;
    assert_eq!(status, StatusCode::OK, "a public URL is fine: {body}");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_completion_url_that_reaches_inside_when_called_is_refused_and_says_nothing_more(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    app.twilio_accepts().await;
    let receiver = MockServer::start().await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(204)).mount(&receiver).await;
    // Stored before the guard, or a name that resolved outside when it was set and inside now: only the
    // client's own resolver can tell (the name passes as written; 127.0.0.1 is allowed here, localhost not).
    let url = format!("http://localhost:{}/hooks/applications", receiver.address().port());
    sqlx::query("UPDATE assistant SET completion_url = $1, completion_secret = $2")
        .bind(&url)
        .bind(SECRET)
        .execute(&app.pool)
        .await
        .unwrap();

    complete_the_form(&app).await;

    assert!(receiver.received_requests().await.unwrap().is_empty(), "nothing reached the inside address");
    let (status, error) = delivery(&app).await;
    assert_eq!(status, "failed");
    assert!(error.as_deref().is_some_and(|e| e.starts_with("refused")), "{error:?}");
    assert_eq!(app.count("SELECT count(*) FROM job").await, 0, "refused for good, not retried");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_redirect_from_the_completion_url_is_not_followed(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    app.twilio_accepts().await;
    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hooks/applications"))
        .respond_with(ResponseTemplate::new(302).insert_header("Location", "/internal/admin"))
        .mount(&receiver)
        .await;
    Mock::given(path("/internal/admin")).respond_with(ResponseTemplate::new(200)).mount(&receiver).await;
    let (status, body) = set_completion_url(&app, &format!("{}/hooks/applications", receiver.uri())).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    complete_the_form(&app).await;

    let requests = receiver.received_requests().await.unwrap();
    let paths: Vec<_> = requests.iter().map(|r| r.url.path().to_owned()).collect();
    assert_eq!(paths, ["/hooks/applications"], "the redirect's target was never called");
    let (status, error) = delivery(&app).await;
    assert_eq!(status, "failed");
    assert!(error.as_deref().is_some_and(|e| e.contains("302")), "{error:?}");
}
