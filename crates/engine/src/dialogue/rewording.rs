//! Wording a reply with the model: it rewrites the engine's draft in the assistant's voice. The draft is
//! what goes out whenever the model fails, runs over the budget, drops the question the draft asks,
//! changes a value it shows, or writes something that is not a whole reply (framed as a draft, quoting its
//! instructions, cut off: `model_reply`). The model sees the draft and the assistant's prompt, not the contact's texts,
//! so nothing a contact writes can steer what the business says.

use smsagent_ai::{ChatRequest, ChatTurn, Speaker};
use smsagent_domain::segments;
use smsagent_domain::shaping::gsm_friendly;
use smsagent_domain::{Language, model_reply};
use smsagent_store::assistants::Assistant;
use tokio::time::Instant;
use tracing::warn;

use super::Model;

/// The draft as the model words it, or the draft itself. `values` are the values the draft shows.
pub async fn word(
    model: &Model<'_>,
    assistant: &Assistant,
    draft: &str,
    values: &[String],
    language: Language,
) -> String {
    if model.chat.is_offline() || Instant::now() >= model.deadline {
        return draft.to_owned();
    }
    let system_prompt = format!(
        "{}\n\n{}",
        assistant.settings.sms_prompt,
        instructions(draft, language, assistant.settings.segment_budget)
    );
    let request = ChatRequest {
        system_prompt,
        history: vec![ChatTurn { speaker: Speaker::Contact, text: "(write the message now)".into() }],
        max_tokens: assistant.settings.max_reply_tokens,
        model: assistant.settings.model.clone(),
        temperature: assistant.settings.temperature,
    };
    match tokio::time::timeout_at(model.deadline, model.chat.reply(&request)).await {
        Ok(Ok(reply)) => match model_reply::check(&reply.output, &request.system_prompt, draft) {
            Ok(()) if keeps_to(&reply.output, draft, values, assistant.settings.segment_budget) => {
                reply.output.trim().to_owned()
            }
            Ok(()) => {
                warn!("the model's wording strayed from the draft; sending the draft");
                model.metrics.model_refused("wording", "strayed_from_the_draft", 1);
                draft.to_owned()
            }
            Err(flaw) => {
                warn!(%flaw, "the model's wording is not a reply; sending the draft");
                model.metrics.model_refused("wording", flaw.as_str(), 1);
                draft.to_owned()
            }
        },
        Ok(Err(e)) => {
            warn!(error = %e, "the model could not word the reply; sending the draft");
            draft.to_owned()
        }
        Err(_) => {
            warn!("the model took too long to word the reply; sending the draft");
            draft.to_owned()
        }
    }
}

fn instructions(draft: &str, language: Language, budget: usize) -> String {
    let language = match language {
        Language::En => "English",
        Language::Es => "Spanish",
    };
    let characters = budget * 153;
    format!(
        "Write the next text message to the contact. It must say what this draft says: the same facts, values \
         and question, nothing more. Change only the wording, in the voice described above. Write in {language}, \
         plain text, at most {characters} characters.\nDraft: «{draft}»"
    )
}

/// Whether the model's wording can replace the draft: within budget, still asking what the draft asks,
/// and showing every value exactly as the draft does.
fn keeps_to(reply: &str, draft: &str, values: &[String], budget: usize) -> bool {
    let asks = |text: &str| text.contains('?');
    segments::count(&gsm_friendly(reply)).segments <= budget
        && (!asks(draft) || asks(reply))
        && values.iter().all(|value| reply.contains(value.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording_that_drops_the_question_changes_a_value_or_runs_long_is_refused() {
        let draft = "Got it: $85,000. Is that right?";
        let values = ["$85,000".to_owned()];
        assert!(keeps_to("Thanks! Just to check, your income is $85,000?", draft, &values, 1));
        assert!(!keeps_to("Thanks, noted.", draft, &values, 1), "the question is gone");
        assert!(!keeps_to("Just to check, your income is $58,000?", draft, &values, 1), "the value changed");
        assert!(!keeps_to(&format!("{} $85,000?", "word ".repeat(70)), draft, &values, 1), "too long");
    }
}
