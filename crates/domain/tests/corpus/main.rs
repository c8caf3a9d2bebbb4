//! The dialogue corpus: 120 contacts, in English and Spanish, each texting the tenant-screening form their
//! own way (typos, several values in one text, answers out of order, corrections, hedges, emoji, all
//! caps), run through the engine without a model and with a scripted adversarial one.
//!
//! Every dialogue must complete with exactly what the contact meant, with no value they did not write, no
//! question going out the same way a third time, and no complaint about a value that was not asked for.
//! `cargo test -p smsagent-domain --test corpus -- --nocapture` prints the completion rate and the turns
//! per completed form.

// The completion rate and texts per form are this test's report (shown with --nocapture).
#![allow(clippy::print_stdout)]

mod contact;
mod model;
mod persona;

use smsagent_domain::form::engine::{Awaiting, FormState, Turn, step};
use smsagent_domain::form::{Form, SlotValue, extract, grounding, wording};
use smsagent_domain::{Language, PhoneNumber};

use contact::Contact;
use persona::Persona;

const DIALOGUES: usize = 120;
/// A contact who has not finished by then is stuck.
const MAX_TURNS: usize = 30;
const SENDER: &str = "+15551234567";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Offline,
    AdversarialModel,
}

/// How one dialogue went.
struct Run {
    completed: bool,
    turns: usize,
    problems: Vec<String>,
    transcript: Vec<(String, String)>,
}

fn run(persona: &Persona, mode: Mode) -> Run {
    let form = Form::tenant_screening();
    let sender = PhoneNumber::parse(SENDER).expect("the sender's number");
    let mut contact = Contact::new(persona);
    let mut state = FormState::default();
    let (mut transcript, mut problems) = (Vec::<(String, String)>::new(), Vec::new());
    let mut texts = Vec::new();
    let mut submission = None;
    for turn in 1..=MAX_TURNS {
        let Some(said) = contact.next(&form, &state, SENDER) else { break };
        let extraction = match mode {
            Mode::Offline => extract(&form, &state, &said.text),
            Mode::AdversarialModel => {
                let ours = transcript.last().map_or("", |(_, reply)| reply.as_str());
                let model = model::reading(&said.states, ours, turn);
                extract::with_model(&form, &state, &said.text, model).0
            }
        };
        let outcome = step(
            &form,
            &state,
            &Turn {
                text: &said.text,
                extraction: &extraction,
                sender: Some(&sender),
                dialling_from: Some(&sender),
                language: persona.language,
            },
        );
        let reply = wording::render(&form, &outcome.says, persona.language);
        check_reply(&state, &reply, &transcript, &mut problems);
        texts.push(said.text.clone());
        transcript.push((said.text, reply));
        state = outcome.state;
        if outcome.hand_over {
            problems.push("handed to a person".into());
            break;
        }
        if let Some(values) = outcome.submission {
            submission = Some(values);
            break;
        }
    }
    let Some(values) = submission else {
        problems.push("never completed".into());
        return Run { completed: false, turns: transcript.len(), problems, transcript };
    };
    check_submission(&form, persona, &values, &texts.join("\n"), &mut problems);
    Run { completed: problems.is_empty(), turns: transcript.len(), problems, transcript }
}

/// No complaint about a phone number unless one was asked for, and no question a third time the same way.
fn check_reply(before: &FormState, reply: &str, transcript: &[(String, String)], problems: &mut Vec<String>) {
    let phone_asked = match &before.awaiting {
        Awaiting::Answer(key) => key == "phone",
        Awaiting::Confirmation(keys) => keys.iter().any(|k| k == "phone"),
        Awaiting::Nothing => false,
    };
    let phone_complaint = ["doesn't look like a phone number", "no parece un número de teléfono"];
    if !phone_asked && phone_complaint.iter().any(|c| reply.contains(c)) {
        problems.push(format!("a phone complaint while asking something else: {reply:?}"));
    }
    // The question is what is left once the apologies are off: "Sorry, … Got it: X. Is that right?".
    let question = |text: &str| {
        let sentences = text.split_inclusive(['.', '?']).map(str::trim);
        sentences.filter(|s| !s.starts_with("Sorry") && !s.starts_with("Disculpe")).collect::<Vec<_>>().join(" ")
    };
    let repeats = transcript.iter().rev().take(2).filter(|(_, earlier)| question(earlier) == question(reply)).count();
    if repeats == 2 {
        problems.push(format!("asked a third time the same way: {reply:?}"));
    }
}

