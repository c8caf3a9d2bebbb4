//! Whether a value the model proposes is in the contact's own words.
//!
//! The model is untrusted: a weak one invents values ("John Doe, 123 Main Street") or copies them from the
//! assistant's own earlier texts ("John Doe Doe Doe"). A value it reads counts only when what the contact
//! wrote says it, compared as each kind of value may be written: a phone's digits (however grouped), a
//! name's words (whatever their case or accents), an amount's number ("85k" is 85,000; a monthly amount
//! may become a yearly one), an address's numbers and words (with the usual abbreviations).

use std::sync::LazyLock;

use regex::Regex;

use super::extract::{Extraction, Proposal};
use super::spelled;
use super::value::yes_no;
use super::{Form, SlotKind};
use crate::text::{fold, words};

/// What of the model's reading the contact's words (`said`) bear out: each value they state, and a yes
/// or no they give. Also how many values it dropped.
pub fn borne_out(form: &Form, model: Extraction, said: &str) -> (Extraction, usize) {
    let proposed = model.values.len();
    let values: Vec<Proposal> = model
        .values
        .into_iter()
        .filter(|p| form.slot(&p.slot).is_some_and(|slot| grounded(&slot.kind, &p.raw, said)))
        .collect();
    let dropped = proposed - values.len();
    let answer = model.answer.filter(|answer| answers(said) == Some(*answer));
    (Extraction { answer, values }, dropped)
}

/// Whether `said` (the contact's texts being read, nothing of ours) states `raw` for a slot of `kind`.
pub fn grounded(kind: &SlotKind, raw: &str, said: &str) -> bool {
    // Copied as written: the engine checks it like any answer ("555-12" is refused as a phone number).
    let copied = fold(raw);
    if !copied.is_empty() && format!(" {} ", fold(said)).contains(&format!(" {copied} ")) {
        return true;
    }
    match kind {
        SlotKind::Phone { .. } => phone_in(raw, said),
        SlotKind::Money { .. } => amount_in(raw, said),
        SlotKind::Email => said.to_lowercase().contains(raw.trim().to_lowercase().as_str()),
        SlotKind::YesNo => yes_no(raw).is_some_and(|answer| answers(said) == Some(answer)),
        SlotKind::PostalAddress => address_in(raw, said),
        SlotKind::PersonName { .. } | SlotKind::Date | SlotKind::Choice { .. } | SlotKind::FreeText => {
            all_words_in(raw, said, |word| word.to_owned())
        }
    }
}

/// The yes or no the contact's words give, anywhere in them ("well yes, that's it", "sí, ese"): a yes word
/// not negated ("not right" is a no), or a no word, but not both.
pub fn answers(said: &str) -> Option<bool> {
    if let Some(answer) = yes_no(said) {
        return Some(answer);
    }
    let folded = crate::text::fold(said);
    if UNSURE.iter().any(|phrase| format!(" {folded} ").contains(&format!(" {phrase} "))) {
        return None;
    }
    let said = words(said);
    let has = |list: &[&str]| said.iter().any(|w| list.contains(&w.as_str()));
    let (yes, no, negated) = (has(YES_WORDS), has(NO_WORDS), has(NEGATIONS));
    match (yes, no || (yes && negated)) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        (true, true) if negated && !no => Some(false),
        _ => None,
    }
}

const YES_WORDS: &[&str] = &[
    "yes",
    "yeah",
    "yep",
    "yup",
    "ya",
    "sure",
    "correct",
    "right",
    "ok",
    "okay",
    "fine",
    "perfect",
    "exactly",
    "works",
    "good",
    "great",
    "affirmative",
    "si",
    "claro",
    "correcto",
    "exacto",
    "vale",
    "bien",
    "dale",
    "perfecto",
];
const NO_WORDS: &[&str] = &["no", "nope", "nah", "wrong", "incorrect", "incorrecto", "mal"];
const UNSURE: &[&str] = &["not sure", "no se", "no estoy seguro", "no estoy segura", "maybe", "quizas", "tal vez"];
const NEGATIONS: &[&str] = &["not", "isnt", "dont", "doesnt", "wasnt", "aint", "never", "nunca"];

/// Every word of `raw` (folded, mapped by `canonical`) is a word of `said`, each as often as `raw` has it.
fn all_words_in(raw: &str, said: &str, canonical: impl Fn(&str) -> String) -> bool {
    let mut said: Vec<String> = words(said).iter().map(|w| canonical(w)).collect();
    let raw = words(raw);
    !raw.is_empty()
        && raw.iter().all(|w| match said.iter().position(|s| *s == canonical(w)) {
            Some(at) => {
                said.swap_remove(at);
                true
            }
            None => false,
        })
}

/// The phone's digits, bar a country code, are a run of digits the contact typed (spaces, dashes, dots
/// and brackets between them allowed).
fn phone_in(raw: &str, said: &str) -> bool {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 7 {
        return false;
    }
    static RUN: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\+?\d[\d\s().\-]{5,}\d").unwrap_or_else(|e| panic!("the digit run: {e}")));
    RUN.find_iter(said).any(|run| {
        let typed: String = run.as_str().chars().filter(char::is_ascii_digit).collect();
        typed.len() >= 7 && (digits.ends_with(&typed) || typed.ends_with(&digits))
    })
}

