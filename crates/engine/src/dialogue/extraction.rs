//! Reading form values with the model: a tool whose JSON schema is built from the form's slots. The model
//! only reads, and is not trusted: a value it gives counts only when the contact's own texts being read
//! state it (`form::grounding`), never one it made up or copied from our earlier texts. What is left is
//! merged with the rules' reading and checked by the engine like any input.

use serde_json::{Map, Value, json};
use smsagent_ai::{ChatTurn, ExtractionRequest, Speaker, Tool};
use smsagent_domain::Language;
use smsagent_domain::form::extract::{Proposal, Source};
use smsagent_domain::form::{Awaiting, Extraction, Form, FormState, SlotKind, extract};
use smsagent_store::assistants::Assistant;
use tokio::time::Instant;
use tracing::warn;

use super::Model;

const TOOL: &str = "record_form_answers";
/// The argument carrying a yes or no; form slot keys may not use it.
const YES_OR_NO: &str = "yes_or_no";

/// What `text` says for the form: the rules' reading, and the model's (grounded in the text) for what the
/// rules miss. A text the rules read whole (a "yes", an amount, a name given) costs no model call.
pub async fn read(
    model: &Model<'_>,
    assistant: &Assistant,
    form: &Form,
    state: &FormState,
    text: &str,
    mut context: Vec<ChatTurn>,
    language: Language,
) -> Extraction {
    let rules = extract(form, state, text);
    if model.chat.is_offline() || Instant::now() >= model.deadline || extract::settles(form, state, &rules) {
        return rules;
    }
    // The text being read comes last, as one message even when it was a burst.
    let earlier = context.len().saturating_sub(6);
    context.drain(..earlier);
    context.push(ChatTurn { speaker: Speaker::Contact, text: text.to_owned() });
    let request = ExtractionRequest {
        system_prompt: instructions(form, state, language),
        history: context,
        tool: Tool {
            name: TOOL.into(),
            description: "Record the form values the contact's latest message states.".into(),
            parameters: schema(form),
        },
        model: assistant.settings.model.clone(),
    };
    match tokio::time::timeout_at(model.deadline, model.chat.extract(&request)).await {
        Ok(Ok(answer)) => {
            let (reading, dropped) = extract::with_model(form, state, text, from_arguments(form, &answer.output));
            if dropped > 0 {
                // How many, never which: the values are personal, and the invented ones are noise.
                warn!(dropped, "the model read values the contact did not write; dropped");
                model.metrics.model_refused("extract", "not_the_contacts_words", dropped as u64);
            }
            reading
        }
        Ok(Err(e)) => {
            warn!(error = %e, "the model could not read the text; using the rules");
            rules
        }
        Err(_) => {
            warn!("the model took too long to read the text; using the rules");
            rules
        }
    }
}

fn instructions(form: &Form, state: &FormState, language: Language) -> String {
    let asked = match &state.awaiting {
        Awaiting::Answer(key) => form
            .slot(key)
            .map(|s| format!(" The contact was just asked: \"{}\"", s.question.get(language)))
            .unwrap_or_default(),
        Awaiting::Confirmation(keys) => format!(
            " The contact was just asked to confirm their {} (yes or no): put a yes or no in {YES_OR_NO}, and a corrected value in its field.",
            keys.iter().filter_map(|k| form.slot(k)).map(|s| s.label.en.as_str()).collect::<Vec<_>>().join(" and ")
        ),
        Awaiting::Nothing => String::new(),
    };
    format!(
        "You read text messages for the answers to a form. Call {TOOL} with each value the contact's latest \
         message states, as written. Do not guess, infer or reformat values; leave out anything it does not state.{asked}"
    )
}

/// A JSON schema with one optional string per slot, and the yes/no answer.
fn schema(form: &Form) -> Value {
    let mut properties = Map::new();
    for slot in &form.slots {
        let hint = match &slot.kind {
            SlotKind::PersonName { .. } => "a person's name".to_owned(),
            SlotKind::Phone { .. } => "a phone number".to_owned(),
            SlotKind::PostalAddress => "a street address".to_owned(),
            SlotKind::Money { .. } => "an amount of money, with its period if given (a year, a month)".to_owned(),
            SlotKind::Email => "an email address".to_owned(),
            SlotKind::Date => "a date".to_owned(),
            SlotKind::YesNo => "yes or no".to_owned(),
            SlotKind::Choice { options } => format!("one of: {}", options.join(", ")),
            SlotKind::FreeText => "free text".to_owned(),
        };
        properties.insert(
            slot.key.clone(),
            json!({"type": ["string", "null"], "description": format!("{}: {hint}", slot.label.en)}),
        );
    }
    properties.insert(
        YES_OR_NO.into(),
        json!({"type": ["string", "null"], "enum": ["yes", "no", null], "description": "The contact's yes or no to what they were asked to confirm"}),
    );
    json!({"type": "object", "properties": properties, "additionalProperties": false})
}

fn from_arguments(form: &Form, arguments: &Map<String, Value>) -> Extraction {
    let values = form
        .slots
        .iter()
        .filter_map(|slot| {
            let raw = match arguments.get(&slot.key)? {
                Value::String(text) => text.trim().to_owned(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
                _ => return None,
            };
            (!raw.is_empty()).then(|| Proposal { slot: slot.key.clone(), raw, source: Source::Model })
        })
        .collect();
    let answer = match arguments.get(YES_OR_NO).and_then(Value::as_str) {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => None,
    };
    Extraction { answer, values }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_has_a_field_per_slot_and_the_yes_or_no() {
        let schema = schema(&Form::tenant_screening());
        let properties = schema["properties"].as_object().unwrap();
        for key in ["first_name", "last_name", "phone", "address", "annual_income", YES_OR_NO] {
            assert!(properties.contains_key(key), "{key}");
        }
        assert_eq!(schema["additionalProperties"], false);
    }

    #[test]
    fn arguments_become_stated_values() {
        let form = Form::tenant_screening();
        let arguments = json!({"first_name": "Maria", "last_name": null, "annual_income": 85000, "yes_or_no": "no", "extra": "ignored"});
        let model = from_arguments(&form, arguments.as_object().unwrap());
        assert_eq!(model.answer, Some(false));
        let by_slot: Vec<(&str, &str)> = model.values.iter().map(|p| (p.slot.as_str(), p.raw.as_str())).collect();
        assert_eq!(by_slot, [("first_name", "Maria"), ("annual_income", "85000")]);
        assert!(model.values.iter().all(|p| p.source == Source::Model));
    }
}
