//! What one completed tenant form costs: model calls, prompt and completion tokens, SMS segments.
//!
//! Contacts complete the form one after another against the release binary, with a scripted model that
//! reads each text as a good model would and words each draft, and the mock API counting tokens as OpenAI
//! bills them (o200k_base). Beside it, the seeds' approach for the same conversations: one call per text,
//! carrying the whole history and a prompt that holds the form, the model's answer texted as it is.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use smsagent_domain::form::Form;
use smsagent_providers::twilio::samples::inbound_sms;
use smsagent_providers::twilio::sign;

use super::{Bench, contact};
use crate::mocks::{ACCOUNT_SID, AUTH_TOKEN};
use crate::service::BUSINESS;
use crate::tokens;

/// A form's texts, and what a good model reads in each.
type Dialogue = &'static [(&'static str, &'static str)];

/// The tenant form, start to finish, one answer at a time.
const STRAIGHT: Dialogue = &[
    ("Hi, I'm Maria Garcia", r#"{"first_name": "Maria", "last_name": "Garcia"}"#),
    ("yes", r#"{"yes_or_no": "yes"}"#),
    ("yes", r#"{"yes_or_no": "yes"}"#),
    ("123 Main St, Springfield, IL 62701", r#"{"address": "123 Main St, Springfield, IL 62701"}"#),
    ("yes", r#"{"yes_or_no": "yes"}"#),
    ("85k", r#"{"annual_income": "85k"}"#),
    ("yes", r#"{"yes_or_no": "yes"}"#),
];

/// The same form as people often fill it: a wrong name corrected, a question in between, an amount in words.
const WINDING: Dialogue = &[
    ("Hi, I saw your listing on Elm Street", "{}"),
    ("Mario", r#"{"first_name": "Mario"}"#),
    ("no, Maria", r#"{"yes_or_no": "no", "first_name": "Maria"}"#),
    ("yes", r#"{"yes_or_no": "yes"}"#),
    ("Garcia", r#"{"last_name": "Garcia"}"#),
    ("yes", r#"{"yes_or_no": "yes"}"#),
    ("that's fine", r#"{"yes_or_no": "yes"}"#),
    ("is the flat still free?", "{}"),
    ("123 Main St, Springfield, IL 62701", r#"{"address": "123 Main St, Springfield, IL 62701"}"#),
    ("correct", r#"{"yes_or_no": "yes"}"#),
    ("about eighty-five thousand a year", r#"{"annual_income": "85000"}"#),
    ("yes", r#"{"yes_or_no": "yes"}"#),
];

/// The dialogues costed, by name.
pub const DIALOGUES: [(&str, Dialogue); 2] =
    [("one answer at a time", STRAIGHT), ("a correction, a question, an amount in words", WINDING)];

/// How long a reply may take.
const PATIENCE: Duration = Duration::from_secs(30);

/// What the scripted model reads in `text`.
pub fn reading(text: &str) -> Value {
    DIALOGUES
        .iter()
        .flat_map(|(_, dialogue)| dialogue.iter())
        .find(|(said, _)| *said == text)
        .and_then(|(_, read)| serde_json::from_str(read).ok())
        .unwrap_or_else(|| json!({}))
}

/// The cost of one completed form, one way.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct FormCost {
    pub model_calls: f64,
    pub prompt_tokens: f64,
    pub completion_tokens: f64,
    pub sms_segments: f64,
}

/// smsagent's cost beside the seeds' for the same conversations, for one dialogue.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cost {
    pub dialogue: String,
    pub forms: usize,
    pub texts_per_form: usize,
    pub smsagent: FormCost,
    pub seeds: FormCost,
    /// Every form completed, with one reply per text.
    pub valid: bool,
}

impl Bench {
    /// The cost of each dialogue, `forms` times over.
    pub async fn costs(&self, forms: usize) -> anyhow::Result<Vec<Cost>> {
        let mut costs = Vec::new();
        for (name, dialogue) in DIALOGUES {
            costs.push(self.cost(name, dialogue, forms).await?);
        }
        Ok(costs)
    }

    async fn cost(&self, name: &str, dialogue: Dialogue, forms: usize) -> anyhow::Result<Cost> {
        self.db.empty().await?;
        let run = self.prepare().await?;
        self.mocks.set_model_delay(Duration::ZERO);
        self.mocks.set_reads_forms(true);
        let service = self.start_service(1).await?;
        self.db.form_assistant().await?;
        let url = format!("{}/api/v1/sms/webhook", service.base_url);
        for form in 0..forms {
            let from = contact(run, form as u64);
            for (n, (text, _)) in dialogue.iter().enumerate() {
                let reply = self.mocks.expect_text_to(&from);
                let sid = format!("SM{run:08x}{form:012x}{n:012x}");
                let params = inbound_sms(ACCOUNT_SID, &sid, &from, BUSINESS, text);
                let response = self
                    .http
                    .post(&url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("X-Twilio-Signature", sign(AUTH_TOKEN, &url, &params))
                    .body(params.encode())
                    .send()
                    .await?;
                anyhow::ensure!(response.status().is_success(), "the webhook answered {}", response.status());
                tokio::time::timeout(PATIENCE, reply).await??;
            }
        }
        let usage = self.mocks.model_usage();
        self.mocks.set_reads_forms(false);
        service.stop().await?;

        let conversations = self.db.conversations_in_order().await?;
        let submissions = self.db.count("SELECT count(*) FROM form_submission").await?;
        let per_form = |total: u64| total as f64 / forms.max(1) as f64;
        let segments: u64 = conversations.iter().flatten().filter(|m| !m.inbound).map(|m| m.segments).sum();
        let smsagent = FormCost {
            model_calls: per_form(usage.extract_calls + usage.reply_calls),
            prompt_tokens: per_form(usage.prompt_tokens),
            completion_tokens: per_form(usage.completion_tokens),
            sms_segments: per_form(segments),
        };
        let seeds = seeds_cost(&conversations);
        let replies = conversations.iter().flatten().filter(|m| !m.inbound).count();
        let valid = submissions == forms as i64 && replies == forms * dialogue.len();
        Ok(Cost {
            dialogue: name.to_owned(),
            forms,
            texts_per_form: dialogue.len(),
            smsagent,
            seeds: FormCost {
                model_calls: per_form(seeds.model_calls as u64),
                prompt_tokens: per_form(seeds.prompt_tokens as u64),
                completion_tokens: per_form(seeds.completion_tokens as u64),
                sms_segments: per_form(segments),
            },
            valid,
        })
    }
}

/// A message of a conversation, as the cost needs it.
#[derive(Debug, Clone)]
pub struct Said {
    pub inbound: bool,
    pub body: String,
    pub segments: u64,
}

/// The seeds' approach over the same conversations: each text is one call with the form in the prompt and
/// the whole history so far, and its reply is the model's answer (the same words, to compare like with
/// like). Totals over every conversation.
fn seeds_cost(conversations: &[Vec<Said>]) -> FormCost {
    let prompt = seed_prompt();
    let mut cost = FormCost::default();
    for conversation in conversations {
        for (n, message) in conversation.iter().enumerate() {
            if !message.inbound {
                continue;
            }
            let history = conversation[..=n].iter().map(|m| m.body.as_str());
            cost.model_calls += 1.0;
            cost.prompt_tokens += tokens::of_prompt(std::iter::once(prompt.as_str()).chain(history), None) as f64;
            if let Some(reply) = conversation[n + 1..].iter().find(|m| !m.inbound) {
                cost.completion_tokens += tokens::of_text(&reply.body) as f64;
            }
        }
    }
    cost
}

/// A seed's system prompt: the assistant's, then the form to collect and how.
fn seed_prompt() -> String {
    let form = Form::tenant_screening();
    let fields: Vec<String> = form.slots.iter().map(|s| format!("- {}: {}", s.label.en, s.question.en)).collect();
    format!(
        "{}\n\nCollect these details from the applicant, one at a time, in this order:\n{}\nRead each value back \
         and ask the applicant to confirm it before moving on. When every value is confirmed, thank them and list \
         what you collected. Keep every reply under 300 characters.",
        smsagent_server::bootstrap::DEFAULT_SMS_PROMPT,
        fields.join("\n")
    )
}
