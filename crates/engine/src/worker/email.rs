//! `send_email`: hands a queued email to the mail server (or SendGrid), and marks it sent in the same
//! transaction that finishes the job, so a sent email is never sent again by this job. If the process dies
//! after the server took it and before the mark, the retry sends it again: through SMTP under the same
//! Message-ID, which mail systems recognise; through SendGrid, which sets its own, as a second copy.

use smsagent_providers::email::{Email, MailError};
use smsagent_store::emails;
use smsagent_store::jobs::{self, ClaimedJob};
use tracing::info;
use uuid::Uuid;

use super::{JobError, WorkerDeps, skip};

pub(super) async fn send_email(deps: &WorkerDeps, job: &ClaimedJob, email_id: Uuid) -> Result<(), JobError> {
    let mut tx = deps.pool.begin().await?;
    // Locked while it is sent: a second worker (after a lost lease) waits, then finds it sent.
    let Some(queued) = emails::queued(&mut *tx, email_id).await? else {
        tx.rollback().await?;
        return skip(&deps.pool, job, "the email was sent already").await;
    };
    let Some(mailer) = &deps.mailer else {
        emails::mark(&mut *tx, email_id, "skipped", Some("no SMTP_URL or SENDGRID_API_KEY is set")).await?;
        jobs::complete(&mut *tx, job).await?;
        tx.commit().await?;
        info!(%email_id, "no mail server is configured; the email is skipped");
        return Ok(());
    };
    let email = Email {
        id: queued.id,
        to: queued.recipient,
        subject: queued.subject,
        body: queued.body,
        invite: queued.invite,
    };
    match mailer.send(&email).await {
        Ok(()) => {
            emails::mark(&mut *tx, email_id, "sent", None).await?;
            jobs::complete(&mut *tx, job).await?;
            tx.commit().await?;
            info!(%email_id, "email sent");
            Ok(())
        }
        Err(MailError::Transient { reason, retry_after }) => {
            if job.is_last_attempt() {
                emails::mark(&mut *tx, email_id, "failed", Some(&reason)).await?;
                tx.commit().await?;
            }
            Err(JobError::Retry { reason, retry_after })
        }
        Err(MailError::Rejected(reason)) => {
            emails::mark(&mut *tx, email_id, "failed", Some(&reason)).await?;
            tx.commit().await?;
            Err(JobError::Fatal(reason))
        }
    }
}
