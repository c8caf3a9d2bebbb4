//! Compliance and conversation keywords, decided before any model sees a text.
//!
//! A keyword is the whole message (case, spacing, punctuation and accents ignored), never a word inside
//! one: "send it to my friend" ends nothing. Opting out is checked first, because it is the legal duty:
//! "stop", "end", "quit" and "cancel" opt out even though they also sound like goodbyes. Short, clear
//! phrases count too ("stop texting me", "no más mensajes"), as US rules have required since April 2025.

use crate::Language;
use crate::text::fold;

/// What a keyword asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    /// Never text me again (STOP).
    OptOut,
    /// Texts are welcome again (START; YES while opted out).
    OptIn,
    /// Who are you and how do I stop this (HELP).
    Help,
    /// Start the form again from the beginning.
    StartOver,
    /// The conversation is over for now (goodbye).
    End,
}

impl Keyword {
    /// As stored with the text (`sms_messages.keyword`).
    pub fn as_str(self) -> &'static str {
        match self {
            Keyword::OptOut => "opt_out",
            Keyword::OptIn => "opt_in",
            Keyword::Help => "help",
            Keyword::StartOver => "start_over",
            Keyword::End => "end",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Keyword::OptOut, Keyword::OptIn, Keyword::Help, Keyword::StartOver, Keyword::End]
            .into_iter()
            .find(|k| k.as_str() == value)
    }

    /// Answered as the text arrives (STOP, START, HELP, goodbyes): never for the form or the model.
    pub fn answered_on_arrival(self) -> bool {
        !matches!(self, Keyword::StartOver)
    }
}

/// Where the contact stands with the business's number, which decides what a plain "yes" is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    Subscribed,
    /// A plain "yes" (or "sí") opts back in.
    OptedOut,
}

impl Standing {
    pub fn of(opted_out: bool) -> Self {
        if opted_out { Standing::OptedOut } else { Standing::Subscribed }
    }
}

/// A keyword found in a text, with the language its wording gives away (if any).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeywordMatch {
    pub keyword: Keyword,
    pub language: Option<Language>,
}

const OPT_OUT_EN: &[&str] = &[
    "stop",
    "stopall",
    "stop all",
    "unsubscribe",
    "cancel",
    "end",
    "quit",
    "revoke",
    "optout",
    "opt out",
    "arret",
    "remove",
    "remove me",
    "unsubscribe me",
    "stop texting",
    "stop texting me",
    "stop messaging me",
    "stop sending me messages",
    "stop sending messages",
    "stop the messages",
    "stop the texts",
    "please stop",
    "stop please",
    "pls stop",
    "stop thank you",
    "stop thanks",
    "no more",
    "no more texts",
    "no more messages",
    "dont text me",
    "do not text me",
    "dont text me again",
    "do not text me again",
    "take me off your list",
];
const OPT_OUT_ES: &[&str] = &[
    "baja",
    "darme de baja",
    "alto",
    "parar",
    "para",
    "detener",
    "cancelar",
    "basta",
    "no mas",
    "no mas mensajes",
    "no mas textos",
    "no me escriban",
    "no me escriban mas",
    "no me envien mas mensajes",
    "dejen de escribirme",
    "no quiero mas mensajes",
];
const OPT_IN_EN: &[&str] = &["start", "unstop", "subscribe", "resubscribe"];
const OPT_IN_WHILE_OUT_EN: &[&str] = &["yes", "y"];
const OPT_IN_WHILE_OUT_ES: &[&str] = &["si"];
const HELP_EN: &[&str] = &["help", "info"];
const HELP_ES: &[&str] = &["ayuda", "informacion"];
const START_OVER_EN: &[&str] = &["start over", "restart", "reset", "begin again", "start again"];
const START_OVER_ES: &[&str] = &["empezar de nuevo", "comenzar de nuevo", "reiniciar", "otra vez desde el principio"];
const END_EN: &[&str] =
    &["bye", "goodbye", "good bye", "bye bye", "exit", "thats all", "thats all thanks", "ok bye", "thanks bye"];
const END_ES: &[&str] = &["adios", "hasta luego", "chao", "chau", "eso es todo", "gracias adios"];

