//! Reading values out of free text with rules, when no model is configured or the model failed.
//!
//! Values come from four places, in order of trust: labelled values anywhere in the text ("my last name is
//! Smith", "I make 85k"), an introduction ("I'm Maria Garcia"), an email address anywhere, and otherwise
//! the text itself as the answer to what was asked. A leading yes or no is read off first, so "no, it's
//! 90k" is a no and a new value at once. Nothing here checks a value; the engine does.

use std::sync::LazyLock;

use regex::Regex;

use super::value::{Reading, read, yes_no};
use super::{Awaiting, Form, FormState, NamePart, Slot, SlotKind};
use super::{grounding, spelled};
use crate::Language;
use crate::text::fold;

/// What a text seems to say, before any checking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extraction {
    /// The text's answer to a yes/no question, if it gives one.
    pub answer: Option<bool>,
    /// Values the text gives, by slot key, as written.
    pub values: Vec<Proposal>,
}

/// A value a text gives for a slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub slot: String,
    pub raw: String,
    /// How sure we are that the text means this slot.
    pub source: Source,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The contact named the slot ("my phone is …").
    Stated,
    /// A model read it, and the text bears it out: taken if it checks out, and worth a word if not only
    /// when it answers what was asked.
    Model,
    /// The text answers the question that was asked.
    Answer,
    /// A label without a connector ("my cell …" could go on "… later"): taken if it checks out, dropped
    /// quietly if not.
    Mention,
    /// A guess ("I'm …" could start many sentences): dropped quietly if it does not check out, and never
    /// replaces a value already given.
    Guess,
}

impl Extraction {
    pub fn value_for(&self, slot: &str) -> Option<&Proposal> {
        self.values.iter().find(|p| p.slot == slot)
    }
}

/// Reads `text` for `form`, knowing what the engine is waiting for and which slots hold values.
pub fn extract(form: &Form, state: &FormState, text: &str) -> Extraction {
    let yes_or_no_asked = match &state.awaiting {
        Awaiting::Confirmation(_) => true,
        Awaiting::Answer(key) => form.slot(key).is_some_and(|s| s.kind == SlotKind::YesNo),
        Awaiting::Nothing => false,
    };
    let (answer, rest) = if yes_or_no_asked { natural_answer(text) } else { leading_answer(text) };
    // "👍" may be the answer; it is never part of a value.
    let rest = &without_emoji(rest);
    let mut values = Vec::new();

    for (slot, raw, generic_name, source) in labelled(form, rest) {
        // "My name is Maria Garcia" names both; "my first name is Maria José" names one.
        let parts = if generic_name { split_name(form, &raw) } else { vec![(slot, raw)] };
        for (slot, raw) in parts {
            take(&mut values, Proposal { slot, raw, source });
        }
    }
    if let Some(name) = introduced_name(rest) {
        for (slot, raw) in split_name(form, &name) {
            take(&mut values, Proposal { slot, raw, source: Source::Guess });
        }
    }
    if let (Some(slot), Some(email)) = (form.slots.iter().find(|s| s.kind == SlotKind::Email), EMAIL_IN_TEXT.find(rest))
    {
        take(&mut values, Proposal { slot: slot.key.clone(), raw: email.as_str().to_owned(), source: Source::Stated });
    }

    // Otherwise the text answers what was asked, or corrects what is being confirmed, unless it was plainly
    // about something else or is a question.
    if values.is_empty() && !text.contains('?') {
        let bare = strip_fillers(rest);
        for (slot, raw) in bare_answer(form, state, answer, &bare) {
            take(&mut values, Proposal { slot, raw, source: Source::Answer });
        }
    }
    Extraction { answer, values }
}

