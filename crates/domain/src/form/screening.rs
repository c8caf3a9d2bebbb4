//! The forms that ship: what a landlord asks an applicant for a rental first (the default assistant's),
//! and what a receptionist asks before booking.

use super::{Form, Localized, NamePart, Period, Slot, SlotKind};

fn slot(key: &str, label: Localized, question: Localized, kind: SlotKind) -> Slot {
    Slot { key: key.to_owned(), label, question, kind, required: true, confirm: true, depends_on: Vec::new() }
}

/// The best number to reach the contact at, offering the one they text from.
fn phone() -> Slot {
    slot(
        "phone",
        Localized::new("phone number", "teléfono"),
        Localized::new("What's the best phone number to reach you?", "¿Cuál es el mejor teléfono para contactarle?"),
        SlotKind::Phone { offer_sender: true },
    )
}

pub(super) fn form() -> Form {
    Form {
        slots: vec![
            slot(
                "first_name",
                Localized::new("first name", "nombre"),
                Localized::new("What's your first name?", "¿Cuál es su nombre?"),
                SlotKind::PersonName { part: NamePart::Given },
            ),
            slot(
                "last_name",
                Localized::new("last name", "apellido"),
                Localized::new("And your last name?", "¿Y su apellido?"),
                SlotKind::PersonName { part: NamePart::Family },
            ),
            phone(),
            slot(
                "address",
                Localized::new("current address", "dirección actual"),
                Localized::new("What's your current address?", "¿Cuál es su dirección actual?"),
                SlotKind::PostalAddress,
            ),
            slot(
                "annual_income",
                Localized::new("annual income", "ingreso anual"),
                Localized::new("What's your annual income?", "¿Cuál es su ingreso anual?"),
                SlotKind::Money { per: Some(Period::Year) },
            ),
        ],
    }
}

pub(super) fn appointment_booking() -> Form {
    Form {
        slots: vec![
            slot(
                "name",
                Localized::new("name", "nombre"),
                Localized::new("What's your full name?", "¿Cuál es su nombre completo?"),
                SlotKind::PersonName { part: NamePart::Full },
            ),
            slot(
                "email",
                Localized::new("email", "correo electrónico"),
                Localized::new(
                    "What's your email? We'll send the confirmation there.",
                    "¿Cuál es su correo electrónico? Le enviaremos ahí la confirmación.",
                ),
                SlotKind::Email,
            ),
            phone(),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_screening_form_is_valid_and_survives_json() {
        let form = form();
        form.validate().unwrap();
        let json = serde_json::to_value(&form).unwrap();
        assert_eq!(Form::from_json(&json).unwrap(), form);
    }

    #[test]
    fn invalid_forms_are_refused_with_the_reason() {
        let cases = [
            (json!({"slots": []}), "at least one slot"),
            (
                json!({"slots": [{"key": "Bad Key", "label": "x", "question": "x?", "kind": {"type": "free_text"}}]}),
                "Bad Key",
            ),
            (
                json!({"slots": [
                    {"key": "a", "label": "a", "question": "a?", "kind": {"type": "free_text"}},
                    {"key": "a", "label": "b", "question": "b?", "kind": {"type": "free_text"}}]}),
                "used twice",
            ),
            (
                json!({"slots": [{"key": "c", "label": "c", "question": "c?", "kind": {"type": "choice", "options": ["only"]}}]}),
                "two non-empty options",
            ),
            (
                json!({"slots": [{"key": "d", "label": "d", "question": "d?", "kind": {"type": "teleport"}}]}),
                "invalid form",
            ),
            (
                json!({"slots": [{"key": "e", "label": "e", "question": "", "kind": {"type": "email"}}]}),
                "needs a question",
            ),
            (
                json!({"slots": [{"key": "f", "label": "f", "question": "f?", "kind": {"type": "email"}, "depends_on": ["g"]}]}),
                "not an earlier slot",
            ),
            (
                json!({"slots": [{"key": "h", "label": "h", "question": "h?", "kind": {"type": "email"}, "colour": "red"}]}),
                "unknown field",
            ),
        ];
        for (json, reason) in cases {
            let err = Form::from_json(&json).unwrap_err().to_string();
            assert!(err.contains(reason), "{json} should fail with {reason:?}, got {err:?}");
        }
    }

    #[test]
    fn a_plain_string_is_english_only() {
        let json = json!({"slots": [{"key": "pet", "label": "pet", "question": "Do you have a pet?", "kind": {"type": "yes_no"}}]});
        let form = Form::from_json(&json).unwrap();
        assert_eq!(form.slots[0].question.get(crate::Language::Es), "Do you have a pet?");
        assert!(form.slots[0].required && form.slots[0].confirm, "required and confirmed unless said otherwise");
    }
}
