//! `/api/v1/keys`: a tenant makes, lists and revokes its own API keys.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smsagent_store::PgPool;

use crate::helpers::{BOOTSTRAP_KEY, TestApp};

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_key_is_made_shown_once_and_refused_once_revoked(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (status, created) =
        app.api_json(Method::POST, "/api/v1/keys", BOOTSTRAP_KEY, Some(json!({"label": "CRM"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with(created["prefix"].as_str().unwrap()) && key.len() > 40, "{created}");

    // The new key works, and the list shows its first characters only.
    let (status, listed) = app.api_json(Method::GET, "/api/v1/keys", &key, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["keys"].as_array().unwrap().len(), 1);
    assert_eq!((&listed["keys"][0]["label"], &listed["keys"][0]["revoked_at"]), (&json!("CRM"), &Value::Null));
    assert!(!listed.to_string().contains(&key), "a listed key is never shown whole");

    let id = created["id"].as_str().unwrap();
    let (status, _) = app.api_json(Method::DELETE, &format!("/api/v1/keys/{id}"), &key, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "a key may revoke itself");
    let (status, refused) = app.api_json(Method::GET, "/api/v1/keys", &key, None).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")));

    let (_, listed) = app.api_json(Method::GET, "/api/v1/keys", BOOTSTRAP_KEY, None).await;
    assert!(listed["keys"][0]["revoked_at"].is_string(), "{listed}");
    let (status, _) = app.api_json(Method::DELETE, &format!("/api/v1/keys/{id}"), BOOTSTRAP_KEY, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "revoking again changes nothing");
    let audited = app.count("SELECT count(*) FROM audit_event WHERE action LIKE 'api_key.%'").await;
    assert_eq!(audited, 3);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn keys_refuse_bad_input_other_tenants_and_no_key(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, other_key) = app.tenant("Other").await;
    let (_, theirs) = app.api_json(Method::GET, "/api/v1/keys", &other_key, None).await;
    let their_id = theirs["keys"][0]["id"].as_str().unwrap().to_owned();

    let (_, ours) = app.api_json(Method::GET, "/api/v1/keys", BOOTSTRAP_KEY, None).await;
    assert_eq!(ours["keys"], json!([]), "another tenant's keys are not listed");
    let (status, _) = app.api_json(Method::DELETE, &format!("/api/v1/keys/{their_id}"), BOOTSTRAP_KEY, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.api_json(Method::GET, "/api/v1/keys", &other_key, None).await;
    assert_eq!(status, StatusCode::OK, "their key still works");

    let long = json!({"label": "x".repeat(101)});
    let (status, error) = app.api_json(Method::POST, "/api/v1/keys", BOOTSTRAP_KEY, Some(long)).await;
    assert_eq!((status, error["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_label")));
    let (status, _) = app.api_json(Method::DELETE, "/api/v1/keys/not-an-id", BOOTSTRAP_KEY, None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let anonymous = app.request(Method::POST, "/api/v1/keys").json(&json!({}));
    assert_eq!(anonymous.send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("SELECT count(*) FROM api_key").await, 1, "only the other tenant's key");
}