/// What `text` says when a model read it too (`model`, its values marked [`Source::Model`]). The model is untrusted and may be weak: its
/// values count only where the text bears them out ([`grounding::borne_out`]), and only for slots the rules
/// could not read with a label or as the answer to the question asked. Like a bare reply, a value it
/// reads for what is being confirmed corrects it only after a "no" (or when it can be nothing else, a
/// number), and one word of the text fills one slot: a value sharing words with another slot's is
/// dropped ("Maria Garcia" as both the first and the last name). Also how many of the model's values
/// were dropped as not the contact's.
pub fn with_model(form: &Form, state: &FormState, text: &str, model: Extraction) -> (Extraction, usize) {
    let (model, dropped) = grounding::borne_out(form, model, text);
    let rules = extract(form, state, text);
    let answer = rules.answer.or(model.answer);
    let (guesses, mut values): (Vec<Proposal>, Vec<Proposal>) =
        rules.values.into_iter().partition(|p| p.source == Source::Guess);
    let confirming = match &state.awaiting {
        Awaiting::Confirmation(keys) => keys.as_slice(),
        _ => &[],
    };
    let usable: Vec<Proposal> = model
        .values
        .iter()
        .filter(|p| !values.iter().any(|v| v.slot == p.slot))
        .filter(|p| {
            let structured = form.slot(&p.slot).is_some_and(|s| s.kind.is_structured());
            !confirming.contains(&p.slot) || answer == Some(false) || structured
        })
        .filter(|p| {
            let others = values.iter().chain(&model.values).filter(|o| o.slot != p.slot);
            !others.into_iter().any(|o| shares_words(form, p, o))
        })
        .cloned()
        .collect();
    values.extend(usable);
    for guess in guesses {
        if !values.iter().any(|v| v.slot == guess.slot) {
            values.push(guess);
        }
    }
    (Extraction { answer, values }, dropped)
}

/// Whether two values overlap: one copies the other ("42 Oak St" as the address and the income), or, both
/// written in words (names, addresses, free text), they have a word in common.
fn shares_words(form: &Form, a: &Proposal, b: &Proposal) -> bool {
    let (a_words, b_words) = (crate::text::fold(&a.raw), crate::text::fold(&b.raw));
    let within = |inner: &str, outer: &str| !inner.is_empty() && format!(" {outer} ").contains(&format!(" {inner} "));
    if within(&a_words, &b_words) || within(&b_words, &a_words) {
        return true;
    }
    let worded = |p: &Proposal| form.slot(&p.slot).is_some_and(|s| !s.kind.is_structured());
    worded(a) && worded(b) && {
        let theirs = crate::text::words(&b.raw);
        crate::text::words(&a.raw).iter().any(|w| theirs.contains(w))
    }
}

/// Whether the rules' reading already answers what the form waits on: a yes or no (or a value for what is
/// being confirmed), or a value that checks out for the slot asked. Then a model has nothing to add (it
/// only fills what the rules miss: [`with_model`]) and need not be asked.
pub fn settles(form: &Form, state: &FormState, reading: &Extraction) -> bool {
    let checks_out = |p: &Proposal| {
        form.slot(&p.slot)
            .is_some_and(|slot| read(&slot.kind, &p.raw, &Reading { language: Language::En, sender: None }).is_ok())
    };
    match &state.awaiting {
        Awaiting::Confirmation(keys) => {
            reading.answer.is_some() || reading.values.iter().any(|p| keys.contains(&p.slot) && checks_out(p))
        }
        Awaiting::Answer(key) => reading.values.iter().any(|p| &p.slot == key && checks_out(p)),
        Awaiting::Nothing => !reading.values.is_empty() && reading.values.iter().all(checks_out),
    }
}

/// Keeps the first value given for each slot.
fn take(values: &mut Vec<Proposal>, proposal: Proposal) {
    if !values.iter().any(|v| v.slot == proposal.slot) {
        values.push(proposal);
    }
}

