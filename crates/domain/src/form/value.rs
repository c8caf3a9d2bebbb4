//! Slot values: reading them out of what a contact typed, checking them, and showing them back.
//!
//! Every reader normalises: names are trimmed and capitalised, phones become E.164, "85k" and
//! "$85,000 a year" become 85000. A reader that cannot make sense of its input says why, and the engine
//! keeps whatever valid value the slot held before.

use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use phonenumber::Mode;
use regex::Regex;
use serde::{Deserialize, Serialize};

use super::{Period, SlotKind, spelled};
use crate::language::MONTHS_ES;
use crate::text::{fold, strip_accent};
use crate::{Language, PhoneNumber};

/// A slot's value once read and checked. Written as a submission shows it, wherever it is written (the
/// form's state too): text as a string, money in currency units, yes/no as a boolean.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotValue {
    /// Names, phones (E.164), addresses, emails, dates (ISO 8601), choices, free text.
    Text(String),
    /// Money, in cents.
    Cents(i64),
    Bool(bool),
}

impl Serialize for SlotValue {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for SlotValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        /// How states stored before values took the submission's shape wrote them.
        #[derive(Deserialize)]
        #[serde(rename_all = "snake_case")]
        enum Tagged {
            Text(String),
            Cents(i64),
            Bool(bool),
        }
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(text) => Ok(SlotValue::Text(text)),
            serde_json::Value::Bool(b) => Ok(SlotValue::Bool(b)),
            serde_json::Value::Number(units) => units
                .as_i64()
                .and_then(|whole| whole.checked_mul(100))
                .or_else(|| units.as_f64().map(|u| (u * 100.0).round() as i64))
                .map(SlotValue::Cents)
                .ok_or_else(|| D::Error::custom(format!("{units} is not an amount"))),
            tagged => match serde_json::from_value(tagged).map_err(D::Error::custom)? {
                Tagged::Text(text) => Ok(SlotValue::Text(text)),
                Tagged::Cents(cents) => Ok(SlotValue::Cents(cents)),
                Tagged::Bool(b) => Ok(SlotValue::Bool(b)),
            },
        }
    }
}

/// Why a reader refused its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    Empty,
    Name,
    Phone,
    Address,
    Amount,
    /// An hourly wage where a yearly or monthly amount was asked.
    Hourly,
    Email,
    Date,
    YesNo,
    Choice,
    TooLong,
}

/// What a reader may need to know besides the text.
#[derive(Debug, Clone, Copy)]
pub struct Reading<'a> {
    pub language: Language,
    /// The number the contact texts from: its country is the default for numbers typed without one.
    pub sender: Option<&'a PhoneNumber>,
}

/// Reads `raw` as a value of `kind`.
pub fn read(kind: &SlotKind, raw: &str, reading: &Reading) -> Result<SlotValue, Invalid> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(Invalid::Empty);
    }
    match kind {
        SlotKind::PersonName { .. } => person_name(raw).map(SlotValue::Text),
        SlotKind::Phone { .. } => phone(raw, reading.sender).map(SlotValue::Text),
        SlotKind::PostalAddress => address(raw).map(SlotValue::Text),
        SlotKind::Money { per } => money(raw, *per).map(SlotValue::Cents),
        SlotKind::Email => email(raw).map(SlotValue::Text),
        SlotKind::Date => date(raw, reading.language).map(|d| SlotValue::Text(d.format("%Y-%m-%d").to_string())),
        SlotKind::YesNo => yes_no(raw).map(SlotValue::Bool).ok_or(Invalid::YesNo),
        SlotKind::Choice { options } => choice(raw, options).map(SlotValue::Text),
        SlotKind::FreeText => free_text(raw).map(SlotValue::Text),
    }
}

