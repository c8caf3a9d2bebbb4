//! What the form engine works on and decides: a form's state between turns, a contact's turn, and what to
//! tell them. Types only; the deciding is `engine`'s (and `stuck`'s, for questions that would loop).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::extract::{Extraction, Source};
use super::value::{Invalid, SlotValue};
use crate::{Language, PhoneNumber};

/// Where a conversation's form stands. Stored between turns.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FormState {
    #[serde(default)]
    pub slots: BTreeMap<String, SlotState>,
    #[serde(default)]
    pub awaiting: Awaiting,
    /// Phone slots whose sender's number was offered once already.
    #[serde(default)]
    pub offered: BTreeSet<String>,
    /// Every value is confirmed and was submitted.
    #[serde(default)]
    pub completed: bool,
    /// How many times the form was submitted (more than once after corrections).
    #[serde(default)]
    pub submissions: u32,
    /// The values last submitted: completing again without a change submits nothing.
    #[serde(default)]
    pub submitted: BTreeMap<String, SlotValue>,
    /// How many turns in a row the contact was asked the same thing the same way: the third time, the
    /// engine asks another way (`form::stuck`).
    #[serde(default)]
    pub repeated: u32,
    /// Slots taken as the contact gave them, without their yes or without passing their check: the
    /// submission marks them for a person to verify.
    #[serde(default)]
    pub unverified: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SlotState {
    /// Read from the contact and waiting for their yes; `previous` is the confirmed value it would replace.
    Proposed {
        value: SlotValue,
        previous: Option<SlotValue>,
    },
    Confirmed {
        value: SlotValue,
    },
    Skipped,
}

impl SlotState {
    pub fn confirmed(&self) -> Option<&SlotValue> {
        match self {
            SlotState::Confirmed { value } => Some(value),
            _ => None,
        }
    }
}

/// What the engine waits for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "for", content = "slots", rename_all = "snake_case")]
pub enum Awaiting {
    /// Nothing asked (a new form, or a complete one).
    #[default]
    Nothing,
    /// The answer to this slot's question.
    Answer(String),
    /// A yes or no on these proposed values.
    Confirmation(Vec<String>),
}

/// What to tell the contact, in order; `form::wording` turns it into words.
#[derive(Debug, Clone, PartialEq)]
pub enum Say {
    /// The answer for this slot could not be used, and why.
    Invalid {
        slot: String,
        why: Invalid,
    },
    /// A confirmation got neither a yes nor a no.
    NeedYesNo,
    /// The contact said no to what was read back.
    Sorry,
    /// The contact asked something the form cannot answer.
    OffTopic,
    /// Read these values back for a yes; `updated` when they replace confirmed ones.
    Confirm {
        values: Vec<(String, String)>,
        updated: bool,
    },
    /// Ask whether confirmed values still hold after a value they depend on changed.
    Reconfirm {
        values: Vec<(String, String)>,
    },
    /// Offer the number the contact texts from for a phone slot.
    OfferSender {
        number: String,
    },
    Ask {
        slot: String,
    },
    /// Everything is confirmed: the values, for a summary. `updated` when a correction completed it again.
    Complete {
        values: Vec<(String, String)>,
        updated: bool,
    },
    /// A correction of a finished form was taken back: nothing changed.
    Unchanged,
    /// The slot's question a third time, another way: with an example of what is expected.
    Example {
        slot: String,
    },
    /// A confirmation a third time, another way: exactly what to reply.
    ConfirmPlainly {
        values: Vec<(String, String)>,
    },
    /// These values are taken as given, unverified, after the contact was asked too often.
    TakenAsGiven {
        values: Vec<(String, String)>,
    },
    /// A person takes it from here: the contact was asked too often, and nothing plausible was given.
    OfferPerson {
        slot: String,
    },
}

/// The result of a turn.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub state: FormState,
    /// Empty when the text meant nothing to a complete form: the caller answers it another way.
    pub says: Vec<Say>,
    /// The form became complete this turn: submit these values.
    pub submission: Option<BTreeMap<String, SlotValue>>,
    /// The contact is stuck and a person should take the conversation over (the reply says so).
    pub hand_over: bool,
}

/// A contact's turn, as the engine sees it.
#[derive(Debug, Clone, Copy)]
pub struct Turn<'a> {
    pub text: &'a str,
    pub extraction: &'a Extraction,
    /// The contact's number, offered for a phone slot; a web chat session has none.
    pub sender: Option<&'a PhoneNumber>,
    /// Whose country a phone number written without one is in: the sender's, or for a web chat the
    /// business's.
    pub dialling_from: Option<&'a PhoneNumber>,
    pub language: Language,
}

/// A value read for a slot that did not pass its check.
pub(super) struct Refusal {
    pub slot: String,
    pub why: Invalid,
    pub source: Source,
    /// As the contact wrote it.
    pub raw: String,
}
