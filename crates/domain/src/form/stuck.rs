//! Never loop: the same question, asked the same way, goes out at most twice.
//!
//! A turn that leaves the form exactly where it was (same question, same values) means the contact did not
//! get through. The first repeat is plain; the second asks another way, with an example of what is
//! expected or exactly what to reply. After that the engine stops asking: a value being confirmed, or an
//! address the contact did give, is taken as given and marked unverified; an optional question is
//! skipped; otherwise a person takes over.

use super::state::{Awaiting, FormState, Outcome, Refusal, Say, SlotState, Turn};
use super::value::{Invalid, SlotValue};
use super::{Form, SlotKind};

/// Changes the outcome of a turn that repeats the question for the third time or more.
/// `move_on` goes on to the next question (or completes the form) once a slot was settled another way.
pub(super) fn unstick(
    form: &Form,
    before: &FormState,
    turn: &Turn,
    refused: &[Refusal],
    outcome: &mut Outcome,
    move_on: impl Fn(&mut Outcome),
) {
    let after = &mut outcome.state;
    let stuck = before.awaiting != Awaiting::Nothing
        && after.awaiting == before.awaiting
        && after.slots == before.slots
        && outcome.submission.is_none();
    after.repeated = if stuck { before.repeated + 1 } else { 0 };
    if after.repeated < 2 {
        return;
    }
    // "I can't answer that here" stays: it answers the contact's question. The rest was the question.
    outcome.says.retain(|say| matches!(say, Say::OffTopic));
    let shown = |state: &FormState, keys: &[String]| -> Vec<(String, String)> {
        keys.iter()
            .filter_map(|key| match (state.slots.get(key), form.slot(key)) {
                (Some(SlotState::Proposed { value, .. }), Some(slot)) => {
                    Some((key.clone(), value.display(&slot.kind, turn.language)))
                }
                _ => None,
            })
            .collect()
    };
    match (&before.awaiting, after.repeated) {
        (Awaiting::Answer(key), 2) => outcome.says.push(Say::Example { slot: key.clone() }),
        (Awaiting::Confirmation(keys), 2) => outcome.says.push(Say::ConfirmPlainly { values: shown(after, keys) }),
        (Awaiting::Confirmation(keys), _) => {
            let values = shown(after, keys);
            for key in keys {
                if let Some(SlotState::Proposed { value, .. }) = after.slots.get(key).cloned() {
                    after.slots.insert(key.clone(), SlotState::Confirmed { value });
                    after.unverified.insert(key.clone());
                }
            }
            outcome.says.push(Say::TakenAsGiven { values });
            move_on(outcome);
        }
        (Awaiting::Answer(key), _) => {
            let Some(slot) = form.slot(key) else { return };
            if let Some(address) = plausible_address(&slot.kind, key, refused) {
                after.slots.insert(key.clone(), SlotState::Confirmed { value: SlotValue::Text(address.clone()) });
                after.unverified.insert(key.clone());
                outcome.says.push(Say::TakenAsGiven { values: vec![(key.clone(), address)] });
                move_on(outcome);
            } else if !slot.required {
                after.slots.insert(key.clone(), SlotState::Skipped);
                move_on(outcome);
            } else {
                after.repeated = 0;
                outcome.says.push(Say::OfferPerson { slot: key.clone() });
                outcome.hand_over = true;
            }
        }
        (Awaiting::Nothing, _) => {}
    }
}

/// An address the contact gave that fell short of the check only for want of a house number ("Oak Street,
/// Springfield", "Rural Route 2"): plausible enough to take as given.
fn plausible_address(kind: &SlotKind, key: &str, refused: &[Refusal]) -> Option<String> {
    if *kind != SlotKind::PostalAddress {
        return None;
    }
    refused.iter().find(|r| r.slot == key && r.why == Invalid::Address).map(|r| r.raw.trim().to_owned()).filter(|raw| {
        raw.split_whitespace().count() >= 2 && crate::text::words(raw).iter().any(|w| STREET.contains(&w.as_str()))
    })
}

/// Words that make a text an address.
const STREET: &[&str] = &[
    "street",
    "st",
    "avenue",
    "ave",
    "road",
    "rd",
    "boulevard",
    "blvd",
    "lane",
    "ln",
    "drive",
    "dr",
    "way",
    "court",
    "ct",
    "place",
    "pl",
    "route",
    "highway",
    "hwy",
    "box",
    "apt",
    "apartment",
    "unit",
    "calle",
    "avenida",
    "av",
    "camino",
    "carretera",
    "colonia",
    "barrio",
    "paseo",
    "plaza",
];
