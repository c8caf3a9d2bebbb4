//! Spawning the app and talking to it as Twilio would.

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use serde_json::{Value, json};
use smsagent_domain::{PhoneNumber, Provider};
use smsagent_engine::worker::Worker;
use smsagent_providers::twilio::{FormParams, sign};
use smsagent_server::{Application, Settings};
use sqlx::PgPool;
use uuid::Uuid;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::twilio_account::TwilioAccount;

pub const ACCOUNT_SID: &str = "AC00000000000000000000000000000000";
pub const AUTH_TOKEN: &str = "test-auth-token";
/// The address Twilio calls. The app listens on 127.0.0.1, as it would behind a TLS-terminating proxy.
pub const PUBLIC_BASE_URL: &str = "https://sms.example.test";
pub const BUSINESS: &str = "+15557654321";
pub const CONTACT: &str = "+15551234567";
pub const WEBHOOK: &str = "/api/v1/sms/webhook";
pub const STATUS_CALLBACK: &str = "/api/v1/sms/status-callback";
pub const MESSAGES_API: &str = "/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json";
pub const FIRST_SMS: &str = smsagent_server::bootstrap::DEFAULT_FIRST_SMS;
/// What a contact texts, one by one, to complete the default tenant-screening form.
pub const SCREENING_ANSWERS: [&str; 7] =
    ["Hi, I'm Maria Garcia", "yes", "yes", "123 Main St, Springfield, IL 62701", "yes", "85k", "yes"];
/// API_BOOTSTRAP_KEY: the default tenant's key (the tenant that owns BUSINESS).
pub const BOOTSTRAP_KEY: &str = "sk_test_bootstrap_0123456789abcdef0123456789";

/// How to build an app for a test.
#[derive(Debug, Clone)]
pub struct Options {
    /// Job loops running in the background (0: drive the worker by hand).
    pub workers: usize,
    pub openai: bool,
    pub twilio: bool,
    pub lease_seconds: u64,
    /// Register BUSINESS as PHONE_NUMBER at start-up.
    pub phone_number: bool,
    /// REPLY_BURST_WINDOW_MS: how long a reply waits for more texts.
    pub burst_window_ms: u64,
    /// ACS configured (a connection string for the mock ACS), and BUSINESS carried by it.
    pub acs: bool,
    /// Azure OpenAI (deployment AZURE_DEPLOYMENT on the model mock) instead of OpenAI.
    pub azure_openai: bool,
    /// API_RATE_LIMIT_PER_MINUTE.
    pub api_rate_limit_per_minute: u32,
    /// OUTBOUND_ALLOWED_HOSTS: loopback by default, where the tests' stand-ins for businesses listen.
    pub outbound_allowed_hosts: Vec<String>,
    /// TRUSTED_PROXIES: loopback by default, so a test may say whom it calls for in X-Forwarded-For.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// OPENAI_BASE_URL of a real model instead of the mock (scripts/test-model), slow as it is.
    pub real_model: Option<String>,
    /// Who confirms a STOP on BUSINESS. The suite's number confirms them itself by default, so tests see
    /// the wording; Twilio's own confirmation (the default for a Twilio number) has tests of its own.
    pub opt_outs_confirmed_by: &'static str,
    /// SMTP_URL (with EMAIL_FROM set), for a real SMTP server the test started.
    pub smtp_url: Option<String>,
    /// SENDGRID_API_KEY and SENDGRID_API_BASE, for a mock SendGrid the test started.
    pub sendgrid: Option<(String, String)>,
    /// MICROSOFT_LOGIN_BASE and MICROSOFT_GRAPH_BASE, for a mock Microsoft the test started.
    pub microsoft: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            workers: 2,
            openai: true,
            twilio: true,
            lease_seconds: 30,
            phone_number: true,
            burst_window_ms: 0,
            acs: false,
            azure_openai: false,
            api_rate_limit_per_minute: 600,
            outbound_allowed_hosts: vec!["127.0.0.1".into()],
            trusted_proxies: vec![std::net::IpAddr::from([127, 0, 0, 1])],
            real_model: None,
            opt_outs_confirmed_by: "smsagent",
            smtp_url: None,
            sendgrid: None,
            microsoft: None,
        }
    }
}