/// A whole-text yes/no, or a yes/no word starting a longer text ("no, it's 90k"): the answer and the rest.
fn leading_answer(text: &str) -> (Option<bool>, &str) {
    if let Some(yes) = yes_no(text) {
        return (Some(yes), "");
    }
    let trimmed = text.trim_start();
    let first_word_end = trimmed.find(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’').unwrap_or(trimmed.len());
    let (word, rest) = trimmed.split_at(first_word_end);
    let followed_by_break = rest.starts_with([',', '.', '!', ';', ':', '-', '\n']);
    match (yes_no(word), followed_by_break) {
        (Some(yes), true) => (Some(yes), rest.trim_start_matches(|c: char| c.is_whitespace() || ",.!;:-".contains(c))),
        _ => (None, text),
    }
}

/// How people answer a yes/no question: "this one is fine", "sí, ese", "not that one", "👍", and "no, it's
/// 42 Oak St" (a no, then a correction). The answer is read from the first clause when it is short and
/// has no numbers, or from the whole text when that is; the rest is what follows it.
fn natural_answer(text: &str) -> (Option<bool>, &str) {
    let (answer, rest) = leading_answer(text);
    if answer.is_some() {
        // "nope, not that one": what follows the no only says no again.
        let again = grounding::answers(rest).is_some() && !has_value(rest);
        return (answer, if again { "" } else { rest });
    }
    // A question is no answer ("Good question, what's this for?"), and a yes word deep in a longer clause is
    // no yes ("Right now I'm at work").
    let clause_end = text.find([',', '.', '!', ';', ':', '\n']).unwrap_or(text.len());
    let (clause, rest) = text.split_at(clause_end);
    let short = clause.split_whitespace().count() <= 4;
    match grounding::answers(clause) {
        Some(answer) if short && !has_value(clause) && !text.contains('?') => {
            let rest = rest.trim_start_matches(|c: char| c.is_whitespace() || ",.!;:-".contains(c));
            let again = grounding::answers(rest).is_some() && !has_value(rest);
            (Some(answer), if again { "" } else { rest })
        }
        _ => (None, text),
    }
}

/// Whether a short text could carry a value rather than only a yes or a no: it has a digit, or more
/// words than an answer needs.
fn has_value(text: &str) -> bool {
    text.chars().any(|c| c.is_ascii_digit()) || text.split_whitespace().count() > 6
}

/// The words a contact uses for each kind of slot besides the slot's own label: nouns ("last name"),
/// which need "my" or a connector ("is", ":") before the value, and phrases that say it all ("I make").
fn labels(slot: &Slot) -> (Vec<String>, Vec<String>) {
    let (nouns, phrases): (&[&str], &[&str]) = match &slot.kind {
        SlotKind::PersonName { part: NamePart::Given } => {
            (&["first name", "given name", "name", "primer nombre", "nombre"], &[])
        }
        SlotKind::PersonName { part: NamePart::Family } => {
            (&["last name", "surname", "family name", "apellidos", "apellido"], &[])
        }
        SlotKind::PersonName { part: NamePart::Full } => (&["full name", "name", "nombre completo", "nombre"], &[]),
        SlotKind::Phone { .. } => (
            &[
                "phone number",
                "cell number",
                "mobile number",
                "phone",
                "cell",
                "mobile",
                "numero de telefono",
                "telefono",
                "celular",
            ],
            &[],
        ),
        SlotKind::PostalAddress => (
            &["home address", "current address", "address", "direccion actual", "direccion"],
            &["i live at", "vivo en"],
        ),
        SlotKind::Money { .. } => (
            &["annual income", "yearly income", "income", "salary", "ingreso anual", "ingresos", "ingreso", "salario"],
            &["i make", "i earn", "gano"],
        ),
        SlotKind::Email => (&["email address", "email", "e-mail", "correo electronico", "correo"], &[]),
        _ => (&[], &[]),
    };
    let prepare = |list: Vec<String>| {
        let mut list: Vec<String> = list.into_iter().filter(|l| !l.is_empty()).collect();
        list.sort_by_key(|l| std::cmp::Reverse(l.len()));
        list.dedup();
        list
    };
    let own = [slot.label.en.as_str(), slot.label.es.as_deref().unwrap_or_default()].into_iter().map(fold);
    let nouns = prepare(own.chain(nouns.iter().map(|l| fold(l))).collect());
    let phrases = prepare(phrases.iter().map(|l| fold(l)).collect());
    (nouns, phrases)
}

/// What may stand between a label and its value.
const CONNECTOR: &str = r"(?:is|was|would be|will be|es|son|sera|será|:|=|-)";

/// A label as a pattern that ignores case, accents and the spacing between its words.
fn label_pattern(label: &str) -> String {
    label
        .split(' ')
        .map(|word| {
            word.chars()
                .map(|c| match c {
                    'a' => "[aá]".to_owned(),
                    'e' => "[eé]".to_owned(),
                    'i' => "[ií]".to_owned(),
                    'o' => "[oó]".to_owned(),
                    'u' => "[uúü]".to_owned(),
                    other => regex::escape(&other.to_string()),
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join(r"[\s\-]+")
}

/// `pattern` compiled, once: a form's label patterns are the same on every text.
fn compiled(pattern: &str) -> Option<Regex> {
    static CACHE: LazyLock<std::sync::Mutex<std::collections::HashMap<String, Regex>>> =
        LazyLock::new(Default::default);
    let mut cache = CACHE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(regex) = cache.get(pattern) {
        return Some(regex.clone());
    }
    let regex = Regex::new(pattern).ok()?;
    // Forms are few, and a bound keeps a stream of forms from growing it for ever.
    if cache.len() < 10_000 {
        cache.insert(pattern.to_owned(), regex.clone());
    }
    Some(regex)
}

/// Values the text names explicitly: "my last name is Smith", "income: 85k", "vivo en Calle 5 #10".
/// Each comes with whether its label was a bare "name", which may cover a whole name.
fn labelled(form: &Form, text: &str) -> Vec<(String, String, bool, Source)> {
    struct Found {
        slot: String,
        label_start: usize,
        value_start: usize,
        free: bool,
        generic_name: bool,
        source: Source,
    }
    let mut found: Vec<Found> = Vec::new();
    for slot in &form.slots {
        let (nouns, phrases) = labels(slot);
        let alternation = |list: &[String]| list.iter().map(|l| label_pattern(l)).collect::<Vec<_>>().join("|");
        let mut patterns = Vec::new();
        if !nouns.is_empty() {
            let nouns = alternation(&nouns);
            patterns
                .push((format!(r"(?i)\b(?:(?:my|mi|su)\s+)?(?P<label>{nouns})\b\s*{CONNECTOR}\s*"), Source::Stated));
            patterns.push((format!(r"(?i)\b(?:my|mi|su)\s+(?P<label>{nouns})\b\s*"), Source::Mention));
        }
        if !phrases.is_empty() {
            patterns.push((format!(r"(?i)\b(?P<label>{})\b\s*", alternation(&phrases)), Source::Stated));
        }
        for (pattern, source) in patterns {
            let Some(regex) = compiled(&pattern) else { continue };
            for captures in regex.captures_iter(text) {
                let (Some(whole), Some(label)) = (captures.get(0), captures.name("label")) else { continue };
                let folded = fold(label.as_str());
                found.push(Found {
                    slot: slot.key.clone(),
                    label_start: whole.start(),
                    value_start: whole.end(),
                    free: matches!(slot.kind, SlotKind::PostalAddress | SlotKind::FreeText),
                    generic_name: matches!(slot.kind, SlotKind::PersonName { part: NamePart::Given })
                        && (folded == "name" || folded == "nombre"),
                    source,
                });
            }
        }
    }
    // "last name is Smith" also contains "name is Smith": keep the longer label where matches overlap.
    let kept: Vec<&Found> = found
        .iter()
        .filter(|f| {
            !found.iter().any(|g| {
                !std::ptr::eq(*f, g)
                    && g.label_start <= f.label_start
                    && g.value_start >= f.value_start
                    && (g.value_start - g.label_start) > (f.value_start - f.label_start)
            })
        })
        .collect();
    let mut values: Vec<(String, String, bool, Source)> = Vec::new();
    for f in &kept {
        if values.iter().any(|(slot, _, _, _)| slot == &f.slot) {
            continue;
        }
        // A value runs to the next label, or to the end of its clause.
        let next_label = kept.iter().map(|g| g.label_start).filter(|&s| s > f.value_start).min().unwrap_or(text.len());
        let value = clause(&text[f.value_start..next_label], f.free);
        let value = value.trim_end_matches(|c: char| c.is_whitespace() || ",;".contains(c)).trim();
        let value = strip_trailing_joiner(value);
        if !value.is_empty() {
            values.push((f.slot.clone(), value.to_owned(), f.generic_name, f.source));
        }
    }
    values
}

/// The start of `text` up to where its clause ends. Addresses and free text keep their commas; elsewhere
/// a comma ends a clause only when a space follows it, so "$90,000" survives.
fn clause(text: &str, free: bool) -> &str {
    let mut end = text.find(['!', '?', ';', '\n']).unwrap_or(text.len());
    if !free && let Some(comma) = text.find(", ") {
        end = end.min(comma);
    }
    // A full stop ends a clause when a space follows it (so "St. Louis" and "85.000" survive).
    if let Some(stop) = text.match_indices(". ").map(|(i, _)| i).next() {
        end = end.min(stop);
    }
    // "and" ends a clause, unless it joins the words of a number ("ochenta y cinco mil").
    if !free
        && let Some(joiner) = JOINER.find_iter(text).find(|j| {
            let next = text[j.end()..].split_whitespace().next().unwrap_or_default();
            !spelled::is_number_word(next)
        })
    {
        end = end.min(joiner.start());
    }
    text[..end].trim_end_matches('.')
}

fn strip_trailing_joiner(value: &str) -> &str {
    for joiner in [" and", " y", " but", " pero"] {
        let cut = value.len().saturating_sub(joiner.len());
        if value.is_char_boundary(cut) && value[cut..].eq_ignore_ascii_case(joiner) {
            return value[..cut].trim_end();
        }
    }
    value
}

static JOINER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)\s(?:and|y|but|pero)\s").expect("the joiner pattern compiles"));

static INTRODUCTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:^|[\s,.!¡])(?:i'?m|i’m|i am|this is|my name is|me llamo|mi nombre es|soy)\s+(?P<name>[^\s,.!?;0-9]+(?:\s+[^\s,.!?;0-9]+){0,2})")
        .expect("the introduction pattern compiles")
});

static EMAIL_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
        .expect("the email pattern compiles")
});

