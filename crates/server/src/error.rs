//! The one place errors become HTTP answers: `{"error": {"code", "message"}}`. A 4xx says what was wrong;
//! a 5xx says nothing about the cause, which goes to the log.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use smsagent_engine::outbox::{OutboxError, Refused};

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// A header the answer needs: a 401's `WWW-Authenticate`, a 429's `Retry-After`.
    header: Option<(actix_web::http::header::HeaderName, String)>,
    #[source]
    cause: Option<anyhow::Error>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), header: None, cause: None }
    }

    /// No usable API key: the operators' API answers 401 with a Bearer challenge.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        let challenge = (actix_web::http::header::WWW_AUTHENTICATE, "Bearer".to_owned());
        ApiError { header: Some(challenge), ..Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message) }
    }

    /// Over a rate limit: 429, and when to come back.
    pub fn too_many_requests(message: impl Into<String>, retry_after_seconds: u64) -> Self {
        let retry_after = (actix_web::http::header::RETRY_AFTER, retry_after_seconds.to_string());
        ApiError { header: Some(retry_after), ..Self::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message) }
    }

    /// A known path asked with a method it does not take; `allow` lists the ones it does.
    pub fn method_not_allowed(allow: String) -> Self {
        let message = format!("this path takes {allow}");
        let allow = (actix_web::http::header::ALLOW, allow);
        ApiError { header: Some(allow), ..Self::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", message) }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    /// A failure of ours; the caller learns only that it happened.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal_error",
            message: "something went wrong on our side; it has been logged".into(),
            header: None,
            cause: Some(cause.into()),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(error: sqlx::Error) -> Self {
        smsagent_store::StoreError::from(error).into()
    }
}

impl From<smsagent_store::StoreError> for ApiError {
    fn from(error: smsagent_store::StoreError) -> Self {
        ApiError::internal(error)
    }
}

impl From<OutboxError> for ApiError {
    fn from(error: OutboxError) -> Self {
        let refused = match error {
            OutboxError::Store(e) => return e.into(),
            OutboxError::Refused(why) => why,
        };
        let code = match refused {
            Refused::NoConversation => return ApiError::not_found(refused.to_string()),
            Refused::OptedOut => "recipient_opted_out",
            Refused::WhatsAppNeedsTwilio => "whatsapp_needs_twilio",
            Refused::OutsideWhatsAppWindow => "outside_whatsapp_window",
        };
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, refused.to_string())
    }
}

/// The one error shape of every 4xx and 5xx.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable, for programs: invalid_body, not_found, unauthorized, rate_limited…
    pub code: String,
    /// For people: what was wrong.
    pub message: String,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(cause) = &self.cause {
            tracing::error!(error = format!("{cause:#}"), "request failed");
        }
        let mut response = HttpResponse::build(self.status);
        if let Some(header) = &self.header {
            response.insert_header(header.clone());
        }
        response.json(ErrorBody { error: ErrorDetail { code: self.code.to_owned(), message: self.message.clone() } })
    }
}
