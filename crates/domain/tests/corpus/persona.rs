//! Who the contacts of the corpus are: their details, and how each of them texts.
//!
//! Each dialogue is one persona: a name, a number (their own, or another they prefer), an address and an
//! income, each written their way, and a style (all caps, emoji, typos, hedges, several answers in one
//! text, answers out of order, a mistake they correct, a burst of two texts). Personas come from a small
//! seeded generator, so the corpus is the same on every run and every combination turns up.

use smsagent_domain::Language;

/// What a contact means, and how they write it.
#[derive(Debug, Clone)]
pub struct Persona {
    pub language: Language,
    pub first: &'static str,
    pub last: &'static str,
    /// Another number to be reached at, as they write it, and as stored; `None` keeps the one they text from.
    pub other_phone: Option<(&'static str, &'static str)>,
    pub address: &'static str,
    /// The income as written, and in dollars a year.
    pub income: (&'static str, i64),
    pub style: Style,
}

#[derive(Debug, Clone, Default)]
pub struct Style {
    pub caps: bool,
    pub emoji: bool,
    pub typos: bool,
    pub hedges: bool,
    /// Name, address and income in the first text.
    pub all_at_once: bool,
    /// Answers the first question with the income instead.
    pub out_of_order: bool,
    /// First writes this slot wrong, then corrects it when it is read back.
    pub mistake: Option<&'static str>,
    /// The first and last name as two texts sent together.
    pub burst: bool,
    /// Which of the phrasings it picks: varies the words from one persona to the next.
    pub voice: usize,
}

const EN_NAMES: &[(&str, &str)] = &[
    ("Maria", "Garcia"),
    ("James", "O'Brien"),
    ("Aisha", "Khan"),
    ("Wei", "Chen"),
    ("Lucy", "Nguyen"),
    ("Olivia", "McDonald"),
    ("Noah", "Williams"),
    ("Fatima", "Ali"),
    ("Liam", "Johnson"),
    ("Grace", "Kim"),
    ("Daniel", "Smith-Jones"),
    ("Zoe", "Brown"),
];
const ES_NAMES: &[(&str, &str)] = &[
    ("José", "Fernández"),
    ("Ana", "García López"),
    ("Lucía", "Martínez"),
    ("Carlos", "Pérez"),
    ("Sofía", "Rodríguez"),
    ("Javier", "Gómez"),
    ("Valentina", "Díaz"),
    ("Mateo", "Hernández"),
    ("Camila", "Torres"),
    ("Diego", "Ramírez"),
    ("Isabel", "Núñez"),
    ("Andrés", "Castillo"),
];
const EN_ADDRESSES: &[&str] = &[
    "42 Oak St, Springfield, IL 62701",
    "1600 Pennsylvania Ave NW, Washington, DC 20500",
    "7 Elm Street Apt 3B, Austin TX 78701",
    "350 5th Ave, New York, NY 10118",
    "18 Harbor View Rd, Portland, ME",
    "901 Cedar Lane, Unit 12, Denver CO 80203",
];
const ES_ADDRESSES: &[&str] = &[
    "Calle Mayor 12, Madrid",
    "Av. Reforma 222, Ciudad de México",
    "Calle 5 #10-20, Bogotá",
    "2200 Mission St, San Francisco, CA",
    "Calle Luna 8, piso 2, Sevilla",
    "455 Calle Ocho, Miami FL",
];
const EN_INCOMES: &[(&str, i64)] = &[
    ("85k", 85_000),
    ("$85,000", 85_000),
    ("72000 a year", 72_000),
    ("eighty-five thousand", 85_000),
    ("$7,000 a month", 84_000),
    ("62,500", 62_500),
    ("120K", 120_000),
    ("about 54k", 54_000),
];
const ES_INCOMES: &[(&str, i64)] = &[
    ("85 mil", 85_000),
    ("ochenta y cinco mil", 85_000),
    ("$4.500 al mes", 54_000),
    ("60000 al año", 60_000),
    ("unos 48 mil", 48_000),
    ("$95.000", 95_000),
];
const OTHER_PHONES: &[(&str, &str)] = &[
    ("415-555-0199", "+14155550199"),
    ("(212) 555 0147", "+12125550147"),
    ("+1 646 555 0123", "+16465550123"),
    ("512.555.0100", "+15125550100"),
];
const MISTAKES: &[&str] = &["first_name", "address", "annual_income", "last_name"];

/// The corpus: `count` personas, half in English and half in Spanish.
pub fn corpus(count: usize) -> Vec<Persona> {
    (0..count).map(persona).collect()
}

fn persona(n: usize) -> Persona {
    let mut random = Random((n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(7));
    let spanish = n % 2 == 1;
    let pick = |random: &mut Random, len: usize| random.below(len);
    let (first, last) =
        if spanish { ES_NAMES[pick(&mut random, ES_NAMES.len())] } else { EN_NAMES[pick(&mut random, EN_NAMES.len())] };
    let address =
        if spanish { ES_ADDRESSES[pick(&mut random, ES_ADDRESSES.len())] } else { EN_ADDRESSES[pick(&mut random, 6)] };
    let income =
        if spanish { ES_INCOMES[pick(&mut random, ES_INCOMES.len())] } else { EN_INCOMES[pick(&mut random, 8)] };
    let other_phone = random.chance(30).then(|| OTHER_PHONES[pick(&mut random, OTHER_PHONES.len())]);
    // Every style turns up on its own in the first dialogues, then at random together.
    let forced = |k: usize| n / 2 == k;
    let style = Style {
        caps: forced(1) || random.chance(15),
        emoji: forced(2) || random.chance(30),
        typos: forced(3) || random.chance(30),
        hedges: forced(4) || random.chance(30),
        all_at_once: forced(5) || random.chance(15),
        out_of_order: forced(6) || random.chance(10),
        mistake: (forced(7) || random.chance(25)).then(|| MISTAKES[pick(&mut random, MISTAKES.len())]),
        burst: forced(8) || random.chance(15),
        voice: pick(&mut random, 1_000),
    };
    Persona {
        language: if spanish { Language::Es } else { Language::En },
        first,
        last,
        other_phone,
        address,
        income,
        style,
    }
}

/// A small deterministic generator (SplitMix64): the corpus must not change between runs.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}
