use smsagent_store::PgPool;
use sqlx::postgres::PgPoolOptions;

use crate::helpers::{Options, TestApp};

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn the_service_says_it_is_up_and_ready(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    for path in ["/", "/healthz", "/readyz"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), 200, "{path}");
    }
    let ready: serde_json::Value = app.get("/readyz").await.json().await.unwrap();
    assert_eq!(ready["status"], "ready");
}

#[tokio::test]
async fn without_its_database_the_service_is_up_but_not_ready() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let unreachable = PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_secs(1))
        .connect_lazy(&format!("postgres://postgres@127.0.0.1:{port}/nowhere"))
        .unwrap();
    let app = TestApp::spawn_with(unreachable, Options { workers: 0, phone_number: false, ..Options::default() }).await;

    assert_eq!(app.get("/healthz").await.status(), 200);
    let not_ready = app.get("/readyz").await;
    assert_eq!(not_ready.status(), 503);
    let body: serde_json::Value = not_ready.json().await.unwrap();
    assert_eq!(body["error"]["code"], "database_unreachable");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn unknown_paths_get_a_json_404(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let response = app.get("/no/such/thing").await;
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}
