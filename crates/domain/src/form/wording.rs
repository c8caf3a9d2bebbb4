//! Template wording, in English and Spanish: what the contact reads when no model words the reply, and
//! the draft a model rewrites when one does. Templates avoid characters that force UCS-2 where the language
//! allows, and put the question last, so shortening a reply never cuts it.

use super::state::{FormState, Say};
use super::value::Invalid;
use super::{Form, NamePart, SlotKind};
use crate::Language;

/// The reply for what the engine decided.
pub fn render(form: &Form, says: &[Say], language: Language) -> String {
    says.iter().map(|say| sentence(form, say, language)).collect::<Vec<_>>().join(" ")
}

fn sentence(form: &Form, say: &Say, language: Language) -> String {
    let es = language == Language::Es;
    let label = |key: &str| form.slot(key).map_or(key.to_owned(), |s| s.label.get(language).to_owned());
    match say {
        Say::Invalid { slot, why } => invalid(form, slot, *why, language),
        Say::NeedYesNo => if es { "Disculpe, necesito un sí o un no." } else { "Sorry, I need a yes or a no." }.into(),
        Say::Sorry => if es { "Disculpe." } else { "Sorry about that." }.into(),
        Say::Unchanged => {
            if es { "De acuerdo, sus datos quedan como estaban." } else { "OK, your details stay as they were." }.into()
        }
        Say::OffTopic => if es {
            "No puedo responder eso por aquí, pero alguien de nuestro equipo le dará seguimiento."
        } else {
            "I can't answer that here, but someone from our team will follow up."
        }
        .into(),
        Say::Confirm { values, updated: true } if values.len() == 1 => {
            let (key, value) = &values[0];
            if es {
                format!("Actualicé su {} a {value}. ¿Es correcto?", label(key))
            } else {
                format!("Updated your {} to {value}. Is that right?", label(key))
            }
        }
        Say::Confirm { values, .. } => {
            let listed = list(form, values, language);
            if es {
                format!("Entendido: {listed}. ¿Es correcto?")
            } else {
                format!("Got it: {listed}. Is that right?")
            }
        }
        Say::Reconfirm { values } if values.len() == 1 => {
            let (key, value) = &values[0];
            if es {
                format!("¿Su {} sigue siendo {value}?", label(key))
            } else {
                format!("Is your {} still {value}?", label(key))
            }
        }
        Say::Reconfirm { values } => {
            let listed = list(form, values, language);
            if es { format!("¿Sigue siendo correcto: {listed}?") } else { format!("Is this still right: {listed}?") }
        }
        Say::OfferSender { number } => {
            if es {
                format!("¿Es {number} el mejor número para contactarle? Responda SI o envíe otro número.")
            } else {
                format!("Is {number} the best number to reach you? Reply YES, or send another number.")
            }
        }
        Say::Ask { slot } => form.slot(slot).map_or_else(String::new, |s| s.question.get(language).to_owned()),
        Say::Example { slot } => example(form, slot, language),
        Say::ConfirmPlainly { values } => {
            let listed = list(form, values, language);
            if es {
                format!("Responda SI si {listed} es correcto, o NO para cambiarlo.")
            } else {
                format!("Please reply YES if {listed} is right, or NO to change it.")
            }
        }
        Say::TakenAsGiven { values } => {
            let listed = list(form, values, language);
            if es {
                format!("Anoto {listed} por ahora; nuestro equipo lo verificará con usted.")
            } else {
                format!("I'll note {listed} for now; our team will check it with you.")
            }
        }
        Say::OfferPerson { slot } => {
            if es {
                format!(
                    "Me cuesta entender su {}. Alguien de nuestro equipo le escribirá por aquí para ayudarle.",
                    label(slot)
                )
            } else {
                format!(
                    "I'm having trouble getting your {}. Someone from our team will text you here to help.",
                    label(slot)
                )
            }
        }
        Say::Complete { values, updated } => {
            let name = values
                .iter()
                .find(|(k, _)| form.slot(k).is_some_and(|s| matches!(s.kind, SlotKind::PersonName { .. })))
                .map(|(_, v)| v.split(' ').next().unwrap_or(v).to_owned());
            let thanks = match (name, es) {
                (Some(name), false) => format!("Thanks, {name}!"),
                (Some(name), true) => format!("¡Gracias, {name}!"),
                (None, false) => "Thanks!".to_owned(),
                (None, true) => "¡Gracias!".to_owned(),
            };
            let listed = list(form, values, language);
            match (updated, es) {
                (false, false) => format!("{thanks} We'll be in touch soon. Here's what I have: {listed}."),
                (false, true) => format!("{thanks} Nos pondremos en contacto pronto. Esto es lo que tengo: {listed}."),
                (true, false) => format!("{thanks} Your details are updated: {listed}."),
                (true, true) => format!("{thanks} Sus datos están actualizados: {listed}."),
            }
        }
    }
}

