//! A text as the operators' API takes it (to send, to test, to chat): 1 to 1,600 characters, not all blank.
//! 1,600 is what Twilio takes in one request (it splits the text into segments; docs/twilio.md#sending).

use std::fmt;

/// The longest text, in characters.
pub const MAX_CHARACTERS: usize = 1600;

/// A text checked against the rule above.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageBody(String);

/// Why a text is not one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidBody {
    Blank,
    TooLong { characters: usize },
}

impl fmt::Display for InvalidBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InvalidBody::Blank => write!(f, "must be 1 to {MAX_CHARACTERS} characters, not all blank"),
            InvalidBody::TooLong { characters } => {
                write!(f, "must be 1 to {MAX_CHARACTERS} characters (it has {characters})")
            }
        }
    }
}

impl MessageBody {
    pub fn parse(text: String) -> Result<Self, InvalidBody> {
        let characters = text.chars().count();
        if text.trim().is_empty() {
            Err(InvalidBody::Blank)
        } else if characters > MAX_CHARACTERS {
            Err(InvalidBody::TooLong { characters })
        } else {
            Ok(MessageBody(text))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for MessageBody {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_1_to_1600_characters_not_all_blank() {
        assert_eq!(MessageBody::parse(" \n".into()), Err(InvalidBody::Blank));
        assert!(MessageBody::parse("é".repeat(1600)).is_ok(), "characters, not bytes");
        assert_eq!(MessageBody::parse("a".repeat(1601)), Err(InvalidBody::TooLong { characters: 1601 }));
        assert_eq!(InvalidBody::TooLong { characters: 1601 }.to_string(), "must be 1 to 1600 characters (it has 1601)");
    }
}