/// Exactly what the persona meant, and nothing it did not write.
fn check_submission(
    form: &Form,
    persona: &Persona,
    values: &std::collections::BTreeMap<String, SlotValue>,
    said: &str,
    problems: &mut Vec<String>,
) {
    let fold = smsagent_domain::text::fold;
    let phone = persona.other_phone.map_or(SENDER, |(_, e164)| e164);
    for (key, value) in values {
        let right = match (key.as_str(), value) {
            ("first_name", SlotValue::Text(v)) => fold(v) == fold(persona.first),
            ("last_name", SlotValue::Text(v)) => fold(v) == fold(persona.last),
            ("phone", SlotValue::Text(v)) => v == phone,
            ("address", SlotValue::Text(v)) => fold(v) == fold(persona.address),
            ("annual_income", SlotValue::Cents(c)) => *c == persona.income.1 * 100,
            _ => false,
        };
        if !right {
            problems.push(format!("submitted {key} = {value:?}, not what the contact meant"));
        }
        let shown = value.display(&form.slot(key).expect("a slot of the form").kind, persona.language);
        let raw = match value {
            SlotValue::Cents(c) => (c / 100).to_string(),
            SlotValue::Text(text) => text.clone(),
            SlotValue::Bool(b) => b.to_string(),
        };
        let theirs =
            (key == "phone" && raw == SENDER) || grounding::grounded(&form.slot(key).expect("a slot").kind, &raw, said);
        if !theirs || model::INVENTED.iter().any(|i| raw.contains(i)) {
            problems.push(format!("submitted {key} = {shown:?}, which the contact never wrote"));
        }
    }
    if values.len() != form.slots.len() {
        problems.push(format!("submitted {} values of {}", values.len(), form.slots.len()));
    }
}

/// Runs the corpus in one mode; prints its figures and the first failures.
fn run_all(mode: Mode) -> Vec<String> {
    let personas = persona::corpus(DIALOGUES);
    let runs: Vec<(&Persona, Run)> = personas.iter().map(|p| (p, run(p, mode))).collect();
    for language in [Language::En, Language::Es] {
        let of: Vec<&Run> = runs.iter().filter(|(p, _)| p.language == language).map(|(_, r)| r).collect();
        let done: Vec<usize> = of.iter().filter(|r| r.completed).map(|r| r.turns).collect();
        let mean = done.iter().sum::<usize>() as f64 / done.len().max(1) as f64;
        println!(
            "{mode:?} {language:?}: {}/{} completed ({:.0}%), {mean:.1} texts per completed form (min {}, max {})",
            done.len(),
            of.len(),
            100.0 * done.len() as f64 / of.len() as f64,
            done.iter().min().unwrap_or(&0),
            done.iter().max().unwrap_or(&0),
        );
    }
    let mut failures = Vec::new();
    for (n, (persona, run)) in runs.iter().enumerate().filter(|(_, (_, r))| !r.completed) {
        let transcript: String =
            run.transcript.iter().map(|(said, reply)| format!("\n    > {said}\n    < {reply}")).collect();
        failures.push(format!(
            "dialogue {n} {mode:?} {:?} {:?}: {:?}{transcript}",
            persona.language, persona.style, run.problems
        ));
    }
    failures
}

#[test]
fn the_corpus_completes_without_a_model_and_with_an_adversarial_one() {
    let mut failures = run_all(Mode::Offline);
    failures.extend(run_all(Mode::AdversarialModel));
    let shown: Vec<&String> = failures.iter().take(6).collect();
    assert!(
        failures.is_empty(),
        "{} dialogues failed; the first:\n{}",
        failures.len(),
        shown.iter().map(|f| f.as_str()).collect::<Vec<_>>().join("\n\n")
    );
}
