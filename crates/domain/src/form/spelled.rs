//! Numbers written in words, in English and Spanish: "eighty-five thousand", "ochenta y cinco mil". People
//! text amounts that way, and a value the model reads as 85000 is the contact's only if their words say it.

use crate::text::fold;

/// The numbers `text` spells out, in order. Digits are not read here.
pub fn numbers(text: &str) -> Vec<f64> {
    let folded = fold(text);
    let mut found = Vec::new();
    let (mut total, mut current, mut open) = (0.0_f64, 0.0_f64, false);
    let mut close = |total: &mut f64, current: &mut f64, open: &mut bool| {
        if *open {
            found.push(*total + *current);
        }
        (*total, *current, *open) = (0.0, 0.0, false);
    };
    for word in folded.split(' ') {
        if let Some(value) = small(word) {
            // "five six" is two numbers, "eighty five" one.
            if open && current > 0.0 && !adds_to(current, value) {
                close(&mut total, &mut current, &mut open);
            }
            current += value;
            open = true;
        } else if let Some(scale) = scale(word) {
            let base = if current == 0.0 { 1.0 } else { current };
            if scale == 100.0 {
                current = base * 100.0;
            } else {
                total += base * scale;
                current = 0.0;
            }
            open = true;
        } else if open && ["and", "y", "a"].contains(&word) {
            // "a hundred and five", "ochenta y cinco": a number goes on.
        } else if ["a", "un", "una"].contains(&word) {
            // "a hundred", "un millón": the next word may be a scale.
        } else {
            close(&mut total, &mut current, &mut open);
        }
    }
    close(&mut total, &mut current, &mut open);
    found
}

/// Whether `word` is part of a number written in words ("cinco", "thousand").
pub fn is_number_word(word: &str) -> bool {
    let folded = fold(word);
    small(&folded).is_some() || scale(&folded).is_some()
}

/// Whether `value` can follow `current` in one number: "eighty five", "ciento veinte", not "five six".
fn adds_to(current: f64, value: f64) -> bool {
    let last = current % 100.0;
    (value < 10.0 && last % 10.0 == 0.0 && last >= 20.0) || (value < 100.0 && last == 0.0 && current >= 100.0)
}

fn scale(word: &str) -> Option<f64> {
    Some(match word {
        "hundred" | "cien" | "ciento" | "cientos" => 100.0,
        "thousand" | "grand" | "mil" => 1_000.0,
        "million" | "millions" | "millon" | "millones" => 1_000_000.0,
        _ => return None,
    })
}

fn small(word: &str) -> Option<f64> {
    const EN: [&str; 20] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ];
    const EN_TENS: [&str; 8] = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];
    const ES: [&str; 30] = [
        "cero",
        "uno",
        "dos",
        "tres",
        "cuatro",
        "cinco",
        "seis",
        "siete",
        "ocho",
        "nueve",
        "diez",
        "once",
        "doce",
        "trece",
        "catorce",
        "quince",
        "dieciseis",
        "diecisiete",
        "dieciocho",
        "diecinueve",
        "veinte",
        "veintiuno",
        "veintidos",
        "veintitres",
        "veinticuatro",
        "veinticinco",
        "veintiseis",
        "veintisiete",
        "veintiocho",
        "veintinueve",
    ];
    const ES_TENS: [&str; 7] = ["treinta", "cuarenta", "cincuenta", "sesenta", "setenta", "ochenta", "noventa"];
    const ES_HUNDREDS: [&str; 8] = [
        "doscientos",
        "trescientos",
        "cuatrocientos",
        "quinientos",
        "seiscientos",
        "setecientos",
        "ochocientos",
        "novecientos",
    ];
    let at = |list: &[&str]| list.iter().position(|w| *w == word);
    let value = if let Some(n) = at(&EN).or_else(|| at(&ES)) {
        n
    } else if let Some(n) = at(&EN_TENS) {
        (n + 2) * 10
    } else if let Some(n) = at(&ES_TENS) {
        (n + 3) * 10
    } else if let Some(n) = at(&ES_HUNDREDS) {
        (n + 2) * 100
    } else {
        return None;
    };
    Some(value as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_in_words_read_as_numbers() {
        assert_eq!(numbers("eighty-five thousand a year"), [85_000.0]);
        assert_eq!(numbers("about a hundred and twenty thousand"), [120_000.0]);
        assert_eq!(numbers("ochenta y cinco mil al año"), [85_000.0]);
        assert_eq!(numbers("un millón doscientos mil"), [1_200_000.0]);
        assert_eq!(numbers("two thousand five hundred a month"), [2_500.0]);
        assert_eq!(numbers("five six"), [5.0, 6.0]);
        assert_eq!(numbers("veintidós mil quinientos"), [22_500.0]);
        assert!(numbers("a fair amount").is_empty());
    }
}
