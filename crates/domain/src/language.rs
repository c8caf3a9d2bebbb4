//! The contact's language: English or Spanish, the two the templates are written in.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::words;

/// The months in Spanish, January first: for dates read and written in Spanish.
pub const MONTHS_ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    Es,
}

impl Language {
    pub fn as_str(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Es => "es",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "en" => Some(Language::En),
            "es" => Some(Language::Es),
            _ => None,
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Words that mark a text as Spanish. Articles and prepositions ("el", "la", "de") are left out: they
/// fill English addresses and surnames ("El Camino Real", "De La Cruz").
const SPANISH: &str = "
    hola gracias quiero quisiera soy llamo mi mis nombre apellido numero direccion gano año mil anual mes mensual mas
    mensajes ayuda vivo tengo busco necesito apartamento renta alquiler salario ingresos ingreso correcto claro
    bueno buenos buenas dias tardes noches favor usted ustedes estoy esta cuanto cuando donde como porque tambien
    si no se puede puedo quieres tienes hay es son muy
";

/// Words that mark a text as English.
const ENGLISH: &str = "
    hi hello hey thanks thank you i im my is the a an name last first number address yes yeah please want need
    looking for apartment house rent what where when how and it its at live make year month income correct right
    sure okay ok good morning afternoon evening this that with can could would have there
";

fn score(words: &[String], list: &str) -> usize {
    words.iter().filter(|w| list.split_whitespace().any(|l| l == w.as_str())).count()
}

/// The language a text is written in and how plainly, when it says enough to tell.
fn evidence(text: &str) -> Option<(Language, usize)> {
    // Only Spanish punctuation is a mark of its own: accented letters fill Spanish names in English texts.
    let marked = text.chars().any(|c| matches!(c, '¿' | '¡'));
    let words = words(text);
    let spanish = score(&words, SPANISH) + usize::from(marked) * 2;
    let english = score(&words, ENGLISH);
    match spanish.cmp(&english) {
        std::cmp::Ordering::Greater if spanish >= 2 => Some((Language::Es, spanish - english)),
        std::cmp::Ordering::Less if english >= 2 => Some((Language::En, english - spanish)),
        _ => None,
    }
}

/// The language a text is written in, when it says enough to tell. Short or ambiguous texts say nothing.
pub fn detect(text: &str) -> Option<Language> {
    evidence(text).map(|(language, _)| language)
}

/// The contact's language after `text`: a conversation keeps its language unless the text plainly says
/// otherwise, so one Spanish street name does not switch an English conversation.
pub fn after(current: Option<Language>, text: &str) -> Option<Language> {
    match (current, evidence(text)) {
        (None, found) => found.map(|(language, _)| language),
        (Some(current), Some((language, margin))) if language != current && margin >= 3 => Some(language),
        (current, _) => current,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clear_texts_are_recognised() {
        let cases = [
            ("Hola, me llamo María y busco un apartamento", Some(Language::Es)),
            ("¿Cuál es la renta?", Some(Language::Es)),
            ("Gano 85 mil al año", Some(Language::Es)),
            ("Hi, I'm looking for an apartment", Some(Language::En)),
            ("my income is 85k a year", Some(Language::En)),
        ];
        for (text, expected) in cases {
            assert_eq!(detect(text), expected, "{text}");
        }
    }

    #[test]
    fn short_or_neutral_texts_say_nothing() {
        for text in ["Maria", "85000", "ok", "", "123 Main St", "María García", "De La Cruz", "Peña"] {
            assert_eq!(detect(text), None, "{text}");
        }
    }

    #[test]
    fn spanish_place_names_do_not_make_a_text_spanish() {
        for text in ["4521 El Camino Real, Los Altos CA", "123 Del Mar Ave, La Jolla", "my last name is De La Cruz"] {
            assert_ne!(detect(text), Some(Language::Es), "{text}");
        }
    }

    #[test]
    fn a_conversation_keeps_its_language_unless_a_text_plainly_changes_it() {
        assert_eq!(after(Some(Language::En), "Calle Mayor 5, Madrid"), Some(Language::En));
        assert_eq!(after(Some(Language::En), "si, gracias"), Some(Language::En));
        assert_eq!(after(Some(Language::En), "Hola, prefiero hablar en español, ¿puede ser?"), Some(Language::Es));
        assert_eq!(after(None, "Hola, me llamo María"), Some(Language::Es));
        assert_eq!(after(Some(Language::Es), "ok"), Some(Language::Es));
    }
}