/// How a short opt-out is said in a language: words that ask to stop on their own ("stop", "baja"), or a
/// negation with a word about sending ("don't text me", "no me envíen mensajes"); and the filler that may
/// surround them ("please stop texting me") without changing what it means.
struct StopPhrasing {
    stop: &'static str,
    negation: &'static str,
    sending: &'static str,
    filler: &'static str,
}

const ENGLISH_STOP: StopPhrasing = StopPhrasing {
    stop: "stop stopall unsubscribe optout cancel quit end revoke remove",
    negation: "dont not no",
    sending: "text texts texting txt message messages messaging send sending more",
    filler: "please pls plz now me texting text texts txt txting messaging messages message msgs sending send these
        the this all thanks thank you thx just ok okay no more them it do not dont from your my number list remove
        take off out opt right away immediately asap already again any",
};

const SPANISH_STOP: StopPhrasing = StopPhrasing {
    stop: "baja parar para detener alto basta cancelar",
    negation: "no",
    sending: "envien envie manden mande escriban escriba mensajes textos mas",
    filler: "por favor ya me mas mensajes mensaje textos texto gracias de la lista quiero deseo darme dar envien
        envie enviar manden mande escriban escriba no ahora",
};

/// A short text that only asks to stop: an opt-out "by any reasonable means".
fn asks_to_stop(folded: &str, phrasing: &StopPhrasing) -> bool {
    let words: Vec<&str> = folded.split(' ').filter(|w| !w.is_empty()).collect();
    let among = |list: &str, word: &str| list.split_whitespace().any(|w| w == word);
    let any = |list: &str| words.iter().any(|w| among(list, w));
    let intent = any(phrasing.stop) || (any(phrasing.negation) && any(phrasing.sending));
    words.len() <= 8 && intent && words.iter().all(|w| among(phrasing.stop, w) || among(phrasing.filler, w))
}

/// The keyword a carrier's own handling (Twilio's on its numbers) answers `text` as: only a message that is
/// exactly one of its words, whatever the case (docs/compliance.md#twilios-keywords). "Stop please" or "BAJA" opt out
/// here but are nothing to Twilio, so its confirmation would never come.
pub fn provider_answers(text: &str) -> Option<Keyword> {
    const OPT_OUT: &[&str] = &["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"];
    const OPT_IN: &[&str] = &["START", "YES", "UNSTOP"];
    let word = text.trim().to_uppercase();
    if OPT_OUT.contains(&word.as_str()) {
        Some(Keyword::OptOut)
    } else if OPT_IN.contains(&word.as_str()) {
        Some(Keyword::OptIn)
    } else {
        None
    }
}

/// Whether `text` is a keyword whatever the contact's standing: a text that is not needs no look at the
/// conversation before it is stored.
pub fn may_be_keyword(text: &str) -> bool {
    classify(text, Standing::OptedOut).is_some()
}

