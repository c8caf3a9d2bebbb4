//! Handing a contact to a person when they ask for one (the `handoff_to_human` built-in tool): the
//! conversation is paused as a takeover is, a hand-off opened with the conversation so far, and the
//! business told (a signed webhook at the assistant's completion URL, and an email to the admin of its
//! booking settings). A person's reply through the operators' API, or resuming, ends it.

use chrono::{Duration, Utc};
use smsagent_booking::book::Bookable;
use smsagent_booking::labels;
use smsagent_domain::handoff::When;
use smsagent_domain::{Direction, Language};
use smsagent_store::emails::{self, NewEmail};
use smsagent_store::messages::HistoryEntry;
use smsagent_store::{PgPool, StoreError, assistants, handoffs, takeover};
use sqlx::PgConnection;
use tracing::info;
use uuid::Uuid;

use crate::queue::{Job, Queue};

/// When a person will answer: now if the business is open, else when it next opens, by the assistant's
/// booking hours; not known without them.
pub async fn when_answered(pool: &PgPool, assistant_id: Uuid) -> Result<When, StoreError> {
    let bookable = match Bookable::of_assistant(pool, assistant_id, None).await {
        Ok(Some((_, bookable))) => bookable,
        Ok(None) | Err(_) => return Ok(When::Unknown),
    };
    let rules = &bookable.rules;
    let now = Utc::now();
    let today = rules.today(now);
    for ahead in 0..14 {
        let date = today + Duration::days(ahead);
        let Some((opens, closes)) = rules.open_on(date) else { continue };
        if opens <= now && now < closes {
            return Ok(When::Soon);
        }
        if now < opens {
            let local = opens.with_timezone(&rules.time_zone);
            return Ok(When::Opening { day: labels::day(date, Language::En), time: labels::time(local, Language::En) });
        }
    }
    Ok(When::Unknown)
}

/// The conversation goes to a person, and the business is told: in the reply's transaction.
pub async fn hand_over(
    tx: &mut PgConnection,
    queue: &Queue,
    conversation_id: Uuid,
    assistant_id: Uuid,
    history: &[HistoryEntry],
) -> Result<(), StoreError> {
    takeover::hand_to_person(&mut *tx, conversation_id).await?;
    let summary = summary(history);
    let Some(handoff_id) = handoffs::open(&mut *tx, conversation_id, &summary).await? else {
        // Asked again while a person is on it: they know already.
        return Ok(());
    };
    queue.push(&mut *tx, &Job::NotifyHandoff { handoff_id }).await?;
    if let Ok(Some((tenant_id, bookable))) = Bookable::of_assistant(&mut *tx, assistant_id, None).await
        && let Some(admin) = bookable.settings.admin_email.as_deref()
    {
        let business = assistants::program(&mut *tx, assistant_id).await?.map(|(name, _)| name).unwrap_or_default();
        let body = format!(
            "A contact asked for a person through {business}. The conversation is paused for you: answer through \
             the operators' API (POST /api/v1/sms/send), which ends the hand-off.\n\nConversation: {conversation_id}\n\n{summary}\n"
        );
        let email = NewEmail {
            tenant_id,
            appointment_id: None,
            recipient: admin,
            subject: "A contact asked for a person",
            body: &body,
            invite: None,
        };
        let email_id = emails::insert(&mut *tx, &email).await?;
        queue.push(&mut *tx, &Job::SendEmail { email_id }).await?;
    }
    info!(%conversation_id, %handoff_id, "the contact asked for a person; handed over");
    Ok(())
}

/// The conversation's last messages, as the business reads them.
fn summary(history: &[HistoryEntry]) -> String {
    let recent = &history[history.len().saturating_sub(12)..];
    recent
        .iter()
        .map(|m| {
            let who = if m.direction == Direction::Inbound { "Contact" } else { "Assistant" };
            format!("{who}: {}", m.body)
        })
        .collect::<Vec<_>>()
        .join("\n")
}
