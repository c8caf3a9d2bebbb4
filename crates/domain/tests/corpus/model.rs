//! A scripted adversarial model: it reads what the contact stated, as a model would, and then does what
//! weak models do: invents values for every slot left empty, puts the same words in two slots, copies our
//! own last text into a field, and says yes whatever the contact said.

use smsagent_domain::form::extract::{Extraction, Proposal, Source};

const INVENTIONS: &[(&str, &str)] = &[
    ("first_name", "Johnathan"),
    ("last_name", "Doe"),
    ("phone", "+1 555 000 1111"),
    ("address", "999 Invented Way, Nowhere"),
    ("annual_income", "$13,579"),
];

/// Words no persona of the corpus ever writes: finding one in a submission means an invented value got in.
pub const INVENTED: &[&str] = &["Johnathan", "Doe", "+15550001111", "Invented", "13579"];

/// What the adversary returns for a text that states `states`, after we last said `ours`.
pub fn reading(states: &[(&'static str, String)], ours: &str, turn: usize) -> Extraction {
    let mut values: Vec<Proposal> = states
        .iter()
        .map(|(slot, raw)| Proposal { slot: (*slot).into(), raw: raw.clone(), source: Source::Model })
        .collect();
    for (n, (slot, invented)) in INVENTIONS.iter().enumerate() {
        if values.iter().any(|p| p.slot == *slot) {
            continue;
        }
        let raw = match (n + turn) % 3 {
            0 => (*invented).to_owned(),
            // The first value it read, again: "Maria" as the first and the last name.
            1 => values.first().map_or_else(|| (*invented).to_owned(), |p| p.raw.clone()),
            _ => format!("{ours} Doe"),
        };
        values.push(Proposal { slot: (*slot).into(), raw, source: Source::Model });
    }
    Extraction { answer: Some(true), values }
}
