//! Whether a model's text may go to a contact as it is.
//!
//! The model is untrusted: a weak one wraps its answer in the prompt's framing (`Draft: "…"`, «…», "Here
//! is the message:"), repeats its instructions, or stops mid-sentence. Such text is never sent; the caller
//! sends what it would without a model (the draft, or the offline reply).

use std::collections::HashSet;

use crate::text::{fold, words};

/// Why a model's text is not a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Flaw {
    #[error("it is empty")]
    Empty,
    #[error("it is framed as a draft or quoted, not written as the reply")]
    Framed,
    #[error("it repeats its instructions")]
    EchoesPrompt,
    #[error("it carries markup or a model's control tokens")]
    Markup,
    #[error("it stops mid-sentence")]
    Unfinished,
}

impl Flaw {
    /// A short name, for metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Flaw::Empty => "empty",
            Flaw::Framed => "framed",
            Flaw::EchoesPrompt => "echoes_prompt",
            Flaw::Markup => "markup",
            Flaw::Unfinished => "unfinished",
        }
    }
}

/// Words a model uses to label what it writes: "Draft: …", "Message: …", "Respuesta: …".
const LABELS: &[&str] = &[
    "draft",
    "message",
    "reply",
    "response",
    "text",
    "sms",
    "assistant",
    "answer",
    "output",
    "rewrite",
    "rewritten",
    "borrador",
    "mensaje",
    "respuesta",
    "texto",
    "asistente",
];

/// Openings that introduce a text rather than being one ("Here's our address" is a reply; "Here is the
/// message:" is not).
const PREAMBLES: &[&str] = &[
    "here is the",
    "heres the",
    "here is your",
    "heres your",
    "here is a",
    "heres a",
    "sure here",
    "aqui esta el",
    "aqui esta tu",
    "aqui tiene",
    "claro aqui",
];

/// Markup and control tokens no text message carries.
const MARKUP: &[&str] = &["```", "<|", "</", "[INST", "[/INST", "###", "<s>"];

/// How many words in a row, shared with the instructions, count as repeating them.
const ECHO_WORDS: usize = 6;

/// Checks a general assistant's reply: not empty, no markup, not labelled or quoted as a draft. Its words
/// are its own, so no more is asked of them (a reply cut off at its cap was refused already, by its
/// `finish_reason`): "We open at 9" and "Here's our address" are replies.
pub fn check_general(text: &str) -> Result<(), Flaw> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Flaw::Empty);
    }
    if MARKUP.iter().any(|m| text.contains(m)) {
        return Err(Flaw::Markup);
    }
    if labelled(text) || text.contains(['«', '»']) {
        return Err(Flaw::Framed);
    }
    Ok(())
}

/// Checks `text` as a rewording of a draft for a contact. `instructions` is what the model was told (a reply that
/// repeats it is the prompt, not a reply); `own` is text the reply may repeat word for word (the draft it
/// rewords), even where the instructions quote it.
pub fn check(text: &str, instructions: &str, own: &str) -> Result<(), Flaw> {
    let text = text.trim();
    if text == own.trim() {
        return Ok(());
    }
    if text.is_empty() {
        return Err(Flaw::Empty);
    }
    if MARKUP.iter().any(|m| text.contains(m)) {
        return Err(Flaw::Markup);
    }
    if framed(text, own) {
        return Err(Flaw::Framed);
    }
    if echoes(text, instructions, own) {
        return Err(Flaw::EchoesPrompt);
    }
    if unfinished(text) {
        return Err(Flaw::Unfinished);
    }
    Ok(())
}

/// "Draft: …", "Message: …": a label before a colon at the start.
fn labelled(text: &str) -> bool {
    text.split_once(':').is_some_and(|(before, _)| {
        let before = words(before);
        before.len() <= 3 && before.iter().any(|w| LABELS.contains(&w.as_str()))
    })
}