impl SlotValue {
    /// The value in a submission: text as a string, money in currency units, yes/no as a boolean.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            SlotValue::Text(text) => serde_json::Value::String(text.clone()),
            SlotValue::Cents(cents) if cents % 100 == 0 => serde_json::Value::from(cents / 100),
            SlotValue::Cents(cents) => serde_json::Value::from(*cents as f64 / 100.0),
            SlotValue::Bool(b) => serde_json::Value::Bool(*b),
        }
    }

    /// The value as a reply shows it.
    pub fn display(&self, kind: &SlotKind, language: Language) -> String {
        match (self, kind) {
            (SlotValue::Text(number), SlotKind::Phone { .. }) => phonenumber::parse(None, number)
                .map(|n| n.format().mode(Mode::International).to_string())
                .unwrap_or_else(|_| number.clone()),
            (SlotValue::Text(iso), SlotKind::Date) => match NaiveDate::parse_from_str(iso, "%Y-%m-%d") {
                Ok(d) if language == Language::Es => {
                    format!("{} de {} de {}", d.day(), MONTHS_ES[d.month0() as usize], d.year())
                }
                Ok(d) => d.format("%B %-d, %Y").to_string(),
                Err(_) => iso.clone(),
            },
            (SlotValue::Text(text), _) => text.clone(),
            // The period said, since an amount given for another one was converted ("$7,000 a month" is
            // read back as "$84,000 a year", not as a bare "$84,000").
            (SlotValue::Cents(cents), SlotKind::Money { per: Some(per) }) => {
                let per = match (per, language) {
                    (Period::Year, Language::Es) => "al año",
                    (Period::Month, Language::Es) => "al mes",
                    (Period::Year, Language::En) => "a year",
                    (Period::Month, Language::En) => "a month",
                };
                format!("{} {per}", dollars(*cents))
            }
            (SlotValue::Cents(cents), _) => dollars(*cents),
            (SlotValue::Bool(true), _) => if language == Language::Es { "sí" } else { "yes" }.to_owned(),
            (SlotValue::Bool(false), _) => "no".to_owned(),
        }
    }
}

/// "$85,000" or "$1,234.50".
fn dollars(cents: i64) -> String {
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    match cents % 100 {
        0 => format!("${grouped}"),
        rest => format!("${grouped}.{rest:02}"),
    }
}

// --- names ------------------------------------------------------------------------------------------

/// Words that are answers, fillers, small talk or questions rather than names: a text with any of them
/// is not taken for a name. (Folded: lower case, no accents, no apostrophes.)
const NOT_NAMES: &str = "
    yes no ok okay sure hi hello hey i im me my mine the a an is it its what why how who dont know idk not none
    na skip thanks thank you please name first last wrong correct right hola si gracias que mi es el la nombre
    apellido se soy llamo and y or to for of good fine great well here new sorry just so very really happy glad
    interested looking bien aqui buscando interesado interesada bueno buena whats wheres hows hmm hm hmmm um umm uh
    huh lol haha wait rent price available apartment flat house room test start stop hold on one sec second minute
    moment idea perfect perfecto cool nice awesome sounds thats retired moving working currently between jobs
    unemployed student busy back later now soon today tomorrow yesterday week next again also too still maybe
    probably oops help info can could would will do does did have has had be been am are was were all any some
    this these those there where when which about with without from by at in out up down ya momento espera un una
    uno claro vale listo aun todavia despues
";

fn not_a_name(word: &str) -> bool {
    let folded = fold(word);
    NOT_NAMES.split_whitespace().any(|w| w == folded)
}

fn person_name(raw: &str) -> Result<String, Invalid> {
    let trimmed = raw.trim_matches(|c: char| !c.is_alphanumeric());
    let words: Vec<&str> = trimmed.split_whitespace().collect();
    if words.is_empty() {
        return Err(Invalid::Name);
    }
    let name_like =
        |w: &&str| w.chars().any(char::is_alphabetic) && w.chars().all(|c| c.is_alphabetic() || "-'’.".contains(c));
    if words.len() > 4 || trimmed.chars().count() > 60 || !words.iter().all(name_like) {
        return Err(Invalid::Name);
    }
    if words.iter().any(|w| not_a_name(w)) {
        return Err(Invalid::Name);
    }
    Ok(words.iter().map(|w| capitalise(w)).collect::<Vec<_>>().join(" "))
}

