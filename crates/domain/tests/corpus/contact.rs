//! The contact's side of a dialogue: what a persona texts next, given where the form stands, and what an
//! honest model would read in it.

use smsagent_domain::Language;
use smsagent_domain::form::engine::{Awaiting, FormState, SlotState};
use smsagent_domain::form::{Form, SlotValue};
use smsagent_domain::text::fold;

use crate::persona::Persona;

/// One text, and what it states: the values (as written in it) and a yes or no.
#[derive(Debug, Clone)]
pub struct Said {
    pub text: String,
    pub states: Vec<(&'static str, String)>,
    pub answer: Option<bool>,
}

/// A persona texting: remembers what it already did (opened, made its mistake, answered out of order).
pub struct Contact<'a> {
    persona: &'a Persona,
    opened: bool,
    mistake_made: bool,
    out_of_order_done: bool,
    /// The state after the last turn: the same again means the engine did not get it, and the contact
    /// says it more plainly.
    last: Option<FormState>,
    turn: usize,
}

impl<'a> Contact<'a> {
    pub fn new(persona: &'a Persona) -> Contact<'a> {
        Contact { persona, opened: false, mistake_made: false, out_of_order_done: false, last: None, turn: 0 }
    }

    /// The next text, or `None` once the form is complete.
    pub fn next(&mut self, form: &Form, state: &FormState, sender: &str) -> Option<Said> {
        let plainly = self.last.as_ref() == Some(state);
        self.last = Some(state.clone());
        self.turn += 1;
        let said = match &state.awaiting {
            Awaiting::Nothing if state.completed => return None,
            Awaiting::Nothing => self.opening(),
            Awaiting::Answer(key) => self.answer(key, plainly),
            Awaiting::Confirmation(keys) => self.confirm(form, state, keys, sender, plainly),
        };
        Some(self.styled(said))
    }

    fn es(&self) -> bool {
        self.persona.language == Language::Es
    }

    /// Picks one phrasing, varying with the persona and the turn.
    fn pick<'p>(&self, phrasings: &[&'p str]) -> &'p str {
        phrasings[(self.persona.style.voice + self.turn * 7) % phrasings.len()]
    }

    fn opening(&mut self) -> Said {
        self.opened = true;
        let p = self.persona;
        if p.style.all_at_once {
            let (address, income) = (p.address, p.income.0);
            let text = if self.es() {
                format!("Hola, me llamo {} {}, vivo en {address} y gano {income}", p.first, p.last)
            } else {
                format!("Hi, I'm {} {}, I live at {address} and I make {income}", p.first, p.last)
            };
            let states = vec![
                ("first_name", p.first.to_owned()),
                ("last_name", p.last.to_owned()),
                ("address", address.to_owned()),
                ("annual_income", income.to_owned()),
            ];
            return Said { text, states, answer: None };
        }
        let text = if self.es() {
            self.pick(&[
                "Hola, quiero aplicar",
                "hola",
                "Buenas, me interesa el apartamento",
                "Hola! sigue disponible?",
            ])
        } else {
            self.pick(&[
                "Hi, I'd like to apply",
                "hello",
                "Hi! Is the apartment still available?",
                "hey, saw your listing",
            ])
        };
        Said { text: text.to_owned(), states: Vec::new(), answer: None }
    }

    /// The value of `key` as the persona writes it; the wrong one the first time, for its mistake.
    fn value(&mut self, key: &str) -> String {
        let p = self.persona;
        if p.style.mistake == Some(key) && !self.mistake_made {
            self.mistake_made = true;
            return match key {
                "first_name" => swap_two_letters(p.first),
                "last_name" => swap_two_letters(p.last),
                "address" => p.address.replacen(|c: char| c.is_ascii_digit(), "9", 1),
                _ => if self.es() { "58 mil" } else { "58k" }.to_owned(),
            };
        }
        match key {
            "first_name" => p.first.to_owned(),
            "last_name" => p.last.to_owned(),
            "phone" => p.other_phone.map_or("", |(written, _)| written).to_owned(),
            "address" => p.address.to_owned(),
            _ => p.income.0.to_owned(),
        }
    }

    fn answer(&mut self, key: &str, plainly: bool) -> Said {
        let p = self.persona;
        if p.style.out_of_order && !self.out_of_order_done && key == "first_name" {
            self.out_of_order_done = true;
            let income = p.income.0;
            let text = if self.es() { format!("mi ingreso es {income}") } else { format!("my income is {income}") };
            return Said { text, states: vec![("annual_income", income.to_owned())], answer: None };
        }
        if p.style.burst && key == "first_name" && !plainly {
            let (first, last) = (self.value("first_name"), self.value("last_name"));
            let text = format!("{first}\n{last}");
            return Said { text, states: vec![("first_name", first), ("last_name", last)], answer: None };
        }
        let value = self.value(key);
        let text = if plainly {
            value.clone()
        } else {
            let frame = match (key, self.es(), p.style.hedges) {
                ("first_name", false, false) => self.pick(&["{}", "I'm {}", "it's {}", "{} here"]),
                ("first_name", true, false) => self.pick(&["{}", "soy {}", "me llamo {}", "es {}"]),
                ("last_name", false, false) => self.pick(&["{}", "it's {}", "my last name is {}", "{}!"]),
                ("last_name", true, false) => self.pick(&["{}", "es {}", "mi apellido es {}", "{}!"]),
                ("phone", false, false) => self.pick(&["{}", "use {}", "call me at {}", "it's {}"]),
                ("phone", true, false) => self.pick(&["{}", "es el {}", "mejor al {}", "mi celular es {}"]),
                ("address", false, false) => self.pick(&["{}", "I live at {}", "it's {}", "{} thanks"]),
                ("address", true, false) => self.pick(&["{}", "vivo en {}", "es {}", "{} gracias"]),
                (_, false, false) => self.pick(&["{}", "I make {}", "{} a year", "around {}"]),
                (_, true, false) => self.pick(&["{}", "gano {}", "{} al año", "más o menos {}"]),
                (_, false, true) => self.pick(&["umm {}", "I think it's {}", "probably {}", "uh, {}"]),
                (_, true, true) => self.pick(&["mmm {}", "creo que es {}", "pues {}", "eh, {}"]),
            };
            let frame = if frame.contains("a year") && value.contains("month") { "{}" } else { frame };
            let frame = if frame.contains("al año") && value.contains("mes") { "{}" } else { frame };
            frame.replace("{}", &value)
        };
        let mut states = vec![(slot(key), value)];
        if key == "first_name" && text.contains(p.last) {
            states.push(("last_name", p.last.to_owned()));
        }
        Said { text, states, answer: None }
    }

    fn confirm(&mut self, form: &Form, state: &FormState, keys: &[String], sender: &str, plainly: bool) -> Said {
        let p = self.persona;
        let wrong: Vec<&String> = keys.iter().filter(|k| !self.is_right(form, state, k, sender)).collect();
        let Some(key) = wrong.first() else {
            let phone = keys == ["phone"];
            let yes = match (self.es(), plainly, phone) {
                (false, true, _) => "yes",
                (true, true, _) => "sí",
                (false, false, true) => self.pick(&["this one is fine", "yes", "yep that works", "that's fine", "👍"]),
                (true, false, true) => self.pick(&["sí, ese", "sí", "ese mismo", "está bien", "sí, ese está bien"]),
                (false, false, false) => self.pick(&["yes", "yep", "that's right", "correct", "Perfect", "sure", "👍"]),
                (true, false, false) => self.pick(&["sí", "correcto", "así es", "perfecto", "está bien", "claro"]),
            };
            return Said { text: yes.to_owned(), states: Vec::new(), answer: Some(true) };
        };
        let key = key.as_str();
        let value =
            if key == "first_name" && wrong.len() == 2 { format!("{} {}", p.first, p.last) } else { self.value(key) };
        let frame = match (self.es(), key == "phone") {
            (false, true) => self.pick(&["not that one, {}", "no, use {}", "nope, {}"]),
            (true, true) => self.pick(&["ese no, {}", "no, mejor el {}", "no, es el {}"]),
            (false, false) => self.pick(&["no, it's {}", "nope, {}", "no. {}", "wrong, it's {}"]),
            (true, false) => self.pick(&["no, es {}", "no, {}", "no. Es {}"]),
        };
        let mut states = vec![(slot(key), value.clone())];
        if key == "first_name" && wrong.len() == 2 {
            states = vec![("first_name", p.first.to_owned()), ("last_name", p.last.to_owned())];
        }
        Said { text: frame.replace("{}", &value), states, answer: Some(false) }
    }

    /// Whether the value read back for `key` is what the persona means.
    fn is_right(&self, form: &Form, state: &FormState, key: &str, sender: &str) -> bool {
        let p = self.persona;
        let Some(SlotState::Proposed { value, .. }) = state.slots.get(key) else { return true };
        let _ = form;
        match (key, value) {
            ("phone", SlotValue::Text(number)) => number == p.other_phone.map_or(sender, |(_, e164)| e164),
            ("annual_income", SlotValue::Cents(cents)) => *cents == p.income.1 * 100,
            (_, SlotValue::Text(text)) => fold(text) == fold(self.truth(key)),
            _ => false,
        }
    }

    /// What the persona means for a slot held as text.
    pub fn truth(&self, key: &str) -> &'static str {
        let p = self.persona;
        match key {
            "first_name" => p.first,
            "last_name" => p.last,
            "address" => p.address,
            _ => "",
        }
    }

    /// The persona's style over a text: emoji, typos, all caps.
    fn styled(&self, mut said: Said) -> Said {
        let style = &self.persona.style;
        if style.typos {
            for (from, to) in [("I'm ", "im "), ("it's ", "its "), ("that's", "thats"), ("yes", "yess"), ("sí", "si")]
            {
                said.text = said.text.replacen(from, to, 1);
            }
        }
        if style.emoji && !said.text.contains(['👍', '\n']) {
            said.text.push_str(if said.answer == Some(true) { " 👍" } else { " 🙂" });
        }
        if style.caps {
            said.text = said.text.to_uppercase();
            for (_, value) in &mut said.states {
                *value = value.to_uppercase();
            }
        }
        said
    }
}

fn slot(key: &str) -> &'static str {
    ["first_name", "last_name", "phone", "address", "annual_income"].into_iter().find(|k| *k == key).unwrap_or("")
}

/// "Maria" typed in a hurry: "Mraia".
fn swap_two_letters(word: &str) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() > 2 {
        chars.swap(1, 2);
    }
    chars.into_iter().collect()
}
