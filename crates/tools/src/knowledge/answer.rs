//! Answers from the knowledge base. The model is given the passages a search found and told to answer
//! only from them; its answer counts only if every number in it (a price, an hour, a date) is one the
//! passages or the contact wrote. Otherwise, and without a model, the answer is the passages' own sentence
//! that best meets the question, quoted. With no passage found, the assistant says it does not know.

use smsagent_domain::Language;
use smsagent_domain::text::words;

use super::passages::sentences;

/// A passage a search found.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub title: String,
    pub heading: Option<String>,
    pub body: String,
}

/// What the system prompt adds: the passages, and how to use them.
pub fn instructions(found: &[Found], language: Language) -> String {
    let mut text = String::from(
        "Answer the customer's question only from the passages below, in one or two short sentences. If they do \
         not answer it, say you don't know. Never add prices, times or facts that are not in them.",
    );
    if language == Language::Es {
        text.push_str(" Answer in Spanish.");
    }
    for (n, passage) in found.iter().enumerate() {
        let heading = passage.heading.as_deref().map(|h| format!(" ({h})")).unwrap_or_default();
        text.push_str(&format!("\n\n[{}] {}{heading}:\n{}", n + 1, passage.title, passage.body));
    }
    text
}

/// Whether every number in `reply` appears in the passages or in what the contact said.
pub fn grounded(reply: &str, found: &[Found], said: &str) -> bool {
    let mut known: Vec<String> = numbers(said);
    for passage in found {
        known.extend(numbers(&passage.body));
        known.extend(passage.heading.iter().flat_map(|h| numbers(h)));
    }
    numbers(reply).iter().all(|n| known.contains(n))
}

/// The numbers in a text, as digits ("$1,200.50" is "120050", "9:30" is "930").
fn numbers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_digit() {
            current.push(*c);
        } else if matches!(c, ',' | '.' | ':')
            && !current.is_empty()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit)
        {
            // A separator inside a number.
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// The passages' sentence that shares the most words with the question (ties: the earlier), quoted as it
/// is written.
pub fn quote(found: &[Found], said: &str) -> Option<String> {
    let asked: Vec<String> = words(said).into_iter().filter(|w| w.chars().count() > 2).collect();
    let mut best: Option<(usize, String)> = None;
    for passage in found {
        let body = passage.body.replace('\n', " ");
        for sentence in sentences(&body) {
            let shared = words(sentence).iter().filter(|w| asked.contains(w)).count();
            if best.as_ref().is_none_or(|(score, _)| shared > *score) {
                best = Some((shared, sentence.to_owned()));
            }
        }
    }
    best.map(|(_, sentence)| sentence)
}

/// What the assistant says when the knowledge base has nothing on the question.
pub fn dont_know(language: Language) -> &'static str {
    match language {
        Language::En => {
            "Sorry, I don't have that information. A member of our team can help: just ask and we'll get back to you."
        }
        Language::Es => {
            "Lo siento, no tengo esa información. Alguien de nuestro equipo puede ayudarle: pregunte y le responderemos."
        }
    }
}

/// Whether a text asks something: a question mark, or a question's first word.
pub fn is_question(said: &str) -> bool {
    if said.contains('?') {
        return true;
    }
    let words = words(said);
    words.first().is_some_and(|w| {
        matches!(
            w.as_str(),
            "what"
                | "when"
                | "where"
                | "which"
                | "who"
                | "why"
                | "how"
                | "do"
                | "does"
                | "is"
                | "are"
                | "can"
                | "could"
                | "que"
                | "cual"
                | "cuales"
                | "cuando"
                | "donde"
                | "quien"
                | "por"
                | "como"
                | "cuanto"
                | "cuanta"
                | "cuantos"
                | "tienen"
                | "hay"
                | "puedo"
                | "aceptan"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(body: &str) -> Found {
        Found { title: "FAQ".into(), heading: Some("Prices".into()), body: body.into() }
    }

    #[test]
    fn an_answer_counts_only_with_numbers_the_passages_hold() {
        let passages = [found("A cleaning costs $80. Whitening is $250 and takes 90 minutes.")];
        assert!(grounded("A cleaning is $80.", &passages, "how much is a cleaning?"));
        assert!(!grounded("A cleaning is $60.", &passages, "how much is a cleaning?"), "an invented price");
        assert!(grounded("We can't say, sorry.", &passages, "x"));
        assert_eq!(numbers("$1,200.50 at 9:30"), ["120050", "930"]);
    }

    #[test]
    fn the_quote_is_the_sentence_that_meets_the_question() {
        let passages = [found("A cleaning costs $80. Whitening is $250 and takes 90 minutes.")];
        assert_eq!(
            quote(&passages, "How much is whitening?").as_deref(),
            Some("Whitening is $250 and takes 90 minutes.")
        );
        assert_eq!(quote(&[], "anything"), None);
    }

    #[test]
    fn questions_are_told_from_other_texts() {
        assert!(is_question("do you take insurance"));
        assert!(is_question("¿Aceptan seguro?"));
        assert!(is_question("Cuánto cuesta una limpieza"));
        assert!(!is_question("thanks!"));
        assert!(!is_question("Maria Garcia"));
    }

    #[test]
    fn the_prompt_holds_every_passage_with_its_source() {
        let text = instructions(&[found("A cleaning costs $80.")], Language::Es);
        assert!(text.contains("[1] FAQ (Prices):\nA cleaning costs $80.") && text.contains("Spanish"), "{text}");
    }
}
