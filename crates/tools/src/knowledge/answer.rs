//! Answers from the knowledge base. The model is given the passages a search found and told to answer
//! only from them; its answer counts only if every number in it (a price, an hour, a date) is one the
//! passages wrote. Otherwise, and without a model, the answer is the passages' own sentence (or list line)
//! that shares the most words with the question, quoted; when none shares a word, or no passage was found,
//! the assistant says it does not know. The number check stops invented prices and hours, not every
//! misreading: a model may still pair a price with the wrong service.

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

/// Whether every number in `reply` appears in the passages. The contact's own numbers do not count: "is
/// whitening $99?" must not be answered "yes, $99" unless the documents say so.
pub fn grounded(reply: &str, found: &[Found]) -> bool {
    let mut known: Vec<String> = Vec::new();
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

/// The passages' sentence (or list line) that shares the most words with the question (ties: the
/// earlier), quoted as it is written; `None` when no sentence shares a word of three letters or more.
pub fn quote(found: &[Found], said: &str) -> Option<String> {
    let asked: Vec<String> = words(said).iter().filter(|w| w.chars().count() > 2).map(|w| stem(w)).collect();
    let mut best: Option<(usize, String)> = None;
    for passage in found {
        for line in passage.body.lines() {
            for sentence in sentences(line) {
                let shared = words(sentence).iter().filter(|w| asked.contains(&stem(w))).count();
                if shared > 0 && best.as_ref().is_none_or(|(score, _)| shared > *score) {
                    best = Some((shared, sentence.to_owned()));
                }
            }
        }
    }
    best.map(|(_, sentence)| sentence)
}

/// A word without the endings that make "costs" and "cost", "opening" and "open" differ.
fn stem(word: &str) -> String {
    for ending in ["ing", "es", "ed", "s"] {
        if let Some(root) = word.strip_suffix(ending)
            && root.chars().count() >= 3
        {
            return root.to_owned();
        }
    }
    word.to_owned()
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
        assert!(grounded("A cleaning is $80.", &passages));
        assert!(!grounded("A cleaning is $60.", &passages), "an invented price");
        assert!(!grounded("Yes, whitening is $99.", &passages), "the contact's own number proves nothing");
        assert!(grounded("We can't say, sorry.", &passages));
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
        assert_eq!(quote(&passages, "what time do you close on Sunday"), None, "no word in common: no quote");
        let list = [found("Prices:\n- Cleaning $80\n- Whitening $250\n- Fillings from $120")];
        assert_eq!(quote(&list, "how much are fillings?").as_deref(), Some("- Fillings from $120"), "a list line");
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
