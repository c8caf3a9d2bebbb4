//! Entra ID tokens for ACS from a managed identity, for deployments that configure only the endpoint.
//!
//! Tokens come from the identity endpoint (Azure's instance metadata service by default; App Service's
//! `IDENTITY_ENDPOINT` with its `X-IDENTITY-HEADER` secret; a mock in tests) and are reused until shortly
//! before they expire.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;

use crate::{SendError, http};

/// The resource ACS tokens are for: the SDKs' scope `https://communication.azure.com//.default` without
/// its `/.default`, as Azure's identity libraries turn a scope into a resource.
const RESOURCE: &str = "https://communication.azure.com/";
/// A token is renewed this long before it expires.
const MARGIN: TimeDelta = TimeDelta::minutes(5);

#[derive(Debug)]
pub struct ManagedIdentity {
    http: reqwest::Client,
    endpoint: String,
    /// App Service's identity header; without it the metadata service's `Metadata: true` is sent.
    identity_header: Option<SecretString>,
    cached: Mutex<Option<(SecretString, DateTime<Utc>)>>,
}

#[derive(Debug, Deserialize)]
struct TokenResponse {
    access_token: String,
    /// Seconds since the epoch, as a string or a number depending on the endpoint.
    expires_on: Option<serde_json::Value>,
    expires_in: Option<serde_json::Value>,
}

impl ManagedIdentity {
    pub fn new(endpoint: &str, identity_header: Option<SecretString>) -> Self {
        ManagedIdentity {
            http: http::client(Duration::from_secs(10)),
            endpoint: endpoint.to_owned(),
            identity_header,
            cached: Mutex::new(None),
        }
    }

    /// A token valid for a while yet.
    pub async fn token(&self) -> Result<SecretString, SendError> {
        let mut cached = self.cached.lock().await;
        if let Some((token, expires)) = cached.as_ref()
            && *expires - MARGIN > Utc::now()
        {
            return Ok(token.clone());
        }
        let request = match &self.identity_header {
            Some(header) => self
                .http
                .get(&self.endpoint)
                .query(&[("api-version", "2019-08-01"), ("resource", RESOURCE)])
                .header("X-IDENTITY-HEADER", header.expose_secret()),
            None => self
                .http
                .get(&self.endpoint)
                .query(&[("api-version", "2018-02-01"), ("resource", RESOURCE)])
                .header("Metadata", "true"),
        };
        let response = request.send().await.map_err(|e| SendError::from_transport(&e))?;
        if !response.status().is_success() {
            let status = response.status();
            return Err(if status.is_server_error() || status.as_u16() == 429 {
                SendError::Transient {
                    reason: format!("the identity endpoint answered HTTP {status}"),
                    retry_after: None,
                }
            } else {
                SendError::Misconfigured(format!("the identity endpoint refused a token: HTTP {status}"))
            });
        }
        let body: TokenResponse = response
            .json()
            .await
            .map_err(|e| SendError::Misconfigured(format!("the identity endpoint's answer is unreadable: {e}")))?;
        let seconds = |v: &Option<serde_json::Value>| -> Option<i64> {
            match v.as_ref()? {
                serde_json::Value::String(s) => s.parse().ok(),
                other => other.as_i64(),
            }
        };
        let expires = seconds(&body.expires_on)
            .and_then(|at| DateTime::from_timestamp(at, 0))
            .or_else(|| seconds(&body.expires_in).map(|secs| Utc::now() + TimeDelta::seconds(secs)))
            .unwrap_or_else(|| Utc::now() + MARGIN * 2);
        let token = SecretString::from(body.access_token);
        *cached = Some((token.clone(), expires));
        Ok(token)
    }
}