/// The slot's question asked another way: what to send, with an example.
fn example(form: &Form, key: &str, language: Language) -> String {
    let es = language == Language::Es;
    let Some(slot) = form.slot(key) else { return String::new() };
    let label = slot.label.get(language);
    let (en, sp) = match &slot.kind {
        SlotKind::PersonName { part: NamePart::Given } => ("Maria".to_owned(), "María".to_owned()),
        SlotKind::PersonName { part: NamePart::Family } => ("Garcia".to_owned(), "García".to_owned()),
        SlotKind::PersonName { part: NamePart::Full } => ("Maria Garcia".to_owned(), "María García".to_owned()),
        SlotKind::Phone { .. } => ("555-123-4567".to_owned(), "555-123-4567".to_owned()),
        SlotKind::PostalAddress => ("42 Oak St, Springfield".to_owned(), "Calle Roble 42, Springfield".to_owned()),
        SlotKind::Money { .. } => ("85000 or 85k".to_owned(), "85000 u 85 mil".to_owned()),
        SlotKind::Email => ("maria@example.com".to_owned(), "maria@example.com".to_owned()),
        SlotKind::Date => ("05/03/1990".to_owned(), "03/05/1990".to_owned()),
        SlotKind::YesNo => ("YES or NO".to_owned(), "SI o NO".to_owned()),
        SlotKind::Choice { options } => (options.join(", "), options.join(", ")),
        SlotKind::FreeText => {
            return if es {
                format!("Por favor envíe su {label} en pocas palabras.")
            } else {
                format!("Please send your {label} in a few words.")
            };
        }
    };
    if es {
        format!("Por favor envíe solo su {label}, por ejemplo: {sp}.")
    } else {
        format!("Please send just your {label}, for example: {en}.")
    }
}

/// Values as a reply lists them: a name's parts together ("Maria Garcia"), one value alone, several with
/// their labels.
fn list(form: &Form, values: &[(String, String)], language: Language) -> String {
    let is_name = |key: &str| form.slot(key).is_some_and(|s| matches!(s.kind, SlotKind::PersonName { .. }));
    if values.iter().all(|(k, _)| is_name(k)) {
        return values.iter().map(|(_, v)| v.as_str()).collect::<Vec<_>>().join(" ");
    }
    if let [(_, value)] = values {
        return value.clone();
    }
    let name: Vec<&str> = values.iter().filter(|(k, _)| is_name(k)).map(|(_, v)| v.as_str()).collect();
    let rest = values.iter().filter(|(k, _)| !is_name(k)).map(|(k, v)| {
        let label = form.slot(k).map_or(k.as_str(), |s| s.label.get(language));
        format!("{label} {v}")
    });
    (!name.is_empty()).then(|| name.join(" ")).into_iter().chain(rest).collect::<Vec<_>>().join(", ")
}

