use std::fmt;

/// The service that carries a phone number's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    Twilio,
    /// Azure Communication Services.
    Acs,
    /// Stores outbound messages as sent; nothing leaves the machine. Used when no credentials are configured.
    Simulator,
}

#[derive(Debug, thiserror::Error)]
#[error("unknown provider {0:?}: expected twilio, acs or simulator")]
pub struct UnknownProvider(pub String);

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Twilio => "twilio",
            Provider::Acs => "acs",
            Provider::Simulator => "simulator",
        }
    }

    pub fn parse(value: &str) -> Result<Self, UnknownProvider> {
        match value {
            "twilio" => Ok(Provider::Twilio),
            "acs" => Ok(Provider::Acs),
            "simulator" => Ok(Provider::Simulator),
            other => Err(UnknownProvider(other.to_owned())),
        }
    }
}

/// Who answers a contact's STOP on a number. Twilio answers it itself on its numbers (and blocks later
/// sends with error 21610), so a confirmation of ours would be refused; elsewhere smsagent confirms. The
/// opt-out is recorded either way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OptOutConfirmer {
    Provider,
    Smsagent,
}

impl OptOutConfirmer {
    /// Who confirms on a new number of `provider`'s, unless the operator says otherwise.
    pub fn default_for(provider: Provider) -> Self {
        match provider {
            Provider::Twilio => OptOutConfirmer::Provider,
            Provider::Acs | Provider::Simulator => OptOutConfirmer::Smsagent,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OptOutConfirmer::Provider => "provider",
            OptOutConfirmer::Smsagent => "smsagent",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "provider" => Some(OptOutConfirmer::Provider),
            "smsagent" => Some(OptOutConfirmer::Smsagent),
            _ => None,
        }
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