fn framed(text: &str, own: &str) -> bool {
    let folded = fold(text);
    let label = labelled(text);
    let quoted = ['"', '“', '\'', '«', '‘'].iter().any(|q| text.starts_with(*q));
    let guillemets = (text.contains('«') || text.contains('»')) && !own.contains('«');
    let mentions_draft = ["draft", "borrador"].iter().any(|w| words(text).iter().any(|t| t == w))
        && !["draft", "borrador"].iter().any(|w| words(own).iter().any(|t| t == w));
    label || quoted || guillemets || mentions_draft || PREAMBLES.iter().any(|p| folded.starts_with(p))
}

/// Whether `text` shares a run of [`ECHO_WORDS`] words with the instructions that is not also in `own`.
fn echoes(text: &str, instructions: &str, own: &str) -> bool {
    let runs = |text: &str| -> HashSet<String> { words(text).windows(ECHO_WORDS).map(|w| w.join(" ")).collect() };
    let told = runs(instructions);
    let own = runs(own);
    runs(text).iter().any(|run| told.contains(run) && !own.contains(run))
}

/// A reply ends a sentence: with its punctuation, an emoji or a closing bracket, or a link. One that ends
/// on a word, a comma or a colon was cut off.
fn unfinished(text: &str) -> bool {
    let last_word = text.split_whitespace().last().unwrap_or_default();
    if last_word.contains("://") || last_word.starts_with("www.") {
        return false;
    }
    text.chars().last().is_some_and(|c| c.is_alphanumeric() || [',', ':', ';', '-', '('].contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOLD: &str = "Write the next text message to the contact. It must say what this draft says: the same \
                        facts, values and question, nothing more. Draft: «Got it: $85,000. Is that right?»";
    const DRAFT: &str = "Got it: $85,000. Is that right?";

    #[test]
    fn a_whole_reply_passes() {
        assert_eq!(check("Thanks! Just to check, your income is $85,000?", TOLD, DRAFT), Ok(()));
        assert_eq!(check(DRAFT, TOLD, DRAFT), Ok(()), "the draft itself, labels and all");
        assert_eq!(check("¡Perfecto! Nos vemos pronto 👋", "", ""), Ok(()));
        assert_eq!(check("Apply here: https://example.com/apply", "", ""), Ok(()));
    }

    #[test]
    fn a_general_reply_is_held_to_its_form_only() {
        for reply in ["We open at 9", "Here's our address: 5 Elm St", "We have 12 beers on draft.", "Call 555-1234"] {
            assert_eq!(check_general(reply), Ok(()), "{reply}");
        }
        assert_eq!(check_general("Reply: we open at 9"), Err(Flaw::Framed));
        assert_eq!(check_general("«We open at 9»"), Err(Flaw::Framed));
        assert_eq!(check_general(" "), Err(Flaw::Empty));
    }

    #[test]
    fn framing_prompts_and_half_sentences_do_not() {
        assert_eq!(check("Draft: \"Got it: $85,000. Is that right?\"", TOLD, DRAFT), Err(Flaw::Framed));
        assert_eq!(check("«Got it: $85,000. Is that right?»", TOLD, DRAFT), Err(Flaw::Framed));
        assert_eq!(check("\"Got it: $85,000. Is that right?\"", TOLD, DRAFT), Err(Flaw::Framed));
        assert_eq!(check("Message: Got it, $85,000. Is that right?", TOLD, DRAFT), Err(Flaw::Framed));
        assert_eq!(check("Here is the message: $85,000, right?", TOLD, DRAFT), Err(Flaw::Framed));
        assert_eq!(check("I rewrote the draft. $85,000, right?", TOLD, DRAFT), Err(Flaw::Framed));
        assert_eq!(
            check("It must say what this draft says: the same facts, values and question?", TOLD, DRAFT),
            Err(Flaw::Framed)
        );
        assert_eq!(check("Write the next text message to the contact. $85,000?", TOLD, DRAFT), Err(Flaw::EchoesPrompt));
        assert_eq!(check("<|im_start|>assistant $85,000?", TOLD, DRAFT), Err(Flaw::Markup));
        assert_eq!(check("Thanks! Your income of $85,000 is", TOLD, DRAFT), Err(Flaw::Unfinished));
        assert_eq!(check("  ", TOLD, DRAFT), Err(Flaw::Empty));
    }
}