/// The service running on a loopback port, with its mocks.
pub struct TestApp {
    pub address: String,
    pub pool: PgPool,
    pub twilio: MockServer,
    pub openai: MockServer,
    pub acs: MockServer,
    pub worker: Worker,
    /// UPLOAD_DIR.
    pub upload_dir: PathBuf,
    options: Options,
    http: reqwest::Client,
}

impl TestApp {
    pub async fn spawn(pool: PgPool) -> TestApp {
        Self::spawn_with(pool, Options::default()).await
    }

    pub async fn spawn_with(pool: PgPool, options: Options) -> TestApp {
        let (twilio, openai, acs) = (MockServer::start().await, MockServer::start().await, MockServer::start().await);
        // Each app its own upload directory, removed with the app.
        let upload_dir = std::env::temp_dir().join(format!("smsagent-uploads-{}", uuid::Uuid::now_v7()));
        let mocks =
            Mocks { twilio: twilio.uri(), openai: openai.uri(), acs: acs.uri(), upload_dir: upload_dir.clone() };
        let (address, worker) = start(settings(&mocks, &options), pool.clone()).await;
        if options.phone_number {
            sqlx::query("UPDATE phone_number SET opt_out_confirmed_by = $1")
                .bind(options.opt_outs_confirmed_by)
                .execute(&pool)
                .await
                .unwrap();
        }
        TestApp { address, pool, twilio, openai, acs, worker, options, upload_dir, http: reqwest::Client::new() }
    }