/// "I'm Maria Garcia", "me llamo María": the first introduction in the text ("I'm looking for a flat" is
/// none), trimmed of words that plainly are not part of the name.
fn introduced_name(text: &str) -> Option<String> {
    let stop = ["and", "y", "from", "de", "here", "aqui", "looking", "interested", "calling", "texting", "with", "con"];
    INTRODUCTION.captures_iter(text).find_map(|captures| {
        let captured = captures.name("name")?.as_str();
        let words: Vec<&str> = captured.split_whitespace().take_while(|w| !stop.contains(&fold(w).as_str())).collect();
        (!words.is_empty()).then(|| words.join(" "))
    })
}

/// A full name spread over the form's name slots: given name first, the rest the family name.
fn split_name(form: &Form, name: &str) -> Vec<(String, String)> {
    let given = form.name_slot(NamePart::Given);
    let family = form.name_slot(NamePart::Family);
    let full = form.name_slot(NamePart::Full);
    match (given, family, full, name.split_once(' ')) {
        (Some(g), Some(f), _, Some((first, rest))) => {
            vec![(g.key.clone(), first.to_owned()), (f.key.clone(), rest.trim().to_owned())]
        }
        (Some(g), _, _, None) => vec![(g.key.clone(), name.to_owned())],
        (_, _, Some(full), _) => vec![(full.key.clone(), name.to_owned())],
        (Some(g), None, None, Some(_)) => vec![(g.key.clone(), name.to_owned())],
        _ => Vec::new(),
    }
}

