//! The business's opening hours as people ask for them ("what are your hours?", "¿a qué hora abren?") and
//! as a text says them: "We're open Monday to Friday, 9:00 AM to 5:00 PM; Saturday, 10:00 AM to 1:00 PM."

use chrono::NaiveTime;
use smsagent_domain::Language;
use smsagent_domain::text::words;

use crate::availability::{Opening, Rules};

const DAYS_EN: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const DAYS_ES: [&str; 7] = ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"];

/// Whether a text asks when the business is open.
pub fn asked(said: &str) -> bool {
    let words = words(said);
    let has = |list: &[&str]| words.iter().any(|w| list.contains(&w.as_str()));
    let hours = has(&[
        "hours", "open", "opening", "close", "closing", "horario", "horarios", "abren", "cierran", "abierto",
        "abiertos",
    ]);
    let asking = said.contains('?')
        || words.first().is_some_and(|w| {
            matches!(
                w.as_str(),
                "what" | "when" | "are" | "is" | "do" | "how" | "que" | "cual" | "cuando" | "a" | "estan" | "tienen"
            )
        });
    hours && asking
}

/// The opening hours, each run of days with the same hours together; `None` when it is never open.
pub fn said(rules: &Rules, language: Language) -> Option<String> {
    let time = |t: NaiveTime| match language {
        Language::En => t.format("%-I:%M %p").to_string(),
        Language::Es => t.format("%-H:%M").to_string(),
    };
    let names = if language == Language::Es { DAYS_ES } else { DAYS_EN };
    let mut runs: Vec<(usize, usize, Opening)> = Vec::new();
    for (day, opening) in rules.hours.iter().enumerate() {
        let Some(opening) = opening else { continue };
        match runs.last_mut() {
            Some((_, last, hours)) if *last + 1 == day && *hours == *opening => *last = day,
            _ => runs.push((day, day, *opening)),
        }
    }
    if runs.is_empty() {
        return None;
    }
    let parts: Vec<String> = runs
        .iter()
        .map(|(first, last, hours)| {
            let days = match (language, first == last) {
                (_, true) => names[*first].to_owned(),
                (Language::En, false) => format!("{} to {}", names[*first], names[*last]),
                (Language::Es, false) => format!("de {} a {}", names[*first], names[*last]),
            };
            match language {
                Language::En => format!("{days}, {} to {}", time(hours.opens), time(hours.closes)),
                Language::Es => format!("{days}, de {} a {}", time(hours.opens), time(hours.closes)),
            }
        })
        .collect();
    Some(match language {
        Language::En => format!("We're open {}.", parts.join("; ")),
        Language::Es => format!("Abrimos {}.", parts.join("; ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_said_by_runs_of_days() {
        let mut rules = Rules::seed_default();
        assert_eq!(said(&rules, Language::En).unwrap(), "We're open Monday to Friday, 9:00 AM to 5:00 PM.");
        assert_eq!(said(&rules, Language::Es).unwrap(), "Abrimos de lunes a viernes, de 9:00 a 17:00.");
        rules.hours[5] = Some(Opening {
            opens: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
            closes: NaiveTime::from_hms_opt(13, 0, 0).unwrap(),
        });
        assert_eq!(
            said(&rules, Language::En).unwrap(),
            "We're open Monday to Friday, 9:00 AM to 5:00 PM; Saturday, 10:00 AM to 1:00 PM."
        );
        rules.hours = [None; 7];
        assert_eq!(said(&rules, Language::En), None);
    }

    #[test]
    fn questions_about_hours_are_told_from_other_texts() {
        assert!(asked("What are your hours?"));
        assert!(asked("are you open on saturday"));
        assert!(asked("¿A qué hora abren?"));
        assert!(!asked("I'll be there when you open"));
        assert!(!asked("Maria Garcia"));
    }
}