    /// Another instance of the service on the same database and mocks, as a second process would be.
    pub async fn spawn_sibling(&self, options: Options) -> (String, Worker) {
        let mocks = Mocks {
            twilio: self.twilio.uri(),
            openai: self.openai.uri(),
            acs: self.acs.uri(),
            upload_dir: self.upload_dir.clone(),
        };
        start(settings(&mocks, &Options { twilio: self.options.twilio, ..options }), self.pool.clone()).await
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.address)).send().await.expect("request failed")
    }

    /// A request to `path_and_query` on the app, to finish and send.
    pub fn request(&self, method: reqwest::Method, path_and_query: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path_and_query}", self.address))
    }

    /// A call to the operators' API made with `key`.
    pub fn api(&self, method: reqwest::Method, path_and_query: &str, key: &str) -> reqwest::RequestBuilder {
        self.request(method, path_and_query).bearer_auth(key)
    }

    /// An operators' API call with an optional JSON body: the status and the JSON answer (null if none).
    pub async fn api_json(
        &self,
        method: reqwest::Method,
        path: &str,
        key: &str,
        body: Option<Value>,
    ) -> (reqwest::StatusCode, Value) {
        let mut request = self.api(method, path, key);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request failed");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// A new tenant and an API key for it, as `smsagent tenant create` makes them.
    pub async fn tenant(&self, name: &str) -> (Uuid, String) {
        use secrecy::ExposeSecret;
        let key = smsagent_server::api_keys::new_key();
        let id = smsagent_store::tenants::create(&self.pool, name).await.unwrap();
        smsagent_store::tenants::add_key(&self.pool, id, &key.hash, &key.prefix, "test").await.unwrap();
        (id, key.key.expose_secret().to_owned())
    }

    /// Posts form `params` to `path_and_query` with the signature Twilio would compute for the public URL.
    pub async fn post_signed(&self, path_and_query: &str, params: &FormParams) -> reqwest::Response {
        let signature = sign(AUTH_TOKEN, &format!("{PUBLIC_BASE_URL}{path_and_query}"), params);
        self.post_form(path_and_query, params, Some(&signature)).await
    }

    pub async fn post_form(
        &self,
        path_and_query: &str,
        params: &FormParams,
        signature: Option<&str>,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}{path_and_query}", self.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(params.encode());
        if let Some(signature) = signature {
            request = request.header("X-Twilio-Signature", signature);
        }
        request.send().await.expect("request failed")
    }

    /// A contact texts the business, as Twilio delivers it.
    pub async fn text(&self, sid: &str, from: &str, body: &str) -> reqwest::Response {
        self.post_signed(WEBHOOK, &inbound(sid, from, body)).await
    }

    /// Twilio accepts every message, as the real API does with valid credentials.
    pub async fn twilio_accepts(&self) -> TwilioAccount {
        mount_twilio(&self.twilio, None).await
    }

    /// Makes the default assistant a general one (no form): it greets, then lets the model answer.
    pub async fn general_assistant(&self) {
        sqlx::query("UPDATE assistant SET form = NULL").execute(&self.pool).await.unwrap();
    }

    /// The chat model answers every request with `reply`.
    pub async fn model_replies(&self, reply: &str) {
        Mock::given(method("POST"))
            .and(path("/v1/chat/completions"))
            .respond_with(chat_completion(reply))
            .mount(&self.openai)
            .await;
    }

    /// The messages Twilio was asked to send, in order (not its list being read).
    pub async fn twilio_sends(&self) -> Vec<FormParams> {
        let requests = requests_to(&self.twilio, MESSAGES_API).await;
        requests.iter().filter(|r| r.method.as_str() == "POST").map(|r| FormParams::parse(&r.body)).collect()
    }

    /// The chat completion requests the model received, in order.
    pub async fn model_requests(&self) -> Vec<Value> {
        requests_to(&self.openai, "/v1/chat/completions").await.iter().map(|r| r.body_json().unwrap()).collect()
    }

    /// Every stored message, oldest first.
    pub async fn messages(&self) -> Vec<StoredMessage> {
        sqlx::query_as(
            "SELECT id, direction, from_number, to_number, body, status, message_sid, error_code, reply_to_message_id
             FROM sms_messages ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await
        .unwrap()
    }

    pub async fn outbound(&self) -> Vec<StoredMessage> {
        self.messages().await.into_iter().filter(|m| m.direction == "outbound").collect()
    }

    pub async fn count(&self, sql: &'static str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.pool).await.unwrap()
    }

    /// Each of `contacts`' newest text has a reply, and no text has two.
    pub async fn assert_every_conversation_answered(&self, contacts: &[String]) {
        let messages = self.messages().await;
        let outbound = self.outbound().await;
        for contact in contacts {
            let newest = messages.iter().rfind(|m| m.direction == "inbound" && &m.from_number == contact).unwrap();
            assert!(
                outbound.iter().any(|r| r.reply_to_message_id == Some(newest.id)),
                "{contact}'s newest text is answered"
            );
        }
        let mut answered: Vec<_> = outbound.iter().filter_map(|r| r.reply_to_message_id).collect();
        let replies = answered.len();
        answered.sort();
        answered.dedup();
        assert_eq!(answered.len(), replies, "no text is answered twice");
    }

    /// Waits until every queued job has run (or died), and the messages they sent have been handed over.
    pub async fn settle(&self) {
        // Reminders wait for their day; everything else is done or dead.
        wait_for("the job queue to empty", || async {
            self.count(
                "SELECT count(*) FROM job WHERE status <> 'dead' AND NOT (kind = 'remind_appointment' AND run_at > now())",
            )
            .await
                == 0
        })
        .await;
    }
}

/// A row of `sms_messages`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredMessage {
    pub id: Uuid,
    pub direction: String,
    pub from_number: String,
    pub to_number: String,
    pub body: String,
    pub status: String,
    pub message_sid: Option<String>,
    pub error_code: Option<String>,
    pub reply_to_message_id: Option<Uuid>,
}

/// Where the mocks listen.
struct Mocks {
    twilio: String,
    openai: String,
    acs: String,
    upload_dir: PathBuf,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.upload_dir);
    }
}

