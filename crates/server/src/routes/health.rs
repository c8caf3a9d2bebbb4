use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::error::ApiError;
use crate::state::AppState;

pub async fn root() -> HttpResponse {
    HttpResponse::Ok().json(json!({"service": "smsagent", "version": env!("CARGO_PKG_VERSION")}))
}

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// The process can do its work: the database answers.
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let ping = tokio::time::timeout(Duration::from_secs(2), sqlx::query("SELECT 1").execute(&state.pool)).await;
    match ping {
        Ok(Ok(_)) => Ok(HttpResponse::Ok().json(json!({"status": "ready"}))),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check: database unreachable");
            Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "database_unreachable", "the database does not answer"))
        }
        Err(_) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unreachable",
            "the database did not answer in time",
        )),
    }
}
