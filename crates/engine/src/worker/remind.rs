//! `remind_appointment`: texts an appointment's reminder through the outbox, so the contact's opt-out and
//! quiet hours hold; nothing when the appointment was cancelled or moved since (a move queued its own).

use chrono::{DateTime, Utc};
use smsagent_booking::availability::Rules;
use smsagent_booking::notice;
use smsagent_domain::Purpose;
use smsagent_store::appointments;
use smsagent_store::jobs::{self, ClaimedJob};
use tracing::info;
use uuid::Uuid;

use super::{JobError, WorkerDeps, skip};
use crate::appointments::{about, booking_of, still_due};
use crate::outbox::{self, Dispatch, OutboxError, Refused};

pub(super) async fn remind(
    deps: &WorkerDeps,
    job: &ClaimedJob,
    conversation_id: Uuid,
    appointment_id: Uuid,
    starts_at: DateTime<Utc>,
) -> Result<(), JobError> {
    let mut tx = deps.pool.begin().await?;
    let appointment = appointments::find(&mut *tx, appointment_id).await?;
    let Some(appointment) = appointment.filter(|a| still_due(a, starts_at)) else {
        tx.rollback().await?;
        return skip(&deps.pool, job, "the appointment was cancelled or moved").await;
    };
    let (bookable, business) = booking_of(&mut tx, &appointment).await?;
    let zone = bookable.map_or(Rules::seed_default().time_zone, |b| b.rules.time_zone);
    let body = notice::reminder(&about(&appointment, &business, zone));
    let text = outbox::Text { body: &body, purpose: Purpose::Reminder, reply_to: None };
    match outbox::queue(&mut tx, &deps.queue, conversation_id, text, Dispatch::Queued).await {
        Ok(queued) => {
            jobs::complete(&mut *tx, job).await?;
            tx.commit().await?;
            deps.queue.wake();
            info!(%appointment_id, message_id = %queued.message_id, "appointment reminder queued");
            Ok(())
        }
        Err(OutboxError::Refused(why @ (Refused::OptedOut | Refused::OutsideWhatsAppWindow))) => {
            tx.rollback().await?;
            info!(%appointment_id, %why, "no reminder");
            skip(&deps.pool, job, "the reminder may not be texted").await
        }
        Err(e) => Err(e.into()),
    }
}
