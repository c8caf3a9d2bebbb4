//! Forms collected in conversation: an ordered list of slots, each asked, validated and (usually)
//! confirmed before the next.
//!
//! The form and its progress live in the database; [`engine::step`] decides every turn. A model may read
//! values out of free text, but whatever it reads goes through the same validation as anything else, and
//! only the engine marks a value confirmed or a form complete.

#[cfg(test)]
mod dialogues;
pub mod engine;
pub mod extract;
pub mod grounding;
pub mod presets;
mod screening;
mod spelled;
mod state;
mod stuck;
pub mod value;
pub mod wording;

use serde::{Deserialize, Serialize};

pub use engine::{Awaiting, FormState, Outcome, Say, SlotState, step};
pub use extract::{Extraction, extract};
pub use value::{Invalid, SlotValue};

use crate::Language;
use crate::text::fold;

/// A form: its questions, asked in order. Each answer is checked by its kind and, unless `confirm` is
/// false, read back for a yes before the next question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"slots": [
    {"key": "first_name", "label": {"en": "first name", "es": "nombre"},
     "question": {"en": "What's your first name?", "es": "¿Cuál es su nombre?"},
     "kind": {"type": "person_name", "part": "given"}},
    {"key": "move_in", "label": "move-in date", "question": "When would you like to move in?",
     "kind": {"type": "date"}, "confirm": false},
    {"key": "pets", "label": "pets", "question": "Any pets? (dog, cat, none)",
     "kind": {"type": "choice", "options": ["dog", "cat", "none"]}, "required": false}
]}))]
pub struct Form {
    /// 1 to 30 questions, asked in this order.
    #[schema(min_items = 1, max_items = 30)]
    pub slots: Vec<Slot>,
}

/// One question of a form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Slot {
    /// The value's name in submissions: 1 to 40 lower-case letters, digits or underscores, starting with a
    /// letter, unique in the form.
    #[schema(pattern = "^[a-z][a-z0-9_]{0,39}$", example = "first_name")]
    pub key: String,
    /// How replies name the value ("last name").
    #[schema(value_type = LocalizedRepr)]
    pub label: Localized,
    /// How the value is asked for.
    #[schema(value_type = LocalizedRepr)]
    pub question: Localized,
    pub kind: SlotKind,
    /// Whether an answer is needed; an optional slot may be skipped ("skip", "none").
    #[serde(default = "yes", skip_serializing_if = "is_yes")]
    #[schema(default = true)]
    pub required: bool,
    /// Whether the value is read back for a yes before moving on.
    #[serde(default = "yes", skip_serializing_if = "is_yes")]
    #[schema(default = true)]
    pub confirm: bool,
    /// Keys of earlier slots whose change makes this one's confirmation run again.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
}

fn yes() -> bool {
    true
}

/// Defaults are left out when a form is written, so a form reads back as it was written.
fn is_yes(value: &bool) -> bool {
    *value
}

/// A text in English and, optionally, Spanish. Written as a plain string when there is only English.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "LocalizedRepr", into = "LocalizedRepr")]
pub struct Localized {
    pub en: String,
    pub es: Option<String>,
}

/// A text in English, or in English and Spanish: `"first name"`, or `{"en": "first name", "es": "nombre"}`.
/// A Spanish-speaking contact gets the Spanish where there is one.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
#[schema(as = LocalizedText)]
enum LocalizedRepr {
    Plain(String),
    Both {
        en: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        es: Option<String>,
    },
}

impl From<LocalizedRepr> for Localized {
    fn from(repr: LocalizedRepr) -> Self {
        match repr {
            LocalizedRepr::Plain(en) => Localized { en, es: None },
            LocalizedRepr::Both { en, es } => Localized { en, es },
        }
    }
}

impl From<Localized> for LocalizedRepr {
    fn from(text: Localized) -> Self {
        match text.es {
            None => LocalizedRepr::Plain(text.en),
            es => LocalizedRepr::Both { en: text.en, es },
        }
    }
}

impl Localized {
    pub fn new(en: &str, es: &str) -> Self {
        Localized { en: en.to_owned(), es: Some(es.to_owned()) }
    }

    /// The text in `language`, or in English when there is no translation.
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::Es => self.es.as_deref().unwrap_or(&self.en),
            Language::En => &self.en,
        }
    }
}

