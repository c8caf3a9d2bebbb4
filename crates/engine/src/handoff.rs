//! Handing a contact to a person when they ask for one (the `handoff_to_human` built-in tool): the
//! conversation is paused as a takeover is, a hand-off opened with the conversation so far, and the
//! business told (a signed webhook at the assistant's completion URL, and an email to the admin of its
//! booking settings). A person's reply through the operators' API, or resuming, ends it.

use chrono::{DateTime, Duration, Utc};
use smsagent_booking::availability::Rules;
use smsagent_booking::book::Bookable;
use smsagent_booking::labels;
use smsagent_domain::handoff::When;
use smsagent_domain::{Direction, Language};
use smsagent_store::emails::{self, NewEmail};
use smsagent_store::messages::HistoryEntry;
use smsagent_store::{StoreError, assistants, handoffs, takeover};
use sqlx::PgConnection;
use tracing::info;
use uuid::Uuid;

use crate::queue::{Job, Queue};

/// When a person will answer: now if the business is open, else when it next opens, by the assistant's
/// booking hours (`rules`); not known without them.
pub fn when_answered(rules: Option<&Rules>, now: DateTime<Utc>) -> When {
    let Some(rules) = rules else { return When::Unknown };
    let today = rules.today(now);
    for ahead in 0..14 {
        let date = today + Duration::days(ahead);
        let Some((opens, closes)) = rules.open_on(date) else { continue };
        if opens <= now && now < closes {
            return When::Soon;
        }
        if now < opens {
            let local = opens.with_timezone(&rules.time_zone);
            let said = |language| (labels::day(date, language), labels::time(local, language));
            return When::Opening { en: said(Language::En), es: said(Language::Es) };
        }
    }
    When::Unknown
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

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_person_answers_shortly_while_open_else_when_the_business_opens() {
        let rules = Rules::seed_default();
        // Wednesday, December 2, 2026 in Mexico City (UTC-6): 8:00, 10:00, and Friday at 17:00, closing time.
        let at = |day: u32, hour: u32| Utc.with_ymd_and_hms(2026, 12, day, hour + 6, 0, 0).unwrap();
        let opening = |en: (&str, &str), es: (&str, &str)| When::Opening {
            en: (en.0.into(), en.1.into()),
            es: (es.0.into(), es.1.into()),
        };
        assert_eq!(
            when_answered(Some(&rules), at(2, 8)),
            opening(("Wednesday, December 2", "9:00 AM"), ("miércoles, 2 de diciembre", "9:00"))
        );
        assert_eq!(when_answered(Some(&rules), at(2, 10)), When::Soon);
        assert_eq!(
            when_answered(Some(&rules), at(4, 17)),
            opening(("Monday, December 7", "9:00 AM"), ("lunes, 7 de diciembre", "9:00")),
            "closed for the weekend"
        );
        assert_eq!(when_answered(None, at(2, 10)), When::Unknown);
    }
}
