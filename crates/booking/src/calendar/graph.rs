//! An Outlook calendar through Microsoft Graph, as the receptionist seed uses: an app registration's
//! client credentials (`/oauth2/v2.0/token`, scope `https://graph.microsoft.com/.default`, the token
//! kept until a minute before it expires), busy times from `calendar/getSchedule`, and each appointment an
//! event created with its `transactionId` (Graph's guard against a retried create making two), its id kept
//! with the appointment, moved with PATCH and removed with DELETE. 429 and 5xx are tried again after
//! `Retry-After`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use smsagent_egress::GuardedClient;
use tokio::sync::Mutex;

use super::{CalendarError, CalendarEvent, Endpoints, ExternalCalendar, from_status, unreachable};
use crate::availability::Busy;

/// Tokens by (tenant, client id), shared by every connection: one sign-in per app per hour, not per request.
#[derive(Debug, Clone, Default)]
pub struct Tokens(Arc<Mutex<HashMap<String, (SecretString, Instant)>>>);

/// An app registration's client credentials.
#[derive(Debug)]
pub struct Credentials<'a> {
    pub tenant: &'a str,
    pub client_id: &'a str,
    pub client_secret: SecretString,
}

#[derive(Debug)]
pub struct Graph {
    http: GuardedClient,
    token_url: String,
    api: String,
    client_id: String,
    client_secret: SecretString,
    user: String,
    tokens: Tokens,
}

impl Graph {
    pub fn new(
        http: GuardedClient,
        endpoints: &Endpoints,
        credentials: Credentials<'_>,
        user: &str,
        tokens: Tokens,
    ) -> Graph {
        let login = endpoints.microsoft_login.trim_end_matches('/');
        Graph {
            http,
            token_url: format!("{login}/{}/oauth2/v2.0/token", credentials.tenant),
            api: format!("{}/v1.0/users/{user}", endpoints.microsoft_graph.trim_end_matches('/')),
            client_id: credentials.client_id.to_owned(),
            client_secret: credentials.client_secret,
            user: user.to_owned(),
            tokens,
        }
    }

    /// A bearer token, fetched when there is none or it is about to expire.
    async fn token(&self) -> Result<SecretString, CalendarError> {
        // The secret is part of the key: a tenant who writes another's directory and client id (neither is
        // secret) with a wrong secret must sign in, and fail, rather than be handed the other's token.
        let digest = Sha256::digest(self.client_secret.expose_secret().as_bytes());
        let secret: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let key = format!("{} {} {secret}", self.token_url, self.client_id);
        let mut tokens = self.tokens.0.lock().await;
        if let Some((token, until)) = tokens.get(&key)
            && Instant::now() < *until
        {
            return Ok(token.clone());
        }
        let form = [
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
            ("scope", "https://graph.microsoft.com/.default"),
            ("grant_type", "client_credentials"),
        ];
        let response = self
            .http
            .post(&self.token_url)
            .map_err(|e| CalendarError::Refused(format!("Microsoft login: {e}")))?
            .form(&form)
            .send()
            .await
            .map_err(|e| unreachable("Microsoft login", &e))?;
        if !response.status().is_success() {
            return Err(from_status(response.status(), response.headers(), "Microsoft login"));
        }
        let body: Value = response.json().await.map_err(|e| unreachable("Microsoft login", &e))?;
        let token = body["access_token"].as_str().ok_or_else(|| CalendarError::Refused("no access_token".into()))?;
        let lifetime = Duration::from_secs(body["expires_in"].as_u64().unwrap_or(3600).saturating_sub(60));
        let token = SecretString::from(token.to_owned());
        tokens.insert(key, (token.clone(), Instant::now() + lifetime));
        Ok(token)
    }

    /// A call to the mailbox's API: its answer, or `None` when Graph says the item is not there (404).
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Option<Value>, CalendarError> {
        let token = self.token().await?;
        let url = format!("{}{path}", self.api);
        let mut request = self
            .http
            .request(method, &url)
            .map_err(|e| CalendarError::Refused(format!("Microsoft Graph: {e}")))?
            .bearer_auth(token.expose_secret())
            .header("Prefer", "outlook.timezone=\"UTC\"");
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.map_err(|e| unreachable("Microsoft Graph", &e))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(from_status(status, response.headers(), "Microsoft Graph"));
        }
        Ok(Some(response.json().await.unwrap_or(Value::Null)))
    }
}

/// Graph's `dateTimeTimeZone` in UTC.
fn utc(at: DateTime<Utc>) -> Value {
    json!({"dateTime": at.format("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC"})
}

/// A `dateTimeTimeZone` Graph wrote in UTC (as `Prefer: outlook.timezone="UTC"` asks).
fn read_utc(value: &Value) -> Option<DateTime<Utc>> {
    let text = value["dateTime"].as_str()?;
    let naive = NaiveDateTime::parse_from_str(text.trim_end_matches('Z'), "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    Some(naive.and_utc())
}

#[async_trait]
impl ExternalCalendar for Graph {
    async fn busy(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Busy>, CalendarError> {
        // getSchedule takes windows shorter than 42 days: longer ones are asked for a month at a time.
        let mut busy = Vec::new();
        let mut start = from;
        while start < to {
            let end = (start + chrono::TimeDelta::days(30)).min(to);
            let asked = json!({
                "schedules": [self.user],
                "startTime": utc(start),
                "endTime": utc(end),
                "availabilityViewInterval": 30,
            });
            let answer = self.call(reqwest::Method::POST, "/calendar/getSchedule", Some(asked)).await?;
            let answer = answer.ok_or_else(|| CalendarError::Refused(format!("no mailbox {}", self.user)))?;
            let items =
                answer["value"].as_array().into_iter().flatten().flat_map(|s| s["scheduleItems"].as_array()).flatten();
            busy.extend(
                items
                    .filter(|item| !matches!(item["status"].as_str(), Some("free" | "workingElsewhere")))
                    .filter_map(|item| Some(Busy { start: read_utc(&item["start"])?, end: read_utc(&item["end"])? })),
            );
            start = end;
        }
        Ok(busy)
    }

    async fn put(&self, event: &CalendarEvent, existing: Option<&str>) -> Result<Option<String>, CalendarError> {
        let body = json!({
            "subject": event.summary,
            "body": {"contentType": "text", "content": event.description},
            "start": utc(event.start),
            "end": utc(event.end),
            "transactionId": event.id.to_string(),
        });
        // The event made for this appointment before, moved in place; made again if someone deleted it.
        if let Some(id) = existing
            && self.call(reqwest::Method::PATCH, &format!("/events/{id}"), Some(body.clone())).await?.is_some()
        {
            return Ok(Some(id.to_owned()));
        }
        let made = self.call(reqwest::Method::POST, "/events", Some(body)).await?.unwrap_or_default();
        let id = made["id"].as_str().ok_or_else(|| CalendarError::Refused("the event has no id".into()))?;
        Ok(Some(id.to_owned()))
    }

    async fn remove(&self, _id: uuid::Uuid, existing: Option<&str>) -> Result<(), CalendarError> {
        if let Some(event) = existing {
            // Gone already (404) is removed.
            self.call(reqwest::Method::DELETE, &format!("/events/{event}"), None).await?;
        }
        Ok(())
    }
}