/// The amount `raw` reads as is one the contact wrote, or that amount by the month, the week or two.
fn amount_in(raw: &str, said: &str) -> bool {
    let Some(amount) = amounts(raw).into_iter().next() else { return false };
    amounts(said).iter().any(|stated| [1.0, 12.0, 26.0, 52.0].iter().any(|per| (stated * per - amount).abs() < 0.5))
}

/// The amounts a text writes: numbers, with their "k", "thousand", "mil" or "million", in digits or words.
fn amounts(text: &str) -> Vec<f64> {
    static AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(\d[\d,.]*)\s*(k|thousand|grand|mil|m|million|millones|mill[oó]n)?\b")
            .unwrap_or_else(|e| panic!("the amount: {e}"))
    });
    AMOUNT
        .captures_iter(text)
        .filter_map(|c| {
            let number: f64 = c[1].trim_end_matches(['.', ',']).replace(',', "").parse().ok()?;
            let multiplier = match c.get(2).map(|m| m.as_str().to_lowercase()).as_deref() {
                Some("k" | "thousand" | "grand" | "mil") => 1_000.0,
                Some("m" | "million" | "millones" | "millón" | "millon") => 1_000_000.0,
                _ => 1.0,
            };
            Some(number * multiplier)
        })
        .chain(spelled::numbers(text))
        .collect()
}

/// Every number of the address is one the contact wrote, and every word, once abbreviations are read
/// the same way ("Street" and "St").
fn address_in(raw: &str, said: &str) -> bool {
    all_words_in(raw, said, |word| {
        let full = match word {
            "st" => "street",
            "ave" | "av" => "avenue",
            "rd" => "road",
            "blvd" => "boulevard",
            "dr" => "drive",
            "ln" => "lane",
            "ct" => "court",
            "apt" => "apartment",
            "n" => "north",
            "s" => "south",
            "e" => "east",
            "w" => "west",
            "calle" | "c" => "calle",
            other => other,
        };
        full.to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::super::{NamePart, Period};
    use super::*;

    const NAME: SlotKind = SlotKind::PersonName { part: NamePart::Given };
    const PHONE: SlotKind = SlotKind::Phone { offer_sender: true };
    const INCOME: SlotKind = SlotKind::Money { per: Some(Period::Year) };

    #[test]
    fn values_the_contact_wrote_are_grounded_however_they_are_written() {
        assert!(grounded(&NAME, "María", "hi, I'm maria garcia"));
        assert!(grounded(&NAME, "Maria Garcia", "MARIA GARCÍA here"));
        assert!(grounded(&PHONE, "+15551230102", "call me at (555) 123-0102 please"));
        assert!(grounded(&PHONE, "555 123 0102", "+1 555.123.0102"));
        assert!(grounded(&INCOME, "85000", "about 85k a year"));
        assert!(grounded(&INCOME, "$84,000", "I make $7,000 a month"));
        assert!(grounded(&SlotKind::PostalAddress, "123 Main Street, Springfield", "123 main st springfield"));
        assert!(grounded(&SlotKind::Email, "Maria@Example.com", "it's maria@example.com"));
        assert!(grounded(&INCOME, "85000", "eighty-five thousand a year"));
        assert!(grounded(&PHONE, "555-12", "it's 555-12"), "as written, for the engine to refuse");
    }

    #[test]
    fn invented_values_and_the_assistants_own_are_not() {
        assert!(!grounded(&NAME, "John", "Hi, I'd like to apply"));
        assert!(!grounded(&NAME, "John Doe Doe", "John Doe"), "every word must be the contact's, and once is enough");
        assert!(!grounded(&SlotKind::PostalAddress, "123 Main Street", "I live on Main Street"), "no 123");
        assert!(!grounded(&INCOME, "20000", "Hi, I'd like to apply"));
        assert!(!grounded(&INCOME, "20000", "I have 2 kids"));
        assert!(!grounded(&PHONE, "+15550001111", "my number is 555 123 0102"));
        assert!(!grounded(&PHONE, "+15551230102", "yes"), "the number offered is the engine's, not the model's");
        assert!(!grounded(&SlotKind::Email, "john@doe.com", "my email is maria@example.com"));
        assert!(!grounded(&INCOME, "lots", "I have a lot of pets"), "a copy is of whole words");
    }

    #[test]
    fn a_yes_or_no_is_read_anywhere_in_the_words() {
        assert_eq!(answers("well yes, that's it"), Some(true));
        assert_eq!(answers("sí, ese"), Some(true));
        assert_eq!(answers("nope, not that one"), Some(false));
        assert_eq!(answers("Hi, I'd like to apply"), None);
        assert_eq!(answers("yes no"), None, "both is neither");
        assert_eq!(answers("that's not right"), Some(false));
        assert_eq!(answers("this one is fine"), Some(true));
        assert_eq!(answers("not sure"), None);
    }
}