fn invalid(form: &Form, key: &str, why: Invalid, language: Language) -> String {
    let es = language == Language::Es;
    let slot = form.slot(key);
    let label = slot.map_or(key, |s| s.label.get(language));
    match (why, es) {
        (Invalid::Name, false) => format!("Sorry, I didn't catch your {label}."),
        (Invalid::Name, true) => format!("Disculpe, no entendí su {label}."),
        (Invalid::Phone, false) => "Sorry, that doesn't look like a phone number.".into(),
        (Invalid::Phone, true) => "Disculpe, eso no parece un número de teléfono.".into(),
        (Invalid::Address, false) => "Sorry, I need the full street address, with the number.".into(),
        (Invalid::Address, true) => "Disculpe, necesito la dirección completa, con el número.".into(),
        (Invalid::Amount, false) => "Sorry, I couldn't read that amount (for example 85000 or 85k).".into(),
        (Invalid::Amount, true) => "Disculpe, no pude leer la cantidad (por ejemplo 85000 u 85 mil).".into(),
        (Invalid::Hourly, false) => "Please give the amount per year rather than per hour.".into(),
        (Invalid::Hourly, true) => "Por favor indique la cantidad por año, no por hora.".into(),
        (Invalid::Email, false) => "Sorry, that doesn't look like an email address.".into(),
        (Invalid::Email, true) => "Disculpe, eso no parece un correo electrónico.".into(),
        (Invalid::Date, false) => "Sorry, I couldn't read that date (for example 05/03/1990).".into(),
        (Invalid::Date, true) => "Disculpe, no pude leer la fecha (por ejemplo 03/05/1990).".into(),
        (Invalid::YesNo, false) => "Please answer yes or no.".into(),
        (Invalid::YesNo, true) => "Por favor responda sí o no.".into(),
        (Invalid::Choice, _) => {
            let options = match slot.map(|s| &s.kind) {
                Some(SlotKind::Choice { options }) => options.join(", "),
                _ => String::new(),
            };
            if es {
                format!("Por favor elija una opción: {options}.")
            } else {
                format!("Please pick one of: {options}.")
            }
        }
        (Invalid::TooLong, false) => "That's a bit long for me; could you shorten it?".into(),
        (Invalid::TooLong, true) => "Es un poco largo; ¿podría acortarlo?".into(),
        (Invalid::Empty, false) => format!("Sorry, I didn't catch your {label}."),
        (Invalid::Empty, true) => format!("Disculpe, no entendí su {label}."),
    }
}

/// "Welcome back! So far I have Maria Garcia." for a returning contact with a half-finished form; `None`
/// when nothing is filled in yet.
pub fn recap(form: &Form, state: &FormState, language: Language) -> Option<String> {
    let confirmed: Vec<(String, String)> = form
        .slots
        .iter()
        .filter_map(|s| state.slots.get(&s.key)?.confirmed().map(|v| (s.key.clone(), v.display(&s.kind, language))))
        .collect();
    if confirmed.is_empty() {
        return None;
    }
    let listed = list(form, &confirmed, language);
    Some(match language {
        Language::Es => format!("¡Hola de nuevo! Hasta ahora tengo: {listed}."),
        Language::En => format!("Welcome back! So far I have: {listed}."),
    })
}

/// Said before the first question when the contact asks to start over.
pub fn starting_over(language: Language) -> &'static str {
    match language {
        Language::Es => "Muy bien, empecemos de nuevo.",
        Language::En => "No problem, let's start over.",
    }
}

/// The values a reply shows the contact: a model rewording it must keep each of them as written, or the
/// contact could say yes to something other than what is stored.
pub fn shown_values(says: &[Say]) -> Vec<String> {
    says.iter()
        .flat_map(|say| match say {
            Say::Confirm { values, .. }
            | Say::Reconfirm { values }
            | Say::Complete { values, .. }
            | Say::ConfirmPlainly { values }
            | Say::TakenAsGiven { values } => values.iter().map(|(_, v)| v.clone()).collect(),
            Say::OfferSender { number } => vec![number.clone()],
            _ => Vec::new(),
        })
        .collect()
}
