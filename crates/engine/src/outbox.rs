//! Every text to a contact is written here, whoever writes it: a reply, a keyword's answer, an upload link
//! or receipt, an operator's text (and the reminders, tool results and console sends to come). One set of
//! checks and one transaction shape: the recipient read in the caller's transaction, the checks (opt-out,
//! channel, quiet hours), the outbound row with its segments, and its send queued.

use std::time::Duration;

use chrono::{DateTime, Utc};
use smsagent_domain::{Channel, Contact, Provider, Purpose, quiet_hours, segments, whatsapp_window_closed};
use smsagent_store::StoreError;
use smsagent_store::jobs::ClaimedJob;
use smsagent_store::messages::{self, NewOutbound, Recipient};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::queue::{Job, Queue};

/// A text to go.
#[derive(Debug, Clone, Copy)]
pub struct Text<'a> {
    /// As it goes: shaped to its budget by the caller where it has one.
    pub body: &'a str,
    pub purpose: Purpose,
    /// The contact's text it answers, if any.
    pub reply_to: Option<Uuid>,
}

/// How the send is queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dispatch {
    /// Due now, or when the recipient's quiet hours end for a text the business starts.
    Queued,
    /// Claimed for the caller, who sends it as soon as its transaction commits, within this lease.
    ClaimedFor(Duration),
}

/// Why a text may not go.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the recipient has opted out of texts from this number (they can text START to opt back in)")]
    OptedOut,
    #[error("WhatsApp texts go through Twilio: send from one of your Twilio numbers")]
    WhatsAppNeedsTwilio,
    #[error(
        "WhatsApp takes free text only within 24 hours of the contact's last message; outside that window only an approved template may be sent, which smsagent does not send"
    )]
    OutsideWhatsAppWindow,
    #[error("the conversation is gone")]
    NoConversation,
}

/// Why a text was not queued.
#[derive(Debug, thiserror::Error)]
pub enum OutboxError {
    #[error(transparent)]
    Refused(#[from] Refused),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A text queued.
#[derive(Debug)]
pub struct Queued {
    pub message_id: Uuid,
    pub conversation_id: Uuid,
    pub segments: usize,
    /// When it goes, if not now: held for the recipient's quiet hours.
    pub send_at: Option<DateTime<Utc>>,
    /// The send, when it was claimed for the caller.
    pub claimed: Option<ClaimedJob>,
}

/// Queues `text` to the contact of `conversation_id`, in the caller's transaction (`db`). Wake the queue after
/// the commit (`Queue::wake`) when the text is due now.
pub async fn queue(
    db: &mut PgConnection,
    queue: &Queue,
    conversation_id: Uuid,
    text: Text<'_>,
    dispatch: Dispatch,
) -> Result<Queued, OutboxError> {
    let recipient = messages::recipient(&mut *db, conversation_id).await?.ok_or(Refused::NoConversation)?;
    let now = Utc::now();
    let send_at = check(&recipient, text.purpose, now)?;
    let count = match recipient.channel {
        // WhatsApp has no segments: one message, whatever its length.
        Channel::WhatsApp => segments::SegmentCount { segments: 1, ..segments::count(text.body) },
        _ => segments::count(text.body),
    };
    let row = NewOutbound {
        provider: recipient.provider,
        conversation_id,
        reply_to_message_id: text.reply_to,
        from: &recipient.business,
        to: &recipient.contact,
        body: text.body,
        num_segments: i32::try_from(count.segments).unwrap_or(i32::MAX),
        encoding: count.encoding,
        purpose: text.purpose,
    };
    let message_id = messages::insert_outbound(&mut *db, &row).await?;
    let send = Job::SendMessage { conversation_id, message_id };
    let claimed = match dispatch {
        Dispatch::Queued => {
            let delay = send_at.and_then(|at| (at - now).to_std().ok()).unwrap_or_default();
            queue.push_after(&mut *db, &send, delay).await?;
            None
        }
        Dispatch::ClaimedFor(lease) => {
            let claimed = queue.push_claimed(&mut *db, &send, lease).await?;
            // The caller sends it next: its first attempt is on record with the text.
            messages::begin_first_send_attempt(&mut *db, message_id).await?;
            Some(claimed)
        }
    };
    Ok(Queued { message_id, conversation_id, segments: count.segments, send_at, claimed })
}

/// The checks every text passes: `Ok` with when it may go (`None`: now), or why it may not.
fn check(to: &Recipient, purpose: Purpose, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, Refused> {
    if to.opted_out && !purpose.reaches_the_opted_out() {
        return Err(Refused::OptedOut);
    }
    let whatsapp = matches!(to.contact, Contact::WhatsApp(_));
    if whatsapp && to.provider != Provider::Twilio {
        return Err(Refused::WhatsAppNeedsTwilio);
    }
    if whatsapp && whatsapp_window_closed(to.last_inbound_at, now) {
        return Err(Refused::OutsideWhatsAppWindow);
    }
    Ok(quiet_hours::text_due_at(purpose, &to.contact, to.last_inbound_at, now))
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone};
    use smsagent_domain::{PhoneNumber, WhatsAppContact};

    use super::*;

    fn new_york(contact: impl Fn(PhoneNumber) -> Contact, provider: Provider) -> Recipient {
        Recipient {
            conversation_id: Uuid::now_v7(),
            provider,
            business: PhoneNumber::parse("+15557654321").unwrap(),
            contact: contact(PhoneNumber::parse("+12125550123").unwrap()),
            channel: Channel::Sms,
            opted_out: false,
            last_inbound_at: None,
        }
    }

    #[test]
    fn every_text_passes_the_same_checks() {
        // 03:00 in New York; its window opens at 08:00 (13:00 UTC).
        let night = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
        let opens = Utc.with_ymd_and_hms(2026, 12, 1, 13, 0, 0).unwrap();
        let mut sms = new_york(Contact::Phone, Provider::Twilio);
        assert_eq!(check(&sms, Purpose::Operator, night), Ok(Some(opens)), "held for the morning");
        assert_eq!(check(&sms, Purpose::Reply, night), Ok(None), "a reply goes now");
        assert_eq!(check(&sms, Purpose::Reminder, night), Ok(Some(opens)), "an appointment's reminder waits too");

        sms.opted_out = true;
        assert_eq!(check(&sms, Purpose::Reply, night), Err(Refused::OptedOut));
        assert_eq!(check(&sms, Purpose::OptOutConfirmation, night), Ok(None));

        let whatsapp = |contact| Contact::WhatsApp(WhatsAppContact::new(contact));
        let mut via_acs = new_york(whatsapp, Provider::Acs);
        via_acs.last_inbound_at = Some(night - TimeDelta::hours(1));
        assert_eq!(check(&via_acs, Purpose::Reply, night), Err(Refused::WhatsAppNeedsTwilio));
        let mut late = new_york(whatsapp, Provider::Twilio);
        late.last_inbound_at = Some(night - TimeDelta::hours(25));
        assert_eq!(check(&late, Purpose::Reply, night), Err(Refused::OutsideWhatsAppWindow));
    }
}