/// The shared secret Event Grid deliveries carry, the one being rotated out, and the header that may carry it.
pub const EVENT_GRID_SECRET: &str = "eg-secret-now";
pub const EVENT_GRID_SECRET_PREVIOUS: &str = "eg-secret-before";
pub const EVENT_GRID_HEADER: &str = "X-Event-Grid-Secret";
/// Signs the test app's upload links; UPLOAD_MAX_BYTES is small, so "too big" is quick to send.
pub const UPLOAD_LINK_SECRET: &str = "upload-link-secret-for-tests";
pub const UPLOAD_MAX_BYTES: u64 = 256 * 1024;
/// The ACS access key the mock ACS checks signatures with (base64, as in a connection string).
pub const ACS_KEY: &str = "c2VjcmV0LWtleS1mb3ItdGVzdHM=";
/// The Azure OpenAI deployment and key the model mock expects when Azure OpenAI is configured.
pub const AZURE_DEPLOYMENT: &str = "sms-gpt";
pub const AZURE_KEY: &str = "azure-openai-test-key";

fn settings(mocks: &Mocks, options: &Options) -> Settings {
    let (twilio_uri, openai_uri) = (mocks.twilio.as_str(), mocks.openai.as_str());
    Settings {
        // The pool is handed in; this is never dialled.
        database_url: SecretString::from("postgres://unused"),
        database_max_connections: 5,
        host: "127.0.0.1".into(),
        port: 0,
        http_workers: Some(1),
        public_base_url: Some(PUBLIC_BASE_URL.into()),
        twilio_account_sid: options.twilio.then(|| ACCOUNT_SID.into()),
        twilio_auth_token: options.twilio.then(|| SecretString::from(AUTH_TOKEN)),
        twilio_api_base: twilio_uri.into(),
        twilio_conversations_api_base: twilio_uri.into(),
        twilio_conversations_author: "assistant".into(),
        acs_connection_string: options
            .acs
            .then(|| SecretString::from(format!("endpoint={}/;accesskey={ACS_KEY}", mocks.acs))),
        acs_endpoint: None,
        identity_endpoint: "http://127.0.0.1:9/unused".into(),
        identity_header: None,
        event_grid_secret: Some(SecretString::from(EVENT_GRID_SECRET)),
        event_grid_secret_previous: Some(SecretString::from(EVENT_GRID_SECRET_PREVIOUS)),
        event_grid_secret_header: Some(EVENT_GRID_HEADER.into()),
        api_bootstrap_key: Some(SecretString::from(BOOTSTRAP_KEY)),
        upload_dir: Some(mocks.upload_dir.clone()),
        upload_max_bytes: UPLOAD_MAX_BYTES,
        upload_link_hours: 24,
        upload_link_secret: Some(SecretString::from(UPLOAD_LINK_SECRET)),
        takeover_idle_minutes: 120,
        api_rate_limit_per_minute: options.api_rate_limit_per_minute,
        contact_rate_limit_per_minute: 10,
        chat_rate_limit_per_minute: 30,
        cors_allowed_origins: vec!["https://admin.example.test".into()],
        trusted_proxies: options.trusted_proxies.clone(),
        // The tests' stand-ins for businesses' endpoints listen on loopback.
        outbound_allowed_hosts: options.outbound_allowed_hosts.clone(),
        azure_openai_endpoint: options.azure_openai.then(|| openai_uri.to_owned()),
        azure_openai_key: options.azure_openai.then(|| SecretString::from(AZURE_KEY)),
        azure_openai_model: options.azure_openai.then(|| AZURE_DEPLOYMENT.to_owned()),
        azure_openai_api_version: "2024-10-21".into(),
        openai_api_key: (options.openai && !options.azure_openai).then(|| SecretString::from("sk-test")),
        openai_base_url: options.real_model.clone().unwrap_or_else(|| format!("{openai_uri}/v1")),
        openai_model: "gpt-4o-mini".into(),
        // A small model on 2 cores takes tens of seconds a turn.
        openai_timeout_seconds: if options.real_model.is_some() { 240 } else { 5 },
        phone_number: options.phone_number.then(|| PhoneNumber::parse(BUSINESS).unwrap()),
        phone_number_provider: options.acs.then_some(Provider::Acs),
        reply_burst_window_ms: options.burst_window_ms,
        worker_concurrency: options.workers,
        worker_poll_ms: 50,
        job_lease_seconds: options.lease_seconds,
        job_max_attempts: 4,
        job_retry_base_ms: 20,
        job_retry_max_seconds: 1,
        log_format: "text".into(),
        smtp_url: options.smtp_url.clone().map(SecretString::from),
        email_from: (options.smtp_url.is_some() || options.sendgrid.is_some())
            .then(|| "Casa Dental <bookings@casadental.test>".to_owned()),
        sendgrid_api_key: options.sendgrid.as_ref().map(|(key, _)| SecretString::from(key.clone())),
        microsoft_login_base: options.microsoft.clone().unwrap_or_else(|| "http://127.0.0.1:9".into()),
        microsoft_graph_base: options.microsoft.clone().unwrap_or_else(|| "http://127.0.0.1:9".into()),
        sendgrid_api_base: options
            .sendgrid
            .as_ref()
            .map_or_else(|| "http://127.0.0.1:9".into(), |(_, base)| base.clone()),
    }
}

