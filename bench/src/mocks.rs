//! Twilio's Messages API and OpenAI's chat completions as the service meets them, served from this process.
//! The Messages API notes when each reply arrives, so end-to-end latency is measured where the text leaves.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::json;
use smsagent_providers::twilio::FormParams;
use tokio::sync::oneshot;

pub const ACCOUNT_SID: &str = "AC0000000000000000000000000000bench";
pub const AUTH_TOKEN: &str = "bench-auth-token";
/// What the model says to everything.
pub const MODEL_REPLY: &str = "Thanks for your message! A member of our team will follow up shortly.";

/// The mocks' shared state; clones share it.
#[derive(Debug, Clone, Default)]
pub struct Mocks {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    model_delay_ms: AtomicU64,
    sent: AtomicU64,
    replies: Mutex<Replies>,
    /// The model reads forms as scripted (the cost run) instead of answering everything the same.
    reads_forms: std::sync::atomic::AtomicBool,
    usage: Mutex<ModelUsage>,
}

/// What the model was asked, as the API would bill it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ModelUsage {
    pub extract_calls: u64,
    pub reply_calls: u64,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

#[derive(Debug, Default)]
struct Replies {
    per_contact: HashMap<String, u64>,
    waiting: HashMap<String, oneshot::Sender<Instant>>,
}

impl Mocks {
    /// Serves both APIs on a loopback port; returns the base URL.
    pub async fn serve(&self) -> anyhow::Result<String> {
        let mocks = self.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::new(mocks.clone()))
                .app_data(web::JsonConfig::default().limit(1 << 20))
                .route("/2010-04-01/Accounts/{account}/Messages.json", web::post().to(messages_api))
                .route("/v1/chat/completions", web::post().to(chat_completions))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))?;
        let port = server.addrs()[0].port();
        tokio::spawn(server.run());
        Ok(format!("http://127.0.0.1:{port}"))
    }

    pub fn set_model_delay(&self, delay: Duration) {
        self.inner.model_delay_ms.store(u64::try_from(delay.as_millis()).unwrap_or(u64::MAX), Ordering::SeqCst);
    }

    /// Resolves when the next text to `contact` reaches the Messages API.
    pub fn expect_text_to(&self, contact: &str) -> oneshot::Receiver<Instant> {
        let (tx, rx) = oneshot::channel();
        self.replies().waiting.insert(contact.to_owned(), tx);
        rx
    }

    /// Texts the Messages API took since the last reset.
    pub fn texts_sent(&self) -> u64 {
        self.inner.sent.load(Ordering::SeqCst)
    }

    /// Texts sent to each contact since the last reset.
    pub fn texts_per_contact(&self) -> HashMap<String, u64> {
        self.replies().per_contact.clone()
    }

    pub fn reset(&self) {
        self.inner.sent.store(0, Ordering::SeqCst);
        *self.replies() = Replies::default();
        *self.usage() = ModelUsage::default();
    }

    /// Whether the model reads forms as scripted ([`crate::scenarios::cost`]), rather than answering every
    /// request with [`MODEL_REPLY`].
    pub fn set_reads_forms(&self, on: bool) {
        self.inner.reads_forms.store(on, Ordering::SeqCst);
    }

    /// The model's calls and tokens since the last reset.
    pub fn model_usage(&self) -> ModelUsage {
        *self.usage()
    }

    fn usage(&self) -> std::sync::MutexGuard<'_, ModelUsage> {
        self.inner.usage.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn replies(&self) -> std::sync::MutexGuard<'_, Replies> {
        // A panic while holding the lock cannot leave the counts half-updated.
        self.inner.replies.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`: 201 and the message resource, as Twilio answers.
async fn messages_api(request: HttpRequest, body: web::Bytes, mocks: web::Data<Mocks>) -> HttpResponse {
    let arrived = Instant::now();
    if request.headers().get("authorization").is_none() {
        return twilio_error(401, 20003, "Authentication Error - No credentials provided");
    }
    let params = FormParams::parse(&body);
    let (Some(to), Some(from)) = (params.get("To"), params.get("From")) else {
        return twilio_error(400, 21604, "A 'To' phone number is required.");
    };
    mocks.inner.sent.fetch_add(1, Ordering::SeqCst);
    {
        let mut replies = mocks.replies();
        *replies.per_contact.entry(to.to_owned()).or_default() += 1;
        if let Some(waiting) = replies.waiting.remove(to) {
            let _ = waiting.send(arrived);
        }
    }
    let sid = format!("SM{}", uuid::Uuid::now_v7().simple());
    let now = "Thu, 24 Aug 2023 05:01:45 +0000";
    HttpResponse::Created().json(json!({
        "account_sid": ACCOUNT_SID, "api_version": "2010-04-01", "body": params.get("Body").unwrap_or_default(),
        "date_created": now, "date_sent": null, "date_updated": now, "direction": "outbound-api",
        "error_code": null, "error_message": null, "from": from, "num_media": "0", "num_segments": "1",
        "price": null, "price_unit": "USD", "sid": sid, "status": "queued", "to": to,
    }))
}

fn twilio_error(status: u16, code: u32, message: &str) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
    HttpResponse::build(status).json(json!({
        "code": code, "message": message, "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
        "status": status.as_u16(),
    }))
}

/// `POST /v1/chat/completions`: after the configured delay, the same short answer; or, in the cost run, a
/// form read as scripted and a draft worded, with usage counted as the API would bill it.
async fn chat_completions(mocks: web::Data<Mocks>, body: web::Json<serde_json::Value>) -> HttpResponse {
    let delay = mocks.inner.model_delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        tokio::time::sleep(Duration::from_millis(delay)).await;
    }
    if !mocks.inner.reads_forms.load(Ordering::SeqCst) {
        return completion(json!({"role": "assistant", "content": MODEL_REPLY, "refusal": null}), "stop", 60, 16);
    }
    let prompt = crate::tokens::of_request(&body);
    let (message, finish, answer) = match body["tools"][0]["function"]["name"].as_str() {
        Some(tool) => {
            let said = body["messages"].as_array().and_then(|m| m.last()).and_then(|m| m["content"].as_str());
            let arguments = crate::scenarios::cost::reading(said.unwrap_or_default()).to_string();
            let call = json!({"id": "call_1", "type": "function", "function": {"name": tool, "arguments": arguments}});
            (
                json!({"role": "assistant", "content": null, "refusal": null, "tool_calls": [call]}),
                "tool_calls",
                arguments,
            )
        }
        None => {
            let system = body["messages"][0]["content"].as_str().unwrap_or_default();
            let draft = system.split_once("Draft: «").and_then(|(_, rest)| rest.rsplit_once('»')).map(|(d, _)| d);
            let content = draft.map_or_else(|| MODEL_REPLY.to_owned(), |draft| format!("Sure! {draft}"));
            (json!({"role": "assistant", "content": content, "refusal": null}), "stop", content)
        }
    };
    let completion_tokens = crate::tokens::of_text(&answer);
    {
        let mut usage = mocks.usage();
        if finish == "tool_calls" {
            usage.extract_calls += 1;
        } else {
            usage.reply_calls += 1;
        }
        usage.prompt_tokens += prompt as u64;
        usage.completion_tokens += completion_tokens as u64;
    }
    completion(message, finish, prompt, completion_tokens)
}

fn completion(message: serde_json::Value, finish: &str, prompt: usize, completion: usize) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "id": "chatcmpl-bench", "object": "chat.completion", "created": 1_700_000_000, "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
    }))
}