/// What a text with no labelled value says for the slot the engine waits on.
///
/// An answer to a question is taken as written. While values are being confirmed, a bare text is a
/// correction only after an explicit "no", or when it could be nothing but such a value (a phone number,
/// an amount, an email, a date): "Perfect" in reply to "Is that right?" is not a new name.
fn bare_answer(form: &Form, state: &FormState, answer: Option<bool>, bare: &str) -> Vec<(String, String)> {
    if bare.is_empty() {
        return Vec::new();
    }
    match &state.awaiting {
        Awaiting::Answer(key) => {
            let Some(slot) = form.slot(key) else { return Vec::new() };
            if slot.kind == SlotKind::YesNo {
                return answer
                    .or_else(|| yes_no(bare))
                    .map(|yes| vec![(key.clone(), if yes { "yes" } else { "no" }.into())])
                    .unwrap_or_default();
            }
            answer_for(form, state, slot, bare)
        }
        Awaiting::Confirmation(keys) => {
            let slots: Vec<&Slot> = keys.iter().filter_map(|k| form.slot(k)).collect();
            // Several values read back: the correction is for the one it could be ("no, it's 42 Oak St" is
            // the address, not a name), else the first.
            let fitting = slots.iter().copied().filter(|s| could_be(&s.kind, bare)).min_by_key(|s| shape_rank(&s.kind));
            let Some(slot) = fitting.or(slots.first().copied()) else { return Vec::new() };
            let structured = slot.kind.is_structured();
            if answer != Some(false) && !(answer.is_none() && structured) {
                return Vec::new();
            }
            if fitting.is_some() {
                return vec![(slot.key.clone(), bare.to_owned())];
            }
            let pair = [NamePart::Given, NamePart::Family]
                .map(|part| form.name_slot(part).is_some_and(|s| keys.contains(&s.key)));
            match (pair, bare.split_whitespace().count()) {
                // Both names were read back: a correction names both, or it is unclear which it means.
                ([true, true], 1) => Vec::new(),
                ([true, true], _) => split_name(form, bare),
                _ => vec![(slot.key.clone(), bare.to_owned())],
            }
        }
        Awaiting::Nothing => Vec::new(),
    }
}

