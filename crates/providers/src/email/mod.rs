//! Email: appointment confirmations and notices, sent through an SMTP server ([`SmtpMailer`], with
//! lettre) or SendGrid's v3 API ([`SendGridMailer`]), whichever the deployment configures.

mod sendgrid;
mod smtp;

use std::time::Duration;

use async_trait::async_trait;
use uuid::Uuid;

pub use sendgrid::SendGridMailer;
pub use smtp::SmtpMailer;

/// An email to send.
#[derive(Debug, Clone)]
pub struct Email {
    /// Ours, the same on every attempt: it makes the Message-ID, so a resend after a lost answer is the
    /// same message to the recipient's mail system.
    pub id: Uuid,
    pub to: String,
    pub subject: String,
    pub body: String,
    /// An iCalendar invite to attach (its METHOD names the content type's `method`).
    pub invite: Option<String>,
}

impl Email {
    /// The invite's METHOD (REQUEST, CANCEL…), as its content type repeats it.
    fn invite_method(&self) -> Option<&str> {
        let invite = self.invite.as_deref()?;
        invite.lines().find_map(|line| line.strip_prefix("METHOD:")).map(str::trim)
    }

    fn message_id(&self) -> String {
        format!("<{}@smsagent>", self.id)
    }
}

/// Why an email did not go.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MailError {
    /// Refused for good: a bad address, a message the server will never take. Retrying cannot help.
    #[error("rejected: {0}")]
    Rejected(String),
    /// Not taken this time: worth another try later.
    #[error("temporary failure: {reason}")]
    Transient { reason: String, retry_after: Option<Duration> },
}

/// Sends email.
#[async_trait]
pub trait Mailer: Send + Sync + std::fmt::Debug {
    async fn send(&self, email: &Email) -> Result<(), MailError>;
}
