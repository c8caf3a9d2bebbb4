//! The contact's language: English or Spanish, the two the templates are written in.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::words;

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

const SPANISH: &[&str] = &[
    "hola",
    "gracias",
    "quiero",
    "quisiera",
    "soy",
    "llamo",
    "mi",
    "mis",
    "es",
    "el",
    "la",
    "los",
    "las",
    "de",
    "del",
    "que",
    "por",
    "favor",
    "si",
    "buenos",
    "buenas",
    "dias",
    "tardes",
    "noches",
    "tengo",
    "nombre",
    "apellido",
    "numero",
    "direccion",
    "gano",
    "al",
    "ano",
    "mes",
    "mas",
    "mensajes",
    "ayuda",
    "vivo",
    "en",
    "calle",
    "con",
    "una",
    "un",
    "para",
    "esta",
    "estoy",
    "correcto",
    "claro",
    "bueno",
    "adios",
    "usted",
    "ustedes",
    "necesito",
    "busco",
    "apartamento",
    "casa",
    "cuarto",
    "renta",
    "alquiler",
    "salario",
    "ingresos",
    "como",
    "donde",
    "cuando",
];

const ENGLISH: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "thanks",
    "thank",
    "you",
    "i",
    "im",
    "my",
    "is",
    "the",
    "a",
    "an",
    "name",
    "last",
    "first",
    "number",
    "address",
    "yes",
    "yeah",
    "no",
    "please",
    "want",
    "need",
    "looking",
    "for",
    "apartment",
    "house",
    "rent",
    "what",
    "where",
    "when",
    "how",
    "and",
    "it",
    "its",
    "at",
    "live",
    "make",
    "year",
    "month",
    "income",
    "correct",
    "right",
    "sure",
    "okay",
    "ok",
    "good",
    "morning",
    "afternoon",
    "evening",
    "this",
    "that",
    "with",
];

/// The language a text is written in, when it says enough to tell. Short or ambiguous texts say nothing,
/// and the conversation keeps its language.
pub fn detect(text: &str) -> Option<Language> {
    let marked = text.chars().any(|c| matches!(c, 'ñ' | 'Ñ' | '¿' | '¡' | 'á' | 'é' | 'í' | 'ó' | 'ú'));
    let words = words(text);
    let spanish = words.iter().filter(|w| SPANISH.contains(&w.as_str())).count() + usize::from(marked) * 2;
    let english = words.iter().filter(|w| ENGLISH.contains(&w.as_str())).count();
    match spanish.cmp(&english) {
        std::cmp::Ordering::Greater if spanish >= 2 => Some(Language::Es),
        std::cmp::Ordering::Less if english >= 2 => Some(Language::En),
        _ => None,
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
        for text in ["Maria", "85000", "ok", "", "123 Main St"] {
            assert_eq!(detect(text), None, "{text}");
        }
    }
}