/// Whether `bare` has the shape of a value of `kind` (names are told apart by the engine's check).
fn could_be(kind: &SlotKind, bare: &str) -> bool {
    let reading = Reading { language: Language::En, sender: None };
    let digits = bare.chars().filter(char::is_ascii_digit).count();
    let letters = bare.chars().filter(|c| c.is_alphabetic()).count();
    match kind {
        // Without the sender's country a national number does not parse: its shape will do.
        SlotKind::Phone { .. } => digits >= 7 && letters <= 3,
        SlotKind::PersonName { .. } => false,
        other => read(other, bare, &reading).is_ok(),
    }
}

/// Which shapes to try first: the most particular.
fn shape_rank(kind: &SlotKind) -> u8 {
    match kind {
        SlotKind::Email => 0,
        SlotKind::Phone { .. } => 1,
        SlotKind::Date => 2,
        SlotKind::PostalAddress => 3,
        SlotKind::Money { .. } => 4,
        _ => 5,
    }
}

/// The bare answer to `slot`'s question; a two-word answer to "first name?" fills the last name too
/// while the form still lacks it.
fn answer_for(form: &Form, state: &FormState, slot: &Slot, bare: &str) -> Vec<(String, String)> {
    let family_empty = form.name_slot(NamePart::Family).is_some_and(|f| !state.slots.contains_key(&f.key));
    let given = matches!(slot.kind, SlotKind::PersonName { part: NamePart::Given });
    let whole_name =
        read(&SlotKind::PersonName { part: NamePart::Full }, bare, &Reading { language: Language::En, sender: None })
            .is_ok();
    if given && family_empty && whole_name && bare.split_whitespace().count() > 1 {
        return split_name(form, bare);
    }
    vec![(slot.key.clone(), bare.to_owned())]
}

/// `text` without emoji and pictographs (and the joiners between them).
fn without_emoji(text: &str) -> String {
    let emoji = |c: char| {
        let code = u32::from(c);
        matches!(code, 0x2190..=0x2BFF | 0x1F000..=0x1FAFF | 0xFE00..=0xFE0F | 0x200D | 0x20E3 | 0xE0020..=0xE007F)
    };
    let kept: String = text.chars().filter(|c| !emoji(*c)).collect();
    kept.lines().map(|line| line.split_whitespace().collect::<Vec<_>>().join(" ")).collect::<Vec<_>>().join("\n")
}