/// "maria" and "MARIA" become "Maria", "o'brien" "O'Brien"; a name cased on purpose ("McDonald",
/// "deShawn") keeps its inner capitals.
fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    let rest: String = chars.collect();
    if rest.chars().any(char::is_uppercase) && rest.chars().any(char::is_lowercase) {
        return first + &rest;
    }
    // Capital after a hyphen, and after an apostrophe that starts a name part (O'Brien, not Jo's).
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len());
    for (i, c) in chars.iter().enumerate() {
        let after_joiner = i > 0
            && match chars[i - 1] {
                '-' => true,
                '\'' | '’' => chars[i..].iter().take_while(|c| c.is_alphabetic()).count() >= 2,
                _ => false,
            };
        if i == 0 || after_joiner {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

// --- phones -----------------------------------------------------------------------------------------

static PHONE_IN_TEXT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\+?\(?\d[\d\s().\-]{5,}\d").expect("the phone pattern compiles"));

/// The phone number written in `raw` ("use 415 555 0199 instead"), in the sender's country unless it says.
fn phone(raw: &str, sender: Option<&PhoneNumber>) -> Result<String, Invalid> {
    let sender = sender.and_then(|s| phonenumber::parse(None, s.as_str()).ok());
    let written = PHONE_IN_TEXT.find(raw).ok_or(Invalid::Phone)?.as_str();
    let digits = written.chars().filter(char::is_ascii_digit).count();
    if !(7..=15).contains(&digits) {
        return Err(Invalid::Phone);
    }
    // The sender's region when their number has one; else their calling code (a number with an
    // unassigned area code still says which country it dials from).
    let number = match sender.as_ref().and_then(|n| n.country().id()) {
        Some(region) => phonenumber::parse(Some(region), written),
        None => match sender.as_ref().map(|n| n.code().value()) {
            Some(code) if !written.starts_with('+') => phonenumber::parse(None, format!("+{code} {written}")),
            _ => phonenumber::parse(None, written),
        },
    }
    .map_err(|_| Invalid::Phone)?;
    if !number.is_valid() {
        return Err(Invalid::Phone);
    }
    Ok(number.format().mode(Mode::E164).to_string())
}

// --- addresses --------------------------------------------------------------------------------------

fn address(raw: &str) -> Result<String, Invalid> {
    let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let address = collapsed.trim_end_matches(['.', '!', '?']).to_owned();
    if address.chars().count() > 200 {
        return Err(Invalid::TooLong);
    }
    let has_number = address.chars().any(|c| c.is_ascii_digit());
    let letters = address.chars().filter(|c| c.is_alphabetic()).count();
    if address.chars().count() < 5 || !has_number || letters < 3 || address.split_whitespace().count() < 2 {
        return Err(Invalid::Address);
    }
    Ok(address)
}

// --- money ------------------------------------------------------------------------------------------

static AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(\d[\d,.\s]*\d|\d)\s*(k|m|thousand|grand|million|mil|millones|millón|millon)?\b")
        .expect("the amount pattern compiles")
});

const MONTHLY: &[&str] =
    &["a month", "per month", "monthly", "/mo", "/month", "month", "al mes", "por mes", "mensual", "mensuales"];
const HOURLY: &[&str] = &["an hour", "per hour", "hourly", "/hr", "/hour", "hour", "por hora", "la hora"];

fn money(raw: &str, per: Option<Period>) -> Result<i64, Invalid> {
    let lower = raw.to_lowercase();
    // Digits first; a small number in words ("this one") is no amount.
    let number = match amounts_in(&lower).first() {
        Some(&number) if AMOUNT.is_match(&lower) || number >= 100.0 => number,
        _ => return Err(Invalid::Amount),
    };
    let mentions = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    if per.is_some() && mentions(HOURLY) {
        return Err(Invalid::Hourly);
    }
    let yearly_from_monthly = per == Some(Period::Year) && mentions(MONTHLY);
    let amount = number * if yearly_from_monthly { 12.0 } else { 1.0 };
    if !(amount > 0.0 && amount < 1e10) {
        return Err(Invalid::Amount);
    }
    Ok((amount * 100.0).round() as i64)
}

/// Every amount a text writes, in digits ("85k", "$85.000", "1.2m") or in words ("ochenta y cinco mil").
pub(super) fn amounts_in(text: &str) -> Vec<f64> {
    let lower = text.to_lowercase();
    AMOUNT
        .captures_iter(&lower)
        .filter_map(|captures| {
            let number = number(captures.get(1)?.as_str())?;
            let multiplier = match captures.get(2).map(|m| m.as_str()) {
                Some("k" | "thousand" | "grand" | "mil") => 1_000.0,
                Some("m" | "million" | "millones" | "millón" | "millon") => 1_000_000.0,
                _ => 1.0,
            };
            Some(number * multiplier)
        })
        .chain(spelled::numbers(&lower))
        .collect()
}

/// A number written with thousands separators and an optional decimal part, in either convention:
/// "85,000", "85.000", "1,234.50", "1.234,50", "85.5".
fn number(text: &str) -> Option<f64> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let last_separator = compact.rfind([',', '.']);
    let normalised = match last_separator {
        None => compact,
        Some(at) => {
            let decimals = compact.len() - at - 1;
            let mixed = compact.contains(',') && compact.contains('.');
            let separators = compact.matches([',', '.']).count();
            // A separator followed by exactly three digits groups thousands, unless another kind came earlier.
            let decimal_point = if mixed { true } else { decimals != 3 && separators == 1 };
            let (whole, fraction) = compact.split_at(at);
            let whole: String = whole.chars().filter(char::is_ascii_digit).collect();
            if decimal_point { format!("{whole}.{}", &fraction[1..]) } else { format!("{whole}{}", &fraction[1..]) }
        }
    };
    normalised.parse().ok()
}

