//! A reply from the knowledge base: the model answers from the passages found, and its answer is sent
//! only if it is a whole reply whose every number the passages wrote. Otherwise, and when there is no
//! model, the passages' own best sentence is quoted, or the contact is told the assistant does not know.

use smsagent_ai::{ChatError, ChatRequest, OFFLINE_REPLY};
use smsagent_domain::{Language, model_reply};
use smsagent_tools::knowledge::answer::{self, Found};
use tracing::warn;

use super::turn::{Inputs, TryLater};
use super::{Model, turn};

pub(super) async fn answer(
    model: &Model<'_>,
    inputs: &Inputs<'_>,
    found: &[Found],
    said: &str,
    language: Language,
) -> Result<String, TryLater> {
    let assistant = inputs.assistant;
    let request = ChatRequest {
        system_prompt: format!("{}\n\n{}", assistant.settings.sms_prompt, answer::instructions(found, language)),
        history: turn::chat_turns(inputs.history),
        max_tokens: assistant.settings.max_reply_tokens,
        model: assistant.settings.model.clone(),
        temperature: assistant.settings.temperature,
    };
    let asked = tokio::time::timeout_at(model.deadline, model.chat.reply(&request))
        .await
        .unwrap_or_else(|_| Err(ChatError::Transient("the model did not answer in time".into())));
    let quoted = || answer::quote(found, said).unwrap_or_else(|| answer::dont_know(language).to_owned());
    match asked {
        Ok(reply) if reply.output.trim() == OFFLINE_REPLY => Ok(quoted()),
        Ok(reply) => {
            let text = reply.output.trim();
            let whole = model_reply::check_general(text);
            if whole.is_ok() && answer::grounded(text, found) {
                return Ok(text.to_owned());
            }
            let reason = whole.err().map_or("ungrounded", |flaw| flaw.as_str());
            warn!(reason, "the model's knowledge answer is not sent; quoting the passage instead");
            model.metrics.model_refused("knowledge", reason, 1);
            Ok(quoted())
        }
        Err(ChatError::Transient(reason)) if inputs.may_retry => Err(TryLater(reason)),
        Err(e) => {
            warn!(error = %e, "the model gave no knowledge answer; quoting the passage");
            Ok(quoted())
        }
    }
}