/// Words around an answer that are not the answer: "it's 85k thanks" is "85k".
fn strip_fillers(text: &str) -> String {
    const LEADING: &[&str] = &[
        "actually",
        "umm",
        "ummm",
        "hmm",
        "mmm",
        "mm",
        "eh",
        "i think",
        "i guess",
        "probably",
        "creo que",
        "pues",
        "bueno",
        "sorry",
        "oops",
        "i mean",
        "it's",
        "its",
        "it is",
        "that's",
        "thats",
        "that is",
        "sure",
        "ok",
        "okay",
        "um",
        "uh",
        "well",
        "perdon",
        "perdón",
        "en realidad",
        "quise decir",
        "es",
        "son",
    ];
    const TRAILING: &[&str] = &["thanks", "thank you", "thx", "gracias", "please", "por favor"];
    let mut rest = text.trim().trim_matches(|c: char| ",.!;:-".contains(c)).trim();
    loop {
        let lower = rest.to_lowercase();
        let Some(filler) = LEADING.iter().find(|f| {
            lower.starts_with(*f) && lower[f.len()..].starts_with(|c: char| c.is_whitespace() || ",:".contains(c))
        }) else {
            break;
        };
        rest = rest[filler.len()..].trim_start_matches(|c: char| c.is_whitespace() || ",:".contains(c));
    }
    loop {
        let lower = rest.to_lowercase();
        let Some(filler) = TRAILING.iter().find(|f| lower.ends_with(*f) && lower.len() > f.len()) else { break };
        rest = rest[..rest.len() - filler.len()].trim_end_matches(|c: char| c.is_whitespace() || ",.!".contains(c));
    }
    rest.trim().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screening() -> Form {
        Form::tenant_screening()
    }

    fn asking(key: &str) -> FormState {
        FormState { awaiting: Awaiting::Answer(key.to_owned()), ..FormState::default() }
    }

    fn confirming(key: &str) -> FormState {
        FormState { awaiting: Awaiting::Confirmation(vec![key.to_owned()]), ..FormState::default() }
    }

    fn values(extraction: &Extraction) -> Vec<(&str, &str)> {
        extraction.values.iter().map(|p| (p.slot.as_str(), p.raw.as_str())).collect()
    }

    #[test]
    fn an_introduction_fills_both_names() {
        let e = extract(&screening(), &asking("first_name"), "Hi! I'm Maria Garcia, looking for a flat");
        assert_eq!(values(&e), [("first_name", "Maria"), ("last_name", "Garcia")]);
        let e = extract(&screening(), &FormState::default(), "Hola, me llamo María García");
        assert_eq!(values(&e), [("first_name", "María"), ("last_name", "García")]);
    }

    #[test]
    fn a_bare_answer_answers_the_question_asked() {
        assert_eq!(values(&extract(&screening(), &asking("first_name"), "maria")), [("first_name", "maria")]);
        assert_eq!(
            values(&extract(&screening(), &asking("first_name"), "Maria Garcia")),
            [("first_name", "Maria"), ("last_name", "Garcia")]
        );
        assert_eq!(
            values(&extract(&screening(), &asking("annual_income"), "it's about 85k, thanks")),
            [("annual_income", "about 85k")]
        );
        assert_eq!(
            values(&extract(&screening(), &asking("address"), "123 Main St, Springfield, IL")),
            [("address", "123 Main St, Springfield, IL")]
        );
    }

    #[test]
    fn labelled_values_are_found_anywhere() {
        let e = extract(&screening(), &asking("phone"), "actually my last name is Smith");
        assert_eq!(values(&e), [("last_name", "Smith")]);
        let e = extract(&screening(), &asking("address"), "I live at 5 Elm Street and I make $90,000 a year");
        assert_eq!(values(&e), [("address", "5 Elm Street"), ("annual_income", "$90,000 a year")]);
        let e = extract(&screening(), &asking("phone"), "My name is Maria Garcia");
        assert_eq!(values(&e), [("first_name", "Maria"), ("last_name", "Garcia")]);
        let e = extract(&screening(), &asking("first_name"), "Mi apellido es Pérez");
        assert_eq!(values(&e), [("last_name", "Pérez")]);
    }

    #[test]
    fn a_leading_no_is_an_answer_and_the_rest_a_correction() {
        let income = confirming("annual_income");
        let e = extract(&screening(), &income, "no, it's 90k");
        assert_eq!(e.answer, Some(false));
        assert_eq!(values(&e), [("annual_income", "90k")]);

        let e = extract(&screening(), &income, "Yes!");
        assert_eq!(e.answer, Some(true));
        assert!(e.values.is_empty());

        let e = extract(&screening(), &confirming("first_name"), "Noah");
        assert_eq!(e.answer, None, "a name that starts with 'no' is not a no");
        assert!(e.values.is_empty(), "nor a correction without one");
        let e = extract(&screening(), &confirming("first_name"), "no, Noah");
        assert_eq!(values(&e), [("first_name", "Noah")]);
    }

    #[test]
    fn small_talk_is_not_a_name() {
        assert!(extract(&screening(), &FormState::default(), "I'm looking for a two-bedroom flat").values.is_empty());
        let e = extract(&screening(), &FormState::default(), "I'm good, thanks");
        assert!(e.values.iter().all(|p| p.source == Source::Guess), "only a guess, which the engine checks: {e:?}");
    }

    fn stated(slot: &str, raw: &str) -> Proposal {
        Proposal { slot: slot.into(), raw: raw.into(), source: Source::Model }
    }

    #[test]
    fn the_models_reading_counts_only_where_the_text_bears_it_out() {
        let model = Extraction {
            answer: Some(true),
            values: vec![
                stated("first_name", "María"),
                stated("last_name", "Doe"),
                stated("address", "123 Main Street"),
                stated("annual_income", "$85,000"),
            ],
        };
        let (reading, dropped) = with_model(&screening(), &asking("first_name"), "maria here, I make 85k", model);
        assert_eq!(
            values(&reading),
            [("annual_income", "85k"), ("first_name", "maria")],
            "the rules' labelled value, then the model's in the contact's spelling"
        );
        assert_eq!(dropped, 2, "the invented last name and address");
        assert_eq!(reading.answer, None, "the text says no yes");
    }

    #[test]
    fn a_yes_word_inside_other_words_is_no_yes() {
        for not_an_answer in ["Right now I'm at work", "Good question, what's this for?", "fine, but why do you ask?"] {
            assert_eq!(extract(&screening(), &confirming("first_name"), not_an_answer).answer, None, "{not_an_answer}");
        }
        for yes in ["this one is fine", "sounds good to me", "yep that works 👍"] {
            assert_eq!(extract(&screening(), &confirming("phone"), yes).answer, Some(true), "{yes}");
        }
    }

    #[test]
    fn a_text_the_rules_read_whole_needs_no_model() {
        let form = screening();
        let settled = |state: &FormState, text: &str| settles(&form, state, &extract(&form, state, text));
        assert!(settled(&confirming("first_name"), "yes"));
        assert!(settled(&asking("annual_income"), "85k"));
        assert!(settled(&FormState::default(), "Hi, I'm Maria Garcia"));
        assert!(!settled(&asking("annual_income"), "a fair amount"), "the model may read what the rules cannot");
        assert!(!settled(&confirming("first_name"), "hmm"));
        assert!(!settled(&FormState::default(), "Hi, I'd like to apply"));
    }

    #[test]
    fn a_weak_models_reading_gives_way_to_the_rules() {
        let (reading, _) = with_model(&screening(), &asking("first_name"), "Mary", Extraction::default());
        assert_eq!(values(&reading), [("first_name", "Mary")], "a model that reads nothing");

        let twice = Extraction {
            answer: None,
            values: vec![stated("first_name", "Maria Garcia"), stated("last_name", "Maria Garcia")],
        };
        let (reading, _) = with_model(&screening(), &asking("first_name"), "I'm Maria Garcia", twice);
        assert_eq!(values(&reading), [("first_name", "Maria"), ("last_name", "Garcia")], "one word, one slot");

        let perfect = Extraction { answer: None, values: vec![stated("first_name", "Perfect")] };
        let (reading, _) = with_model(&screening(), &confirming("first_name"), "Perfect", perfect);
        assert!(reading.values.is_empty(), "a bare word is no correction of what is confirmed: {reading:?}");

        let (reading, _) =
            with_model(&screening(), &confirming("first_name"), "yes, and my income is 90k", Extraction::default());
        assert_eq!(reading.answer, Some(true));
        assert_eq!(values(&reading), [("annual_income", "90k")], "a value the contact labelled");
    }

    #[test]
    fn an_email_is_recognised_by_its_shape() {
        let mut form = screening();
        form.slots.push(Slot {
            key: "email".into(),
            label: super::super::Localized::new("email", "correo"),
            question: super::super::Localized::new("Your email?", "¿Su correo?"),
            kind: SlotKind::Email,
            required: false,
            confirm: true,
            depends_on: vec![],
        });
        let e = extract(&form, &asking("first_name"), "Maria, maria.g@example.com");
        assert!(values(&e).contains(&("email", "maria.g@example.com")), "{e:?}");
    }
}
