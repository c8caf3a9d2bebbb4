//! Who a conversation is with: a phone number; the same number on WhatsApp (a conversation of its own:
//! each keeps its channel); a web chat session (`POST /chat/{tenant_id}`), which has none; or an operator
//! trying an assistant as a number (`POST /api/v1/sms/test`). Stored in `contact_number` as the number, as
//! `whatsapp:` and the number, as `chat:` and the session's id, or as `test:` and the number.

use std::fmt;

use crate::PhoneNumber;

#[derive(Clone, PartialEq, Eq, Hash)]
pub enum Contact {
    Phone(PhoneNumber),
    Chat(ChatSession),
    /// An operator's texts as if from this number: a contact of its own, so that nothing a test does (a
    /// START or a STOP, a conversation moved to another channel) touches the real contact's.
    Test(TestContact),
    /// A WhatsApp user, by their number.
    WhatsApp(WhatsAppContact),
}

/// A WhatsApp user, stored as `whatsapp:` and the number, as Twilio addresses them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WhatsAppContact {
    number: PhoneNumber,
    address: String,
}

impl WhatsAppContact {
    pub const PREFIX: &'static str = "whatsapp:";

    pub fn new(number: PhoneNumber) -> Self {
        WhatsAppContact { address: format!("{}{}", Self::PREFIX, number.as_str()), number }
    }

    pub fn number(&self) -> &PhoneNumber {
        &self.number
    }
}

/// The operator's stand-in for a number, stored as `test:` and the number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TestContact {
    number: PhoneNumber,
    address: String,
}

impl TestContact {
    const PREFIX: &'static str = "test:";

    pub fn new(number: PhoneNumber) -> Self {
        TestContact { address: format!("{}{}", Self::PREFIX, number.as_str()), number }
    }

    /// The number the operator is playing.
    pub fn number(&self) -> &PhoneNumber {
        &self.number
    }
}

/// A chat session: its id, chosen by the caller or by us, is 1 to 64 letters, digits, `-`, `_` or `.`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChatSession {
    /// As stored: `chat:` and the id.
    address: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("session_id must be 1 to 64 letters, digits, '-', '_' or '.'")]
pub struct InvalidSession;

impl ChatSession {
    const PREFIX: &'static str = "chat:";

    pub fn parse(id: &str) -> Result<Self, InvalidSession> {
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if (1..=64).contains(&id.len()) && id.chars().all(allowed) {
            Ok(ChatSession { address: format!("{}{id}", Self::PREFIX) })
        } else {
            Err(InvalidSession)
        }
    }

    pub fn id(&self) -> &str {
        &self.address[Self::PREFIX.len()..]
    }
}

impl Contact {
    /// Reads a stored `contact_number`.
    pub fn parse(stored: &str) -> Result<Self, crate::PhoneNumberError> {
        if let Some(Ok(session)) = stored.strip_prefix(ChatSession::PREFIX).map(ChatSession::parse) {
            return Ok(Contact::Chat(session));
        }
        if let Some(number) = stored.strip_prefix(WhatsAppContact::PREFIX) {
            return PhoneNumber::parse(number).map(|n| Contact::WhatsApp(WhatsAppContact::new(n)));
        }
        match stored.strip_prefix(TestContact::PREFIX) {
            Some(number) => PhoneNumber::parse(number).map(|n| Contact::Test(TestContact::new(n))),
            None => PhoneNumber::parse(stored).map(Contact::Phone),
        }
    }

    /// As stored in `contact_number` and `to_number`/`from_number`. Never for logs: see [`Contact::masked`].
    pub fn as_str(&self) -> &str {
        match self {
            Contact::Phone(number) => number.as_str(),
            Contact::Chat(session) => &session.address,
            Contact::Test(test) => &test.address,
            Contact::WhatsApp(whatsapp) => &whatsapp.address,
        }
    }

    /// The number the contact writes from, as the conversation knows it (a form's phone question may take
    /// it): a test contact's is the number the operator plays; a chat session has none. Not where texts
    /// go: only [`Contact::Phone`] and [`Contact::WhatsApp`] are ever sent to.
    pub fn phone(&self) -> Option<&PhoneNumber> {
        match self {
            Contact::Phone(number) => Some(number),
            Contact::Test(test) => Some(test.number()),
            Contact::WhatsApp(whatsapp) => Some(whatsapp.number()),
            Contact::Chat(_) => None,
        }
    }

    /// Safe for logs: a number masked, a session's id in full (it says nothing about the person).
    pub fn masked(&self) -> String {
        match self {
            Contact::Phone(number) => number.masked(),
            Contact::Chat(session) => session.address.clone(),
            Contact::Test(test) => format!("{}{}", TestContact::PREFIX, test.number.masked()),
            Contact::WhatsApp(whatsapp) => format!("{}{}", WhatsAppContact::PREFIX, whatsapp.number.masked()),
        }
    }
}

impl From<PhoneNumber> for Contact {
    fn from(number: PhoneNumber) -> Self {
        Contact::Phone(number)
    }
}

impl fmt::Debug for Contact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Contact({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_contact_reads_back_as_what_was_stored() {
        let phone = Contact::Phone(PhoneNumber::parse("+15551234567").unwrap());
        let chat = Contact::Chat(ChatSession::parse("web-7f3a.1_b").unwrap());
        let test = Contact::Test(TestContact::new(PhoneNumber::parse("+15551234567").unwrap()));
        let whatsapp = Contact::WhatsApp(WhatsAppContact::new(PhoneNumber::parse("+15551234567").unwrap()));
        for contact in [phone, chat, test, whatsapp] {
            assert_eq!(Contact::parse(contact.as_str()), Ok(contact.clone()));
        }
        assert_eq!(Contact::parse("chat:web-1").unwrap().as_str(), "chat:web-1");
        assert_eq!(ChatSession::parse("web-1").unwrap().id(), "web-1");
        assert_eq!(Contact::parse("test:+15551234567").unwrap().as_str(), "test:+15551234567");
        assert!(Contact::parse("test:nobody").is_err());
    }

    #[test]
    fn session_ids_are_short_and_plain() {
        for bad in ["", "a b", "../x", "chat:x", &"x".repeat(65), "é"] {
            assert_eq!(ChatSession::parse(bad), Err(InvalidSession), "{bad:?}");
        }
        assert!(Contact::parse("chat:").is_err(), "an empty session is not a contact");
    }

    #[test]
    fn logs_never_see_a_full_number() {
        let phone = Contact::Phone(PhoneNumber::parse("+15551234567").unwrap());
        assert_eq!(format!("{phone:?}"), "Contact(+1555***4567)");
        let test = Contact::Test(TestContact::new(PhoneNumber::parse("+15551234567").unwrap()));
        assert_eq!(format!("{test:?}"), "Contact(test:+1555***4567)");
        let whatsapp = Contact::parse("whatsapp:+15551234567").unwrap();
        assert_eq!(format!("{whatsapp:?}"), "Contact(whatsapp:+1555***4567)");
    }
}
