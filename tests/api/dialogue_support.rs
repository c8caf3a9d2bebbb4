//! Running a dialogue through the whole service, offline or with a scripted model.

use serde_json::{Value, json};
use smsagent_store::PgPool;
use wiremock::matchers::{method, path};
use wiremock::{Mock, Request, Respond, ResponseTemplate};

use crate::helpers::{CONTACT, Options, TestApp, sid};

/// What the model says when asked for a general reply (not a form turn).
pub const MODEL_GENERAL_REPLY: &str = "Happy to help with that.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// No model: rules read the texts and templates word the replies.
    Offline,
    /// A model that reads each text as scripted and words replies as drafted.
    Model,
}

/// What the contact should read after a step.
#[derive(Debug, Clone)]
pub enum Expect {
    /// One reply containing this.
    Reply(&'static str),
    /// No reply at all.
    Nothing,
}

/// One turn: texts sent together (a burst), what the model reads in them, what comes back.
#[derive(Debug, Clone)]
pub struct Step {
    pub texts: Vec<&'static str>,
    pub model_reads: Value,
    pub expect: Expect,
    /// A different expectation without a model (for what only a model can read).
    pub offline_expect: Option<Expect>,
}

/// The contact texts `text`.
pub fn say(text: &'static str) -> Step {
    Step { texts: vec![text], model_reads: json!({}), expect: Expect::Nothing, offline_expect: None }
}

/// The contact texts several times before any reply.
pub fn burst(texts: &[&'static str]) -> Step {
    Step { texts: texts.to_vec(), model_reads: json!({}), expect: Expect::Nothing, offline_expect: None }
}

impl Step {
    /// What a model reads in the text (the tool call's arguments).
    pub fn reads(mut self, arguments: Value) -> Step {
        self.model_reads = arguments;
        self
    }

    pub fn expect(mut self, reply: &'static str) -> Step {
        self.expect = Expect::Reply(reply);
        self
    }

    pub fn expect_nothing(mut self) -> Step {
        self.expect = Expect::Nothing;
        self
    }

    pub fn offline(mut self, reply: &'static str) -> Step {
        self.offline_expect = Some(Expect::Reply(reply));
        self
    }
}

/// Plays `steps` against a fresh service; returns the app for further checks.
pub async fn run(pool: PgPool, mode: Mode, steps: &[Step]) -> TestApp {
    let app =
        TestApp::spawn_with(pool, Options { workers: 0, openai: mode == Mode::Model, ..Options::default() }).await;
    app.twilio_accepts().await;
    for (n, step) in steps.iter().enumerate() {
        if mode == Mode::Model {
            app.openai.reset().await;
            Mock::given(method("POST"))
                .and(path("/v1/chat/completions"))
                .respond_with(ScriptedModel { reads: step.model_reads.clone() })
                .mount(&app.openai)
                .await;
        }
        let before = app.outbound().await.len();
        for text in &step.texts {
            assert_eq!(app.text(&sid(), CONTACT, text).await.status(), 200);
        }
        app.worker.drain().await.unwrap();
        let replies: Vec<String> = app.outbound().await[before..].iter().map(|m| m.body.clone()).collect();
        let expect = match (&step.offline_expect, mode) {
            (Some(offline), Mode::Offline) => offline,
            _ => &step.expect,
        };
        match expect {
            Expect::Reply(wanted) => {
                assert_eq!(replies.len(), 1, "step {n} {:?}: one reply expected, got {replies:?}", step.texts);
                assert!(
                    replies[0].contains(wanted),
                    "step {n} {:?}: {:?} does not contain {wanted:?}",
                    step.texts,
                    replies[0]
                );
            }
            Expect::Nothing => {
                assert!(replies.is_empty(), "step {n} {:?}: no reply expected, got {replies:?}", step.texts)
            }
        }
    }
    app
}

/// A chat-completions API that reads as scripted and rewords drafts the way a model would ("Okay. " and
/// the draft), answering in the real API's format: a tool call for extraction requests, a message for the
/// rest.
struct ScriptedModel {
    reads: Value,
}

impl Respond for ScriptedModel {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = request.body_json().unwrap_or_default();
        let message = if let Some(tool) = body["tools"][0]["function"]["name"].as_str() {
            json!({"role": "assistant", "content": null, "refusal": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": tool, "arguments": self.reads.to_string()}}
            ]})
        } else {
            let system = body["messages"][0]["content"].as_str().unwrap_or_default();
            let draft =
                system.split_once("Draft: «").and_then(|(_, rest)| rest.rsplit_once('»')).map(|(draft, _)| draft);
            let content = draft.map_or(MODEL_GENERAL_REPLY.to_owned(), |draft| format!("Okay. {draft}"));
            json!({"role": "assistant", "content": content, "refusal": null})
        };
        let finish = if message["tool_calls"].is_array() { "tool_calls" } else { "stop" };
        ResponseTemplate::new(200).set_body_json(json!({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish}],
            "usage": {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60}
        }))
    }
}