/// The keyword `text` is, if it is one, for a contact of this `standing`.
pub fn classify(text: &str, standing: Standing) -> Option<KeywordMatch> {
    let opted_out = standing == Standing::OptedOut;
    let folded = fold(text);
    let is = |list: &[&str]| list.contains(&folded.as_str());
    let found = |keyword, language| Some(KeywordMatch { keyword, language });

    if is(OPT_OUT_EN) || asks_to_stop(&folded, &ENGLISH_STOP) {
        return found(Keyword::OptOut, None);
    }
    if is(OPT_OUT_ES) || asks_to_stop(&folded, &SPANISH_STOP) {
        return found(Keyword::OptOut, Some(Language::Es));
    }
    if is(OPT_IN_EN) || (opted_out && is(OPT_IN_WHILE_OUT_EN)) {
        return found(Keyword::OptIn, None);
    }
    if opted_out && is(OPT_IN_WHILE_OUT_ES) {
        return found(Keyword::OptIn, Some(Language::Es));
    }
    if is(HELP_EN) {
        return found(Keyword::Help, None);
    }
    if is(HELP_ES) {
        return found(Keyword::Help, Some(Language::Es));
    }
    if is(START_OVER_EN) {
        return found(Keyword::StartOver, None);
    }
    if is(START_OVER_ES) {
        return found(Keyword::StartOver, Some(Language::Es));
    }
    if is(END_EN) {
        return found(Keyword::End, None);
    }
    if is(END_ES) {
        return found(Keyword::End, Some(Language::Es));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use Keyword::*;

    #[test]
    fn the_provider_answers_only_its_own_words_alone() {
        assert_eq!(provider_answers(" stop "), Some(Keyword::OptOut));
        assert_eq!(provider_answers("Unsubscribe"), Some(Keyword::OptOut));
        assert_eq!(provider_answers("START"), Some(Keyword::OptIn));
        for ours_alone in ["stop please", "Stop.", "BAJA", "no more texts", "HELP"] {
            assert_eq!(provider_answers(ours_alone), None, "{ours_alone}");
        }
    }

    fn keyword(text: &str) -> Option<Keyword> {
        classify(text, Standing::Subscribed).map(|m| m.keyword)
    }

    #[test]
    fn the_standard_keywords_in_any_case_and_punctuation() {
        let cases = [
            ("STOP", OptOut),
            ("stop", OptOut),
            ("  Stop. ", OptOut),
            ("sToP!", OptOut),
            ("UNSUBSCRIBE", OptOut),
            ("Cancel", OptOut),
            ("quit", OptOut),
            ("STOPALL", OptOut),
            ("opt-out", OptOut),
            ("REVOKE", OptOut),
            ("START", OptIn),
            ("unstop", OptIn),
            ("HELP", Help),
            ("info", Help),
        ];
        for (text, expected) in cases {
            assert_eq!(keyword(text), Some(expected), "{text:?}");
        }
    }

    #[test]
    fn clear_phrases_opt_out_too() {
        for text in [
            "stop texting me",
            "Please stop",
            "Stop. Thank you.",
            "no más mensajes",
            "No mas mensajes!",
            "BAJA",
            "don't text me",
        ] {
            assert_eq!(keyword(text), Some(OptOut), "{text:?}");
        }
    }

    #[test]
    fn opt_outs_said_in_a_few_ordinary_words() {
        for text in [
            "please stop texting me",
            "stop texting me please",
            "unsubscribe please",
            "STOP!!!",
            "stop now",
            "please remove me from your list",
            "ya no me envien mensajes por favor",
            "Stop sending me these messages",
        ] {
            assert_eq!(keyword(text), Some(OptOut), "{text:?}");
        }
    }

    #[test]
    fn words_that_are_both_goodbyes_and_opt_outs_opt_out() {
        for text in ["end", "quit", "cancel", "stop"] {
            assert_eq!(keyword(text), Some(OptOut), "{text:?}");
        }
        for text in ["bye", "Goodbye!", "exit", "adiós"] {
            assert_eq!(keyword(text), Some(End), "{text:?}");
        }
    }

    #[test]
    fn keywords_inside_longer_texts_are_not_keywords() {
        for text in [
            "send it to my friend",
            "I want to stop by tomorrow",
            "can you help me find a flat",
            "the end of the month",
            "don't stop now, what's next?",
            "yes",
            "goodbye to my old flat, hello new one",
            "can you stop by tomorrow",
            "no stop signs near the building?",
            "I want to cancel my viewing",
        ] {
            assert_eq!(keyword(text), None, "{text:?}");
        }
    }

    #[test]
    fn yes_opts_back_in_only_while_opted_out() {
        assert_eq!(classify("YES", Standing::OptedOut).map(|m| m.keyword), Some(OptIn));
        assert_eq!(classify("sí", Standing::OptedOut).map(|m| m.keyword), Some(OptIn));
        assert_eq!(classify("YES", Standing::Subscribed), None);
    }

    #[test]
    fn spanish_keywords_say_so() {
        assert_eq!(
            classify("ayuda", Standing::Subscribed),
            Some(KeywordMatch { keyword: Help, language: Some(Language::Es) })
        );
        assert_eq!(classify("HELP", Standing::Subscribed), Some(KeywordMatch { keyword: Help, language: None }));
        assert_eq!(keyword("empezar de nuevo"), Some(StartOver));
    }
}
