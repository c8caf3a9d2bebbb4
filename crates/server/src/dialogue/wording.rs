//! Wording a reply with the model: it rewrites the engine's draft in the assistant's voice. The draft is
//! what goes out whenever the model fails, runs over the budget, or drops the question the draft asks.

use smsagent_ai::{ChatRequest, ChatTurn};
use smsagent_domain::Language;
use smsagent_domain::segments;
use smsagent_domain::shaping::gsm_friendly;
use smsagent_store::assistants::Assistant;
use tracing::warn;

use crate::worker::WorkerDeps;

/// The draft as the model words it, or the draft itself.
pub async fn word(
    deps: &WorkerDeps,
    assistant: &Assistant,
    history: Vec<ChatTurn>,
    draft: &str,
    language: Language,
) -> String {
    if deps.model.is_offline() {
        return draft.to_owned();
    }
    let request = ChatRequest {
        system_prompt: format!(
            "{}\n\n{}",
            assistant.sms_prompt,
            instructions(draft, language, assistant.segment_budget)
        ),
        history,
        max_tokens: assistant.max_reply_tokens,
        model: assistant.model.clone(),
        temperature: assistant.temperature,
    };
    match tokio::time::timeout(deps.model_deadline, deps.model.reply(&request)).await {
        Ok(Ok(reply)) if keeps_to(&reply, draft, assistant.segment_budget) => reply,
        Ok(Ok(_)) => {
            warn!("the model's wording strayed from the draft; sending the draft");
            draft.to_owned()
        }
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

/// Whether the model's wording can replace the draft: within budget, and still asking what the draft asks.
fn keeps_to(reply: &str, draft: &str, budget: usize) -> bool {
    let asks = |text: &str| text.contains('?');
    segments::count(&gsm_friendly(reply)).segments <= budget && (!asks(draft) || asks(reply))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording_that_drops_the_question_or_runs_long_is_refused() {
        let draft = "Got it: Maria. Is that right?";
        assert!(keeps_to("Thanks! Just to check, your first name is Maria?", draft, 1));
        assert!(!keeps_to("Thanks Maria.", draft, 1));
        assert!(!keeps_to(&format!("{} ok?", "word ".repeat(70)), draft, 1));
    }
}