// --- emails, dates, yes/no, choices, free text -------------------------------------------------------

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}$")
        .expect("the email pattern compiles")
});

fn email(raw: &str) -> Result<String, Invalid> {
    let candidate = raw.trim_matches(|c: char| c.is_whitespace() || "<>.,;".contains(c));
    if !EMAIL.is_match(candidate) {
        return Err(Invalid::Email);
    }
    let (local, domain) = candidate.split_once('@').ok_or(Invalid::Email)?;
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

static SPANISH_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(\d{1,2}) de ([a-z]+) (?:de |del )?(\d{4})$").expect("the Spanish date pattern compiles")
});

/// ISO and written dates, numeric dates month first in English and day first in Spanish, and
/// "3 de mayo de 1990".
fn date(raw: &str, language: Language) -> Result<NaiveDate, Invalid> {
    let text: String = raw.to_lowercase().chars().map(strip_accent).collect();
    let text = text.trim().trim_end_matches('.').replace(',', "");
    if let Some(c) = SPANISH_DATE.captures(&text) {
        let month = MONTHS_ES.iter().position(|m| *m == &c[2]).ok_or(Invalid::Date)? as u32 + 1;
        let (day, year) = (c[1].parse().map_err(|_| Invalid::Date)?, c[3].parse().map_err(|_| Invalid::Date)?);
        return NaiveDate::from_ymd_opt(year, month, day).ok_or(Invalid::Date);
    }
    let numeric: &[&str] = match language {
        Language::En => &["%m/%d/%Y", "%m-%d-%Y"],
        Language::Es => &["%d/%m/%Y", "%d-%m-%Y"],
    };
    let written = ["%Y-%m-%d", "%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y"];
    numeric.iter().chain(&written).find_map(|f| NaiveDate::parse_from_str(&text, f).ok()).ok_or(Invalid::Date)
}

