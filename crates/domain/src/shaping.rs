//! Replies shaped for SMS: no character that forces UCS-2 for nothing, and no more segments than budgeted.
//!
//! One curly quote turns a whole message into UCS-2, which halves the room per segment, so look-alikes of
//! GSM-7 characters are swapped first. A reply over its budget is shortened at the last sentence that fits,
//! or at a word boundary with "..." when that keeps much more, never in the middle of a word. A reply that
//! ends with a question keeps the question whole: what comes before it is shortened instead.

use crate::segments::{self, Encoding};
use crate::{Channel, WHATSAPP_MAX_CHARS};

/// A reply ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shaped {
    pub text: String,
    pub encoding: Encoding,
    pub segments: usize,
}

/// Swaps characters that force UCS-2 needlessly for their GSM-7 equivalents: curly quotes, dashes, the
/// ellipsis, unusual spaces, bullets.
pub fn gsm_friendly(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{00B4}' | '`' => out.push('\''),
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{00AB}' | '\u{00BB}' => out.push('"'),
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2015}' | '\u{2212}' => out.push('-'),
            '\u{2026}' => out.push_str("..."),
            '\u{00A0}' | '\u{2002}' | '\u{2003}' | '\u{2007}' | '\u{2009}' | '\u{200A}' | '\u{202F}' | '\u{3000}' => {
                out.push(' ')
            }
            '\u{200B}' | '\u{FEFF}' => {}
            '\u{2022}' | '\u{00B7}' => out.push('-'),
            other => out.push(other),
        }
    }
    out
}

/// A reply fitted for its channel: an SMS into `budget` segments ([`shape`]); a WhatsApp text, which has
/// no segments, whole up to WhatsApp's 4,096 characters and as written.
pub fn shape_for(channel: Channel, text: &str, budget: usize) -> Shaped {
    if channel != Channel::WhatsApp {
        return shape(text, budget);
    }
    let text = text.trim();
    let fitted = fit_by(text, |candidate| candidate.chars().count() <= WHATSAPP_MAX_CHARS);
    Shaped { encoding: segments::count(&fitted).encoding, text: fitted, segments: 1 }
}

/// `text` made GSM-friendly and fitted into `budget` segments.
pub fn shape(text: &str, budget: usize) -> Shaped {
    let budget = budget.max(1);
    let text = gsm_friendly(text.trim());
    let text = text.trim();
    let fitted = if fits(text, budget) {
        text.to_owned()
    } else {
        match final_question(text) {
            Some((before, question)) if fits(question, budget) => {
                let kept = fit_by(before, |candidate| fits(&format!("{candidate} {question}"), budget));
                if kept.is_empty() { question.to_owned() } else { format!("{kept} {question}") }
            }
            _ => fit_by(text, |candidate| fits(candidate, budget)),
        }
    };
    let count = segments::count(&fitted);
    Shaped { text: fitted, encoding: count.encoding, segments: count.segments }
}

fn fits(text: &str, budget: usize) -> bool {
    segments::count(text).segments <= budget
}

/// The text split before its last sentence, when that sentence is a question.
fn final_question(text: &str) -> Option<(&str, &str)> {
    if !text.ends_with('?') {
        return None;
    }
    let body = &text[..text.len() - 1];
    let start = body
        .char_indices()
        .filter(|&(i, c)| matches!(c, '.' | '!' | '?') && body[i + 1..].starts_with(char::is_whitespace))
        .map(|(i, _)| i + 1)
        .next_back()?;
    Some((text[..start].trim_end(), text[start..].trim_start()))
}

/// The longest start of `text` that `fits`: at a sentence end, or at a word boundary followed by "..."
/// when that keeps much more. Empty when nothing fits.
fn fit_by(text: &str, fits: impl Fn(&str) -> bool) -> String {
    if fits(text) {
        return text.to_owned();
    }
    let sentence = text
        .char_indices()
        .filter(|&(i, c)| matches!(c, '.' | '!' | '?') && text[i + 1..].starts_with(char::is_whitespace))
        .map(|(i, _)| &text[..i + 1])
        .rev()
        .find(|candidate| fits(candidate));
    let cut =
        |end: usize| format!("{}...", text[..end].trim_end_matches(|c: char| c.is_whitespace() || ",;:-".contains(c)));
    let words = text
        .char_indices()
        .filter(|&(_, c)| c.is_whitespace())
        .map(|(i, _)| i)
        .filter(|&i| i > 0)
        .rev()
        .map(cut)
        .find(|candidate| fits(candidate));
    match (sentence, words) {
        // A whole sentence reads better, unless a word cut keeps much more.
        (Some(sentence), Some(words)) if sentence.len() * 3 < words.len() * 2 => words,
        (Some(sentence), _) => sentence.to_owned(),
        (None, Some(words)) => words,
        (None, None) => {
            // One enormous word: nothing to cut at but characters.
            let mut out = String::new();
            for c in text.chars() {
                out.push(c);
                if !fits(&format!("{out}...")) {
                    out.pop();
                    break;
                }
            }
            if out.is_empty() { out } else { format!("{out}...") }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_whatsapp_text_keeps_its_characters_and_has_no_segments() {
        let long = "It’s a “quote”. ".repeat(30);
        let shaped = shape_for(Channel::WhatsApp, &long, 1);
        assert_eq!(shaped.text, long.trim(), "no budget of segments, no look-alikes swapped");
        assert_eq!(shaped.segments, 1);
        let huge = "Word. ".repeat(1_000);
        assert!(shape_for(Channel::WhatsApp, &huge, 1).text.chars().count() <= WHATSAPP_MAX_CHARS);
        assert_eq!(shape_for(Channel::Sms, &long, 1).segments, 1, "an SMS keeps to its budget");
    }

    #[test]
    fn look_alikes_become_gsm7() {
        let shaped = shape("It’s “great” — really… see you\u{00A0}soon", 2);
        assert_eq!(shaped.text, "It's \"great\" - really... see you soon");
        assert_eq!(shaped.encoding, Encoding::Gsm7);
    }

    #[test]
    fn letters_that_need_ucs2_are_kept() {
        let shaped = shape("¿Cómo está? Gracias", 2);
        assert_eq!(shaped.text, "¿Cómo está? Gracias");
        assert_eq!(shaped.encoding, Encoding::Ucs2);
    }

    #[test]
    fn a_reply_within_budget_is_untouched() {
        let text = "Thanks! What's your last name?";
        assert_eq!(shape(text, 1).text, text);
    }

    #[test]
    fn a_long_reply_is_cut_at_the_last_sentence_that_fits() {
        let first = "a".repeat(100) + ".";
        let second = " Second sentence here.";
        let third = " ".to_owned() + &"b ".repeat(100);
        let text = format!("{first}{second}{third}");
        let shaped = shape(&text, 1);
        assert_eq!(shaped.text, format!("{first}{second}"));
        assert_eq!(shaped.segments, 1);
    }

    #[test]
    fn a_final_question_survives_and_what_comes_before_it_is_shortened() {
        let address = "Calle de la Princesa número 123, piso 4, puerta B, Barrio de Argüelles, junto a la Plaza de España, Madrid, Comunidad de Madrid, España, código postal 28008";
        let text = format!("Entendido: {address}. ¿Es correcto?");
        let shaped = shape(&text, 2);
        assert_eq!(shaped.encoding, Encoding::Ucs2);
        assert!(shaped.segments <= 2);
        assert!(shaped.text.ends_with("... ¿Es correcto?"), "{}", shaped.text);
        assert!(shaped.text.starts_with("Entendido: Calle de la Princesa"), "{}", shaped.text);
    }

    #[test]
    fn a_summary_is_cut_between_words_rather_than_to_its_first_sentence() {
        let text = "¡Gracias, María! Nos pondremos en contacto pronto. Esto es lo que tengo: María García, teléfono +1 555-123-4567, dirección Calle Mayor 5, Madrid, ingreso anual $85,000.";
        let shaped = shape(text, 2);
        assert!(shaped.segments <= 2);
        assert!(shaped.text.contains("Esto es lo que tengo: María García"), "{}", shaped.text);
    }

    #[test]
    fn without_a_sentence_end_it_is_cut_between_words() {
        let text = "word ".repeat(80);
        let shaped = shape(&text, 1);
        assert!(shaped.text.ends_with("word..."), "{}", shaped.text);
        assert!(shaped.segments <= 1);
    }

    proptest! {
        #[test]
        fn a_final_question_is_kept_whole(words in proptest::collection::vec("[a-zA-Záñ]{1,10}", 1..150), budget in 1usize..4) {
            let text = format!("{}. Is that right?", words.join(" "));
            let shaped = shape(&text, budget);
            prop_assert!(shaped.segments <= budget);
            prop_assert!(shaped.text.ends_with("Is that right?"), "{}", shaped.text);
        }

        #[test]
        fn shaped_replies_keep_their_budget_and_their_words(words in proptest::collection::vec("[a-zA-Z’éñáíóú¿]{1,12}[.,!]?", 1..120), budget in 1usize..4) {
            let text = words.join(" ");
            let shaped = shape(&text, budget);
            prop_assert!(shaped.segments <= budget, "{} segments", shaped.segments);
            let body = shaped.text.trim_end_matches("...");
            let original = gsm_friendly(&text);
            prop_assert!(original.starts_with(body), "the reply is a start of the text");
            // Never mid-word: what follows the kept part in the original is a boundary. (No text here ends with
            // a question, so the kept part is a start of the original.)
            let rest = &original[body.len()..];
            prop_assert!(rest.is_empty() || rest.starts_with(|c: char| c.is_whitespace() || ",;:-".contains(c)), "cut inside a word: {rest:?}");
        }
    }
}
