//! Handing a contact to a person: when they ask for one, and what they are told.

use crate::Language;
use crate::text::fold;

/// Whether the contact asks for a person: "can I talk to a human?", "I want to speak to someone",
/// "hablar con una persona".
pub fn asks_for_person(said: &str) -> bool {
    let folded = format!(" {} ", fold(said));
    let talk = [" talk ", " speak ", " chat ", " hablar ", " comunicarme ", " comunicar "];
    let person = [
        " person ",
        " human ",
        " someone ",
        " somebody ",
        " agent ",
        " representative ",
        " operator ",
        " manager ",
        " real person ",
        " persona ",
        " humano ",
        " alguien ",
        " agente ",
        " representante ",
        " encargado ",
    ];
    let direct = [" a human ", " real person ", " live agent ", " una persona ", " un humano "];
    (talk.iter().any(|t| folded.contains(t)) && person.iter().any(|p| folded.contains(p)))
        || direct.iter().any(|d| folded.contains(d) && folded.trim().split(' ').count() <= 4)
}

/// When a person will answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    /// The business is open now.
    Soon,
    /// When it next opens: its day and time as people read them, in English and in Spanish.
    Opening { en: (String, String), es: (String, String) },
    /// The business's hours are not known.
    Unknown,
}

/// What the contact is told.
pub fn told(when: &When, language: Language) -> String {
    match (when, language) {
        (When::Soon, Language::En) => "Of course. A member of our team will text you here shortly.".into(),
        (When::Opening { en: (day, time), .. }, Language::En) => {
            format!("Of course. A member of our team will text you here when we open, {day} at {time}.")
        }
        (When::Unknown, Language::En) => {
            "Of course. A member of our team will text you here as soon as they can.".into()
        }
        (When::Soon, Language::Es) => "Claro. Alguien de nuestro equipo le escribirá aquí en breve.".into(),
        (When::Opening { es: (day, time), .. }, Language::Es) => {
            format!("Claro. Alguien de nuestro equipo le escribirá aquí cuando abramos, el {day} a las {time}.")
        }
        (When::Unknown, Language::Es) => "Claro. Alguien de nuestro equipo le escribirá aquí lo antes posible.".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_for_a_person_is_told_from_other_texts() {
        assert!(asks_for_person("Can I talk to a human?"));
        assert!(asks_for_person("I want to speak to someone please"));
        assert!(asks_for_person("quiero hablar con una persona"));
        assert!(asks_for_person("real person"));
        assert!(!asks_for_person("Is the person who answered yesterday available for a cleaning?"));
        assert!(!asks_for_person("Maria Garcia"));
        assert!(!asks_for_person("how much is whitening"));
    }

    #[test]
    fn the_contact_hears_when_in_their_language() {
        let opening = When::Opening {
            en: ("Monday, December 7".into(), "9:00 AM".into()),
            es: ("lunes, 7 de diciembre".into(), "9:00".into()),
        };
        assert_eq!(
            told(&opening, Language::En),
            "Of course. A member of our team will text you here when we open, Monday, December 7 at 9:00 AM."
        );
        assert_eq!(
            told(&opening, Language::Es),
            "Claro. Alguien de nuestro equipo le escribirá aquí cuando abramos, el lunes, 7 de diciembre a las 9:00."
        );
        assert!(told(&When::Soon, Language::Es).starts_with("Claro."));
    }
}