async fn start(settings: Settings, pool: PgPool) -> (String, Worker) {
    let app = Application::build(settings, pool).await.expect("the app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let worker = app.worker();
    tokio::spawn(app.run_until_stopped());
    (address, worker)
}

/// An inbound text as Twilio posts it, with the fields real payloads carry.
pub fn inbound(sid: &str, from: &str, body: &str) -> FormParams {
    smsagent_providers::twilio::samples::inbound_sms(ACCOUNT_SID, sid, from, BUSINESS, body)
}

/// Posts `params` as Twilio posts a text, signed, to the instance of the service at `address` (one of
/// several on the same database).
pub async fn post_text_to(address: &str, params: &FormParams) -> reqwest::StatusCode {
    let signature = sign(AUTH_TOKEN, &format!("{PUBLIC_BASE_URL}{WEBHOOK}"), params);
    reqwest::Client::new()
        .post(format!("{address}{WEBHOOK}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("X-Twilio-Signature", signature)
        .body(params.encode())
        .send()
        .await
        .expect("request failed")
        .status()
}

/// A delivery report as Twilio posts it.
pub fn status_report(sid: &str, status: &str, error_code: Option<&str>) -> FormParams {
    let mut params = FormParams::from_pairs([
        ("MessageSid", sid),
        ("SmsSid", sid),
        ("AccountSid", ACCOUNT_SID),
        ("From", BUSINESS),
        ("To", CONTACT),
        ("MessageStatus", status),
        ("SmsStatus", status),
        ("ApiVersion", "2010-04-01"),
    ]);
    if let Some(code) = error_code {
        params.push("ErrorCode", code);
    }
    params
}

/// A message SID in Twilio's shape, unique per call.
pub fn sid() -> String {
    format!("SM{}", Uuid::now_v7().simple())
}

/// Mounts Twilio's Messages API (a [`TwilioAccount`]: right credentials get 201 and a message resource,
/// and its list reads them back); `first` answers the first create instead, once, when given.
pub async fn mount_twilio(server: &MockServer, first: Option<ResponseTemplate>) -> TwilioAccount {
    if let Some(response) = first {
        Mock::given(method("POST"))
            .and(path(MESSAGES_API))
            .respond_with(response)
            .up_to_n_times(1)
            .with_priority(1)
            .mount(server)
            .await;
    }
    TwilioAccount::mount(server).await
}

pub fn twilio_error(status: u16, code: i64, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "code": code, "message": message, "more_info": format!("https://www.twilio.com/docs/errors/{code}"), "status": status,
    }))
}

pub fn chat_completion(reply: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "chatcmpl-abc123", "object": "chat.completion", "created": 1700000000, "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": reply, "refusal": null},
                     "logprobs": null, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 20, "completion_tokens": 10, "total_tokens": 30},
    }))
}

async fn requests_to(server: &MockServer, wanted: &str) -> Vec<Request> {
    let all = server.received_requests().await.unwrap_or_default();
    all.into_iter().filter(|r| r.url.path() == wanted).collect()
}

/// Polls `check` until it holds; fails the test after ten seconds.
pub async fn wait_for<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
