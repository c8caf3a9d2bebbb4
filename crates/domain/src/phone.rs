use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A phone number in E.164 form: `+`, a country code, and at most 15 digits in all.
///
/// It has no `Display` on purpose: logs use [`PhoneNumber::masked`] (and `Debug`, which masks too), and code
/// that needs the full number asks for it with [`PhoneNumber::as_str`].
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneNumberError {
    #[error("phone number is empty")]
    Empty,
    #[error("phone number must be in E.164 form, starting with + and the country code (like +15551234567)")]
    NotE164,
}

impl PhoneNumber {
    /// Parses a number already in E.164 form, as providers send them. Surrounding whitespace is ignored.
    pub fn parse(value: &str) -> Result<Self, PhoneNumberError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(PhoneNumberError::Empty);
        }
        let digits = value.strip_prefix('+').ok_or(PhoneNumberError::NotE164)?;
        let well_formed =
            (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && !digits.starts_with('0');
        if !well_formed {
            return Err(PhoneNumberError::NotE164);
        }
        Ok(PhoneNumber(value.to_owned()))
    }

    /// The full number, for the database and provider APIs. Never for logs.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with its middle hidden, safe for logs: `+1555***4567`.
    pub fn masked(&self) -> String {
        let n = &self.0;
        // Enough to tell numbers apart in a log, never enough to dial: at least three digits stay hidden.
        let (head, tail) = if n.len() >= 12 { (5, 4) } else { (3, 2) };
        format!("{}***{}", &n[..head], &n[n.len() - tail..])
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

impl Serialize for PhoneNumber {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PhoneNumber {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        PhoneNumber::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_e164_numbers() {
        for ok in ["+15551234567", "+447911123456", " +4930123456 ", "+6831234"] {
            assert!(PhoneNumber::parse(ok).is_ok(), "{ok} should parse");
        }
    }

    #[test]
    fn rejects_numbers_that_are_not_e164() {
        let cases = [
            ("", PhoneNumberError::Empty),
            ("15551234567", PhoneNumberError::NotE164),
            ("+1 555 123 4567", PhoneNumberError::NotE164),
            ("+05551234567", PhoneNumberError::NotE164),
            ("+1234567890123456", PhoneNumberError::NotE164),
            ("+12345", PhoneNumberError::NotE164),
            ("whatsapp:+15551234567", PhoneNumberError::NotE164),
        ];
        for (input, expected) in cases {
            assert_eq!(PhoneNumber::parse(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn masking_hides_the_middle_of_the_number() {
        let n = PhoneNumber::parse("+15551234567").unwrap();
        assert_eq!(n.masked(), "+1555***4567");
        assert_eq!(format!("{n:?}"), "PhoneNumber(+1555***4567)");
        let short = PhoneNumber::parse("+6831234").unwrap();
        assert_eq!(short.masked(), "+68***34");
    }

    proptest! {
        #[test]
        fn a_mask_always_hides_at_least_three_digits(digits in "[1-9][0-9]{6,14}") {
            let n = PhoneNumber::parse(&format!("+{digits}")).unwrap();
            let shown = n.masked().chars().filter(char::is_ascii_digit).count();
            prop_assert!(shown + 3 <= digits.len(), "{} shows {shown} of {}", n.masked(), digits.len());
        }
    }
}
