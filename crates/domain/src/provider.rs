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

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
