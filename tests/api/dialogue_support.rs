//! Running a dialogue through the whole service, offline or with a scripted model.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use smsagent_ai::OFFLINE_REPLY;
use smsagent_domain::form::{Form, grounding};
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
    /// A model that reads as scripted but also invents values and copies ours, frames its wording as a
    /// draft, repeats its instructions, and stops at its token cap: the engine must send and store none of
    /// it.
    Adversarial,
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
        TestApp::spawn_with(pool, Options { workers: 0, openai: mode != Mode::Offline, ..Options::default() }).await;
    app.twilio_accepts().await;
    let turns = Arc::new(AtomicUsize::new(0));
    for (n, step) in steps.iter().enumerate() {
        if mode != Mode::Offline {
            app.openai.reset().await;
            let model = ScriptedModel {
                reads: step.model_reads.clone(),
                adversarial: mode == Mode::Adversarial,
                turns: turns.clone(),
            };
            Mock::given(method("POST")).and(path("/v1/chat/completions")).respond_with(model).mount(&app.openai).await;
        }
        let before = app.outbound().await.len();
        for text in &step.texts {
            assert_eq!(app.text(&sid(), CONTACT, text).await.status(), 200);
        }
        app.worker.drain().await.unwrap();
        let replies: Vec<String> = app.outbound().await[before..].iter().map(|m| m.body.clone()).collect();
        let expect = match (&step.offline_expect, mode) {
            (Some(offline), Mode::Offline) => offline,
            // Its general replies stop at the cap: the contact gets the offline reply instead.
            (_, Mode::Adversarial) if matches!(step.expect, Expect::Reply(MODEL_GENERAL_REPLY)) => {
                &Expect::Reply(OFFLINE_REPLY)
            }
            _ => &step.expect,
        };
        if mode == Mode::Adversarial {
            for reply in &replies {
                assert!(
                    is_clean(reply),
                    "step {n} {:?}: the model's framing reached the contact: {reply:?}",
                    step.texts
                );
            }
        }
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
    if mode == Mode::Adversarial {
        let said = steps.iter().flat_map(|s| s.texts.iter().copied()).collect::<Vec<_>>().join("\n");
        assert_only_the_contacts_words_submitted(&app, &said).await;
        let metrics = app.get("/metrics").await.text().await.unwrap();
        let worded = turns.load(Ordering::Relaxed) > 0;
        assert!(
            !worded || metrics.contains("model_output_refused_total{call=\"wording\",reason=\"framed\"}"),
            "operators see what the model wrote that was not used: {metrics}"
        );
    }
    app
}

/// No framing, instructions or half sentence of the adversarial model's is in `reply`.
pub fn is_clean(reply: &str) -> bool {
    !reply.contains("Draft")
        && !reply.contains(['«', '»'])
        && !reply.starts_with(['"', '“'])
        && !reply.starts_with("Here is")
        && !reply.contains("Write the next text message")
        && reply.trim_end().ends_with(['.', '?', '!'])
}

/// Every value of every submission is one the contact wrote (or their own number, which they confirmed),
/// and none is one the adversarial model made up.
pub async fn assert_only_the_contacts_words_submitted(app: &TestApp, said: &str) {
    let form = Form::tenant_screening();
    let submissions: Vec<Value> =
        sqlx::query_scalar("SELECT answers FROM form_submission").fetch_all(&app.pool).await.unwrap();
    for answers in &submissions {
        let text = answers.to_string();
        for invented in INVENTED {
            assert!(!text.contains(invented), "an invented value was submitted: {answers}");
        }
        for (key, value) in answers.as_object().unwrap() {
            let value = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
            let kind = &form.slot(key).unwrap().kind;
            assert!(
                value == CONTACT || grounding::grounded(kind, &value, said),
                "{key} {value:?} is not in the contact's texts {said:?}"
            );
        }
    }
}

/// What the adversarial model makes up, slot by slot: no dialogue's contact says any of it.
const INVENTIONS: &[(&str, &str)] = &[
    ("first_name", "Johnathan"),
    ("last_name", "Doe"),
    ("phone", "+1 555 000 1111"),
    ("address", "999 Invented Way, Nowhere"),
    ("annual_income", "$20,000"),
];
const INVENTED: &[&str] = &["Johnathan", "Doe", "5550001111", "Invented", "20000"];

/// A chat-completions API that reads as scripted and rewords drafts the way a model would ("Okay. " and
/// the draft), answering in the real API's format: a tool call for extraction requests, a message for the
/// rest.
struct ScriptedModel {
    reads: Value,
    adversarial: bool,
    /// How many wordings it was asked for, across the dialogue: the adversary varies its tricks by it.
    turns: Arc<AtomicUsize>,
}

impl ScriptedModel {
    /// The scripted reading, plus, for the adversary, made-up values and copies of our own last text in
    /// every field the script leaves empty, and a yes.
    fn reading(&self, body: &Value) -> Value {
        let mut reads = self.reads.as_object().cloned().unwrap_or_default();
        if self.adversarial {
            let ours = body["messages"]
                .as_array()
                .and_then(|m| m.iter().rev().find(|m| m["role"] == "assistant"))
                .and_then(|m| m["content"].as_str())
                .unwrap_or_default()
                .to_owned();
            for (n, (slot, invented)) in INVENTIONS.iter().enumerate() {
                let echo = format!("{ours} Doe");
                let value = if n % 2 == 0 || ours.is_empty() { (*invented).to_owned() } else { echo };
                reads.entry(*slot).or_insert(Value::String(value));
            }
            reads.entry("yes_or_no").or_insert(json!("yes"));
        }
        Value::Object(reads)
    }

    /// The draft reworded, or for the adversary, in turn: framed as a draft, in guillemets, introduced,
    /// after a copy of its instructions, cut off at the cap, or reworded.
    fn wording(&self, system: &str) -> (String, &'static str) {
        let draft = system.split_once("Draft: «").and_then(|(_, rest)| rest.rsplit_once('»')).map(|(draft, _)| draft);
        let Some(draft) = draft else {
            return if self.adversarial {
                (MODEL_GENERAL_REPLY[..8].to_owned(), "length")
            } else {
                (MODEL_GENERAL_REPLY.to_owned(), "stop")
            };
        };
        if !self.adversarial {
            return (format!("Okay. {draft}"), "stop");
        }
        match self.turns.fetch_add(1, Ordering::Relaxed) % 6 {
            0 => (format!("Draft: \"{draft}\""), "stop"),
            1 => (format!("«{draft}»"), "stop"),
            2 => (format!("Here is the message: {draft}"), "stop"),
            3 => (format!("Write the next text message to the contact. {draft}"), "stop"),
            4 => (format!("Okay. {draft}").chars().take(12).collect(), "length"),
            _ => (format!("Okay. {draft}"), "stop"),
        }
    }
}

impl Respond for ScriptedModel {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = request.body_json().unwrap_or_default();
        let (message, finish) = if let Some(tool) = body["tools"][0]["function"]["name"].as_str() {
            let arguments = self.reading(&body).to_string();
            let message = json!({"role": "assistant", "content": null, "refusal": null, "tool_calls": [
                {"id": "call_1", "type": "function", "function": {"name": tool, "arguments": arguments}}
            ]});
            (message, "tool_calls")
        } else {
            let (content, finish) = self.wording(body["messages"][0]["content"].as_str().unwrap_or_default());
            (json!({"role": "assistant", "content": content, "refusal": null}), finish)
        };
        ResponseTemplate::new(200).set_body_json(json!({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1700000000, "model": "gpt-4o-mini-2024-07-18",
            "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish}],
            "usage": {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60}
        }))
    }
}
