use std::fmt;

/// How a contact reaches the business, and so how they are answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Channel {
    /// Plain SMS: answered through the number's provider (Twilio's Messages API, ACS, the simulator).
    #[default]
    Sms,
    /// A Twilio Conversations conversation: answered by posting to it.
    TwilioConversations,
    /// Texts fed in through the operators' API to try an assistant: replies are kept, never sent.
    Api,
    /// WhatsApp through Twilio's Messaging API (`whatsapp:`-prefixed addresses): no segments, a 24-hour
    /// window for free text after the contact's last message.
    WhatsApp,
}

/// The longest WhatsApp text.
pub const WHATSAPP_MAX_CHARS: usize = 4_096;

/// How long after the contact's last message WhatsApp takes free text from the business; after that only
/// an approved template.
pub const WHATSAPP_WINDOW: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// Whether WhatsApp's window for free text is closed at `now`: the contact last wrote [`WHATSAPP_WINDOW`]
/// ago or more, or never.
pub fn whatsapp_window_closed(
    last_inbound: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    last_inbound.is_none_or(|at| now - at >= WHATSAPP_WINDOW)
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::TwilioConversations => "twilio_conversations",
            Channel::Api => "api",
            Channel::WhatsApp => "whatsapp",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "sms" => Some(Channel::Sms),
            "twilio_conversations" => Some(Channel::TwilioConversations),
            "api" => Some(Channel::Api),
            "whatsapp" => Some(Channel::WhatsApp),
            _ => None,
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
