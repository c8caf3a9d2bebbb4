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
use super::value::{amounts_in, yes_no};
use super::{Form, SlotKind};
use crate::text::{fold, words};

/// What of the model's reading the contact's words (`said`) bear out: each value they state, spelled as
/// they spelled it, and a yes or no they give. Also how many values it dropped.
pub fn borne_out(form: &Form, model: Extraction, said: &str) -> (Extraction, usize) {
    let proposed = model.values.len();
    let values: Vec<Proposal> = model
        .values
        .into_iter()
        .filter_map(|p| {
            let slot = form.slot(&p.slot)?;
            let raw = in_their_words(&slot.kind, &p.raw, said)?;
            Some(Proposal { raw, ..p })
        })
        .collect();
    let dropped = proposed - values.len();
    let answer = model.answer.filter(|answer| answers(said) == Some(*answer));
    (Extraction { answer, values }, dropped)
}

/// `raw` as the contact wrote it when `said` states it: a name's or an address's words with the contact's
/// spelling ("Garcia", not the model's "García"; "St", not "Street"), other values as the model gave
/// them for the engine to read. `None` when `said` does not state it.
pub fn in_their_words(kind: &SlotKind, raw: &str, said: &str) -> Option<String> {
    if !grounded(kind, raw, said) {
        return None;
    }
    let word_based = matches!(kind, SlotKind::PersonName { .. } | SlotKind::PostalAddress | SlotKind::FreeText);
    if !word_based {
        return Some(raw.to_owned());
    }
    let theirs: Vec<&str> = said.split_whitespace().map(|w| w.trim_matches(|c: char| !c.is_alphanumeric())).collect();
    let respelled = raw
        .split_whitespace()
        .map(|token| {
            let core = token.trim_matches(|c: char| !c.is_alphanumeric());
            let same = |w: &&&str| !core.is_empty() && street_word(&fold(w)) == street_word(&fold(core));
            match theirs.iter().find(same) {
                Some(their) => token.replacen(core, their, 1),
                None => token.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    Some(respelled)
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

/// The yes or no the contact's words give, anywhere in them, as people say it: "well yes, that's it",
/// "this one works", "sí, ese", "está bien", "👍" are yes; "nope", "not that one", "ese no", "👎" are no;
/// "not sure", "no idea" and a text with both are neither. A yes word that is negated ("not right") is a
/// no, and so is a short negation ("not that one", "not quite").
pub fn answers(said: &str) -> Option<bool> {
    if let Some(answer) = yes_no(said) {
        return Some(answer);
    }
    let folded = format!(" {} ", crate::text::fold(said));
    let has_phrase = |list: &[&str]| list.iter().any(|phrase| folded.contains(&format!(" {phrase} ")));
    if has_phrase(UNSURE) {
        return None;
    }
    let emoji = |list: &[char]| said.chars().any(|c| list.contains(&c));
    let said = words(said);
    let has = |list: &[&str]| said.iter().any(|w| list.contains(&w.as_str()) || is_drawn_out_yes(w));
    let yes = has(YES_WORDS) || has_phrase(YES_PHRASES) || emoji(YES_EMOJI);
    let no = said.iter().any(|w| NO_WORDS.contains(&w.as_str())) || has_phrase(NO_PHRASES) || emoji(NO_EMOJI);
    let negated = said.iter().any(|w| NEGATIONS.contains(&w.as_str()));
    match (yes, no, negated) {
        (true, false, false) => Some(true),
        (false, true, _) => Some(false),
        // "that's not right", "nope, not that one".
        (true, _, true) => Some(false),
        // "not that one", "not quite".
        (false, false, true) if said.len() <= 4 => Some(false),
        _ => None,
    }
}

/// "yess", "yesss", "yeees": a yes, typed with feeling.
fn is_drawn_out_yes(word: &str) -> bool {
    let squeezed: String = word.chars().fold(String::new(), |mut out, c| {
        if !out.ends_with(c) {
            out.push(c);
        }
        out
    });
    word.len() > 3 && ["yes", "ye", "ya", "yas", "si", "sip"].contains(&squeezed.as_str())
}

const YES_WORDS: &[&str] = &[
    "yes",
    "yeah",
    "yea",
    "yep",
    "yup",
    "ya",
    "yah",
    "ye",
    "sure",
    "correct",
    "right",
    "ok",
    "okay",
    "k",
    "kk",
    "fine",
    "perfect",
    "exactly",
    "works",
    "good",
    "great",
    "affirmative",
    "absolutely",
    "definitely",
    "yessir",
    "indeed",
    "mhm",
    "confirmed",
    "confirm",
    "si",
    "sip",
    "claro",
    "correcto",
    "correcta",
    "exacto",
    "exacta",
    "vale",
    "bien",
    "dale",
    "perfecto",
    "perfecta",
    "afirmativo",
    "ajá",
    "aja",
    "listo",
    "sipi",
    "va",
];
const YES_PHRASES: &[&str] = &[
    "thats it",
    "thats me",
    "that one",
    "this one",
    "sounds good",
    "looks good",
    "all good",
    "you got it",
    "of course",
    "uh huh",
    "spot on",
    "go ahead",
    "use that",
    "use this",
    "asi es",
    "eso es",
    "de acuerdo",
    "por supuesto",
    "ese mismo",
    "ese es",
    "ese esta bien",
    "es ese",
    "ese numero",
    "este numero",
    "ese sirve",
];
const NO_WORDS: &[&str] =
    &["no", "nope", "nop", "nah", "naw", "wrong", "incorrect", "incorrecto", "incorrecta", "mal", "nel", "negative"];
const NO_PHRASES: &[&str] = &["not quite", "not exactly", "wrong one", "otro numero", "ese no", "no es"];
const YES_EMOJI: &[char] = &['👍', '✅', '👌', '✔', '☑', '🙆', '💯'];
const NO_EMOJI: &[char] = &['👎', '❌', '🙅', '✖', '⛔'];
const UNSURE: &[&str] = &[
    "not sure",
    "dont know",
    "do not know",
    "no idea",
    "idk",
    "no se",
    "no lo se",
    "no estoy seguro",
    "no estoy segura",
    "maybe",
    "quizas",
    "tal vez",
    "hold on",
    "wait",
    "un momento",
    "espera",
];
const NEGATIONS: &[&str] = &["not", "isnt", "dont", "doesnt", "wasnt", "aint", "never", "nunca", "tampoco"];

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
    let Some(amount) = amounts_in(raw).into_iter().next() else { return false };
    amounts_in(said).iter().any(|stated| [1.0, 12.0, 26.0, 52.0].iter().any(|per| (stated * per - amount).abs() < 0.5))
}

/// Every number of the address is one the contact wrote, and every word, once abbreviations are read
/// the same way ("Street" and "St").
fn address_in(raw: &str, said: &str) -> bool {
    all_words_in(raw, said, |word| street_word(word).to_owned())
}

/// A folded address word in full: "st" is "street", "ave" "avenue".
fn street_word(word: &str) -> &str {
    match word {
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
        "c" => "calle",
        other => other,
    }
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
    fn a_value_is_kept_as_the_contact_spelled_it() {
        assert_eq!(in_their_words(&NAME, "María García", "maria garcia").as_deref(), Some("maria garcia"));
        assert_eq!(
            in_their_words(&SlotKind::PostalAddress, "42 Oak Street, Springfield", "42 oak st, springfield il")
                .as_deref(),
            Some("42 oak st, springfield")
        );
        assert_eq!(in_their_words(&INCOME, "85000", "85k").as_deref(), Some("85000"));
        assert_eq!(in_their_words(&NAME, "John", "I'm Maria"), None);
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

    #[test]
    fn people_say_yes_and_no_in_many_ways() {
        for yes in [
            "that's fine",
            "this one works",
            "yep",
            "sure",
            "correct",
            "sí, ese",
            "está bien",
            "yesss",
            "YES!!",
            "👍",
            "Perfect",
            "sounds good",
            "ese mismo",
            "así es",
            "sip",
            "k",
            "that's me",
            "ok 👍",
        ] {
            assert_eq!(answers(yes), Some(true), "{yes}");
        }
        for no in ["nope", "not that one", "no", "NO!", "👎", "ese no", "not quite", "wrong", "that's not right", "nah"]
        {
            assert_eq!(answers(no), Some(false), "{no}");
        }
        for neither in ["hmm", "wait", "I don't know", "no idea", "hold on", "lol", "yes and no", "maybe"] {
            assert_eq!(answers(neither), None, "{neither}");
        }
    }
}
