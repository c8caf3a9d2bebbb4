//! Sending through an SMTP server: `SMTP_URL` as lettre reads it (`smtp://user:pass@host:port`, with
//! `?tls=required` for STARTTLS, or `smtps://` for TLS from the start).

use std::time::Duration;

use async_trait::async_trait;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

use super::{Email, MailError, Mailer};

/// The longest one exchange with the server may take.
const TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Clone)]
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for SmtpMailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL holds the password: only the sender is shown.
        f.debug_struct("SmtpMailer").field("from", &self.from.to_string()).finish_non_exhaustive()
    }
}

impl SmtpMailer {
    /// A mailer for `url`, sending as `from` (`EMAIL_FROM`: `bookings@example.com` or
    /// `Casa Dental <bookings@example.com>`).
    pub fn new(url: &SecretString, from: &str) -> Result<SmtpMailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
            .map_err(|e| format!("SMTP_URL does not read: {e}"))?
            .timeout(Some(TIMEOUT))
            .build();
        let from = from.parse().map_err(|e| format!("EMAIL_FROM is not an address: {e}"))?;
        Ok(SmtpMailer { transport, from })
    }
}

#[async_trait]
impl Mailer for SmtpMailer {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        let to: Mailbox = email.to.parse().map_err(|e| MailError::Rejected(format!("the recipient {e}")))?;
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&email.subject)
            .message_id(Some(email.message_id()));
        let text = SinglePart::plain(email.body.clone());
        let built = match (&email.invite, email.invite_method()) {
            (Some(invite), method) => {
                let kind = format!("text/calendar; charset=utf-8; method={}", method.unwrap_or("PUBLISH"));
                let kind = ContentType::parse(&kind).map_err(|e| MailError::Rejected(e.to_string()))?;
                // The invite inline beside the words, as calendar clients look for it (RFC 6047), and attached
                // as invite.ics for everyone else.
                let inline = SinglePart::builder().header(kind.clone()).body(invite.clone());
                let attachment = Attachment::new("invite.ics".to_owned()).body(invite.clone(), kind);
                let words = MultiPart::alternative().singlepart(text).singlepart(inline);
                builder.multipart(MultiPart::mixed().multipart(words).singlepart(attachment))
            }
            (None, _) => builder.singlepart(text),
        };
        let message = built.map_err(|e| MailError::Rejected(e.to_string()))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(MailError::Rejected(e.to_string())),
            Err(e) => Err(MailError::Transient { reason: e.to_string(), retry_after: None }),
        }
    }
}
