//! Delivery reports, whoever sends them (Twilio's status callbacks, ACS's Event Grid events): the message's
//! status moves forward only, a redelivered report is recorded once, and a report that says the recipient
//! opted out (Twilio's 21610, ACS's opt-out) records the opt-out in the same transaction.

use smsagent_store::messages::{self, ReportOutcome, StatusReport};
use smsagent_store::opt_outs::{self, ConsentSource};
use smsagent_store::{PgPool, StoreError, Tx};
use tracing::warn;

/// A report, and whether it says the recipient opted out (with the provider's words for it).
#[derive(Debug, Clone)]
pub struct Report<'a> {
    pub status: StatusReport<'a>,
    /// `Some` when the provider says the recipient opted out: its code or detail, if any.
    pub opted_out: Option<Option<&'a str>>,
}

/// Reports a transaction takes at most.
const REPORTS_PER_TRANSACTION: usize = 500;

/// Applies one report in a transaction of its own.
pub async fn apply(pool: &PgPool, report: &Report<'_>) -> Result<ReportOutcome, StoreError> {
    let mut tx = pool.begin().await?;
    let outcome = apply_in(&mut tx, report).await?;
    tx.commit().await?;
    Ok(outcome)
}

/// What a batch of reports came to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Applied {
    /// Reports that moved a message's status.
    pub applied: usize,
    /// Reports received before.
    pub duplicates: usize,
}

/// Applies a batch's reports, a few hundred to a transaction (one flush each, not one per report). A
/// transaction that fails is undone and its reports applied one by one, so one bad report holds up no
/// other.
pub async fn apply_all(pool: &PgPool, reports: &[Report<'_>]) -> Result<Applied, StoreError> {
    let mut total = Applied::default();
    for chunk in reports.chunks(REPORTS_PER_TRANSACTION) {
        let together = async {
            let mut tx = pool.begin().await?;
            let mut outcomes = Vec::with_capacity(chunk.len());
            for report in chunk {
                outcomes.push(apply_in(&mut tx, report).await?);
            }
            tx.commit().await?;
            Ok::<_, StoreError>(outcomes)
        };
        let outcomes = match together.await {
            Ok(outcomes) => outcomes,
            Err(e) => {
                warn!(reports = chunk.len(), error = %e, "delivery reports could not be applied together; one by one");
                let mut outcomes = Vec::with_capacity(chunk.len());
                for report in chunk {
                    outcomes.push(apply(pool, report).await?);
                }
                outcomes
            }
        };
        total.applied += outcomes.iter().filter(|o| o.applied).count();
        total.duplicates += outcomes.iter().filter(|o| o.duplicate).count();
    }
    Ok(total)
}

async fn apply_in(tx: &mut Tx, report: &Report<'_>) -> Result<ReportOutcome, StoreError> {
    let outcome = messages::apply_status_report(&mut **tx, &report.status).await?;
    if let (Some(detail), Some(message_id)) = (report.opted_out, outcome.message_id) {
        opt_outs::record_for_message(&mut **tx, message_id, ConsentSource::Provider, detail).await?;
    }
    Ok(outcome)
}