/// What kind of value a slot holds, which decides how it is read and checked: `person_name`, `phone`
/// (stored in E.164), `postal_address`, `money` (stored as a number of whole units), `email`, `date`
/// (stored as YYYY-MM-DD), `yes_no`, `choice` (one of `options`) or `free_text`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum SlotKind {
    PersonName {
        #[serde(default)]
        part: NamePart,
    },
    Phone {
        /// Offer the number the contact is texting from ("Is +1 555… the best number?").
        #[serde(default)]
        offer_sender: bool,
    },
    PostalAddress,
    Money {
        /// The period the amount is for; an amount given for another period is converted.
        #[serde(default)]
        per: Option<Period>,
    },
    Email,
    Date,
    YesNo,
    Choice {
        options: Vec<String>,
    },
    FreeText,
}

impl SlotKind {
    /// A value of this kind is a number or has a shape of its own (a phone number, an amount, an email, a
    /// date): a bare text of that shape can be nothing else.
    pub fn is_structured(&self) -> bool {
        matches!(self, SlotKind::Phone { .. } | SlotKind::Money { .. } | SlotKind::Email | SlotKind::Date)
    }
}

/// Which part of a person's name a slot holds: `given`, `family`, or `full` (the default; a full name
/// fills a given and a family name slot at once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NamePart {
    Given,
    Family,
    #[default]
    Full,
}

/// The period an amount of money is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Year,
    Month,
}

/// Why a form was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FormError(String);

const MAX_SLOTS: usize = 30;

impl Form {
    /// Reads and checks a form, as stored with an assistant or sent by an operator.
    pub fn from_json(json: &serde_json::Value) -> Result<Form, FormError> {
        let form: Form = serde_json::from_value(json.clone()).map_err(|e| FormError(format!("invalid form: {e}")))?;
        form.validate()?;
        Ok(form)
    }

    /// Checks what serde cannot: keys, texts, options and dependencies.
    pub fn validate(&self) -> Result<(), FormError> {
        let fail = |message: String| Err(FormError(message));
        if self.slots.is_empty() {
            return fail("a form needs at least one slot".into());
        }
        if self.slots.len() > MAX_SLOTS {
            return fail(format!("a form has at most {MAX_SLOTS} slots"));
        }
        for (index, slot) in self.slots.iter().enumerate() {
            let key = &slot.key;
            let well_formed = (1..=40).contains(&key.len())
                && key.starts_with(|c: char| c.is_ascii_lowercase())
                && key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !well_formed {
                return fail(format!(
                    "slot key {key:?} must be 1-40 lower-case letters, digits or underscores, starting with a letter"
                ));
            }
            if key == "yes_or_no" {
                return fail("slot key \"yes_or_no\" is reserved for the answer to a confirmation".into());
            }
            if self.slots[..index].iter().any(|earlier| &earlier.key == key) {
                return fail(format!("slot key {key:?} is used twice"));
            }
            if slot.question.en.trim().is_empty() || slot.label.en.trim().is_empty() {
                return fail(format!("slot {key:?} needs a question and a label"));
            }
            if let SlotKind::Choice { options } = &slot.kind {
                let folded: Vec<String> = options.iter().map(|o| fold(o)).collect();
                if options.len() < 2 || folded.iter().any(String::is_empty) {
                    return fail(format!("choice slot {key:?} needs at least two non-empty options"));
                }
                if folded.iter().enumerate().any(|(i, o)| folded[..i].contains(o)) {
                    return fail(format!("choice slot {key:?} has the same option twice"));
                }
            }
            for dependency in &slot.depends_on {
                if !self.slots[..index].iter().any(|earlier| &earlier.key == dependency) {
                    return fail(format!("slot {key:?} depends on {dependency:?}, which is not an earlier slot"));
                }
            }
        }
        Ok(())
    }

    pub fn slot(&self, key: &str) -> Option<&Slot> {
        self.slots.iter().find(|s| s.key == key)
    }

    /// The tenant screening form (an applicant for a rental): first name, last name, phone, address, annual income, each confirmed.
    pub fn tenant_screening() -> Form {
        screening::form()
    }

    /// The receptionist's form before booking: name, email and phone, each confirmed.
    pub fn appointment_booking() -> Form {
        screening::appointment_booking()
    }

    /// The slot holding the given part of a name, if the form has one.
    pub(crate) fn name_slot(&self, part: NamePart) -> Option<&Slot> {
        self.slots.iter().find(|s| matches!(s.kind, SlotKind::PersonName { part: p } if p == part))
    }
}