const YES: &[&str] = &[
    "yes",
    "y",
    "yeah",
    "yea",
    "yep",
    "yup",
    "sure",
    "correct",
    "right",
    "thats right",
    "that is right",
    "thats correct",
    "that is correct",
    "its correct",
    "ok",
    "okay",
    "confirmed",
    "affirmative",
    "yes please",
    "yes thats right",
    "yes correct",
    "yes it is",
    "yes thats correct",
    "si",
    "claro",
    "correcto",
    "exacto",
    "asi es",
    "eso es",
    "si es correcto",
    "es correcto",
    "si correcto",
    "afirmativo",
    "de acuerdo",
    "vale",
];
const NO: &[&str] = &[
    "no",
    "n",
    "nope",
    "nah",
    "incorrect",
    "wrong",
    "not right",
    "thats wrong",
    "that is wrong",
    "thats not right",
    "thats incorrect",
    "not correct",
    "no thats wrong",
    "no es correcto",
    "incorrecto",
    "no es asi",
    "esta mal",
];

/// "yes", "that's right", "sí" are yes; "no", "nope", "incorrecto" are no; anything else is neither.
pub fn yes_no(text: &str) -> Option<bool> {
    let folded = fold(text);
    if YES.contains(&folded.as_str()) {
        Some(true)
    } else if NO.contains(&folded.as_str()) {
        Some(false)
    } else {
        None
    }
}

fn choice(raw: &str, options: &[String]) -> Result<String, Invalid> {
    let folded = fold(raw);
    if let Ok(n) = folded.parse::<usize>() {
        return options.get(n.wrapping_sub(1)).cloned().ok_or(Invalid::Choice);
    }
    let padded = format!(" {folded} ");
    let matching: Vec<&String> = options
        .iter()
        .filter(|o| {
            let option = fold(o);
            option == folded || padded.contains(&format!(" {option} "))
        })
        .collect();
    match matching.as_slice() {
        [only] => Ok((*only).clone()),
        _ => Err(Invalid::Choice),
    }
}

fn free_text(raw: &str) -> Result<String, Invalid> {
    if raw.chars().count() > 500 { Err(Invalid::TooLong) } else { Ok(raw.to_owned()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reading() -> Reading<'static> {
        Reading { language: Language::En, sender: None }
    }

    fn text(kind: &SlotKind, raw: &str) -> Result<String, Invalid> {
        match read(kind, raw, &reading())? {
            SlotValue::Text(t) => Ok(t),
            other => panic!("{other:?}"),
        }
    }

    const NAME: SlotKind = SlotKind::PersonName { part: super::super::NamePart::Given };
    const INCOME: SlotKind = SlotKind::Money { per: Some(Period::Year) };

    #[test]
    fn names_are_trimmed_and_capitalised() {
        for (raw, expected) in [
            ("maria", "Maria"),
            ("  MARIA  ", "Maria"),
            ("maría josé", "María José"),
            ("o'brien", "O'Brien"),
            ("d'angelo", "D'Angelo"),
            ("garcia-lopez", "Garcia-Lopez"),
            ("McDonald", "McDonald"),
            ("Maria.", "Maria"),
        ] {
            assert_eq!(text(&NAME, raw).as_deref(), Ok(expected), "{raw}");
        }
    }

    #[test]
    fn things_that_are_not_names_are_refused() {
        for raw in ["yes", "I don't know", "123", "what is this?", "my name", "a b c d e", "maria123", "no"] {
            assert_eq!(text(&NAME, raw), Err(Invalid::Name), "{raw}");
        }
    }

    #[test]
    fn incomes_in_every_common_form_become_whole_amounts() {
        for (raw, dollars) in [
            ("85k", 85_000),
            ("85K", 85_000),
            ("$85,000", 85_000),
            ("$85,000 a year", 85_000),
            ("85000", 85_000),
            ("about 85 thousand", 85_000),
            ("85 mil al año", 85_000),
            ("85.000", 85_000),
            ("$7,000 a month", 84_000),
            ("7k per month", 84_000),
            ("1.2m", 1_200_000),
            ("$1,234.50", 1_234),
            ("eighty-five thousand a year", 85_000),
            ("ochenta y cinco mil", 85_000),
            ("seven thousand a month", 84_000),
        ] {
            let cents = match read(&INCOME, raw, &reading()) {
                Ok(SlotValue::Cents(c)) => c,
                other => panic!("{raw}: {other:?}"),
            };
            assert_eq!(cents / 100, dollars, "{raw}");
        }
        assert_eq!(read(&INCOME, "$1,234.50", &reading()), Ok(SlotValue::Cents(123_450)));
    }

    #[test]
    fn an_amount_is_read_back_with_the_period_it_is_for() {
        let monthly = read(&INCOME, "$7,000 a month", &reading()).unwrap();
        assert_eq!(monthly.display(&INCOME, Language::En), "$84,000 a year", "converted, and says so");
        assert_eq!(monthly.display(&INCOME, Language::Es), "$84,000 al año");
        let rent = SlotKind::Money { per: Some(Period::Month) };
        assert_eq!(read(&rent, "1200", &reading()).unwrap().display(&rent, Language::En), "$1,200 a month");
        let deposit = SlotKind::Money { per: None };
        assert_eq!(read(&deposit, "1200", &reading()).unwrap().display(&deposit, Language::En), "$1,200");
    }

    #[test]
    fn amounts_that_cannot_be_read_are_refused() {
        assert_eq!(read(&INCOME, "a lot", &reading()), Err(Invalid::Amount));
        assert_eq!(read(&INCOME, "$0", &reading()), Err(Invalid::Amount));
        assert_eq!(read(&INCOME, "$25 an hour", &reading()), Err(Invalid::Hourly));
    }

    #[test]
    fn a_value_is_written_as_a_submission_shows_it_and_read_back_in_either_shape() {
        let values = [
            SlotValue::Text("Maria".into()),
            SlotValue::Cents(8_500_000),
            SlotValue::Cents(123_450),
            SlotValue::Bool(true),
        ];
        let written: Vec<_> = values.iter().map(|v| serde_json::to_value(v).unwrap()).collect();
        assert_eq!(serde_json::Value::from(written.clone()), serde_json::json!(["Maria", 85000, 1234.5, true]));
        for (value, json) in values.iter().zip(written) {
            assert_eq!(&serde_json::from_value::<SlotValue>(json).unwrap(), value);
        }
        let stored_before = serde_json::json!([{"text": "Maria"}, {"cents": 8_500_000}, {"bool": true}]);
        let read: Vec<SlotValue> = serde_json::from_value(stored_before).unwrap();
        assert_eq!(read, [SlotValue::Text("Maria".into()), SlotValue::Cents(8_500_000), SlotValue::Bool(true)]);
    }

    #[test]
    fn amounts_display_with_separators() {
        assert_eq!(SlotValue::Cents(8_500_000).display(&INCOME, Language::En), "$85,000 a year");
        assert_eq!(SlotValue::Cents(123_450).display(&INCOME, Language::En), "$1,234.50 a year");
        assert_eq!(SlotValue::Cents(8_500_000).to_json(), serde_json::json!(85000));
    }

    #[test]
    fn phones_become_e164_in_the_senders_country() {
        let sender = PhoneNumber::parse("+14155552671").unwrap();
        let reading = Reading { language: Language::En, sender: Some(&sender) };
        let phone = SlotKind::Phone { offer_sender: false };
        for raw in ["(415) 555-2671", "415.555.2671", "+1 415 555 2671", "4155552671"] {
            assert_eq!(read(&phone, raw, &reading), Ok(SlotValue::Text("+14155552671".into())), "{raw}");
        }
        assert_eq!(read(&phone, "+44 20 7946 0958", &reading), Ok(SlotValue::Text("+442079460958".into())));
        // A sender whose own number has a fictional area code still gives the country.
        let fictional = PhoneNumber::parse("+15551234567").unwrap();
        let from_fictional = Reading { language: Language::En, sender: Some(&fictional) };
        assert_eq!(read(&phone, "(415) 555-2671", &from_fictional), Ok(SlotValue::Text("+14155552671".into())));
        assert_eq!(read(&phone, "use 415 555 2671 instead", &reading), Ok(SlotValue::Text("+14155552671".into())));
        for raw in ["12345", "call me maybe", "000-000-0000"] {
            assert_eq!(read(&phone, raw, &reading), Err(Invalid::Phone), "{raw}");
        }
        assert_eq!(SlotValue::Text("+14155552671".into()).display(&phone, Language::En), "+1 415-555-2671");
    }

    #[test]
    fn addresses_emails_dates_and_choices() {
        assert_eq!(
            text(&SlotKind::PostalAddress, "123  Main St,  Springfield, IL 62701."),
            Ok("123 Main St, Springfield, IL 62701".into())
        );
        assert_eq!(text(&SlotKind::PostalAddress, "downtown"), Err(Invalid::Address));
        assert_eq!(text(&SlotKind::Email, "Maria@Example.COM"), Ok("Maria@example.com".into()));
        assert_eq!(text(&SlotKind::Email, "maria at example"), Err(Invalid::Email));
        for raw in ["1990-05-03", "05/03/1990", "May 3, 1990", "3 de mayo de 1990"] {
            assert_eq!(text(&SlotKind::Date, raw), Ok("1990-05-03".into()), "{raw}");
        }
        let spanish = Reading { language: Language::Es, sender: None };
        assert_eq!(
            read(&SlotKind::Date, "03/05/1990", &spanish),
            Ok(SlotValue::Text("1990-05-03".into())),
            "day first in Spanish"
        );
        let pets = SlotKind::Choice { options: vec!["Dog".into(), "Cat".into(), "None".into()] };
        assert_eq!(text(&pets, "a cat"), Ok("Cat".into()));
        assert_eq!(text(&pets, "2"), Ok("Cat".into()));
        assert_eq!(text(&pets, "a horse"), Err(Invalid::Choice));
    }

    #[test]
    fn yes_and_no_in_english_and_spanish() {
        for yes in ["yes", "Yes!", "yep", "that's right", "Sí", "si", "correcto", "ok"] {
            assert_eq!(yes_no(yes), Some(true), "{yes}");
        }
        for no in ["no", "No.", "nope", "incorrecto", "that's wrong"] {
            assert_eq!(yes_no(no), Some(false), "{no}");
        }
        assert_eq!(yes_no("maybe"), None);
    }

    proptest! {
        #[test]
        fn any_whole_amount_written_with_separators_reads_back(dollars in 1i64..10_000_000) {
            let plain = dollars.to_string();
            let grouped = dollars_with(&plain, ',');
            for written in [plain.clone(), format!("${grouped}"), format!("{grouped} a year"), dollars_with(&plain, '.')] {
                prop_assert_eq!(read(&INCOME, &written, &reading()), Ok(SlotValue::Cents(dollars * 100)), "{}", written);
            }
        }

        #[test]
        fn a_read_name_reads_back_unchanged(name in "[a-zA-Z]{2,10}( [a-zA-Z]{2,10}){0,2}") {
            if let Ok(first) = text(&NAME, &name) {
                prop_assert_eq!(text(&NAME, &first), Ok(first.clone()));
                prop_assert!(first.split(' ').all(|w| w.starts_with(|c: char| c.is_uppercase())));
            }
        }
    }

    fn dollars_with(plain: &str, separator: char) -> String {
        let mut out = String::new();
        for (i, d) in plain.chars().enumerate() {
            if i > 0 && (plain.len() - i).is_multiple_of(3) {
                out.push(separator);
            }
            out.push(d);
        }
        out
    }
}
