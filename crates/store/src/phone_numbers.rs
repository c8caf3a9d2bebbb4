//! The business's own numbers and which assistant answers each.

use smsagent_domain::{PhoneNumber, Provider};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::StoreError;

/// One of the business's numbers.
#[derive(Debug, Clone)]
pub struct BusinessNumber {
    pub id: Uuid,
    pub number: PhoneNumber,
    pub provider: Provider,
    pub inbound_assistant_id: Option<Uuid>,
}

/// Serialises set-up of numbers across processes until the transaction ends.
pub async fn lock_for_setup(db: impl PgExecutor<'_>) -> Result<(), StoreError> {
    sqlx::query!("SELECT pg_advisory_xact_lock(hashtext('smsagent.phone_number.setup'))").execute(db).await?;
    Ok(())
}

pub async fn find(db: impl PgExecutor<'_>, number: &PhoneNumber) -> Result<Option<BusinessNumber>, StoreError> {
    let row = sqlx::query!(
        "SELECT id, number, provider, inbound_assistant_id FROM phone_number WHERE number = $1",
        number.as_str(),
    )
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        Ok(BusinessNumber {
            id: r.id,
            number: PhoneNumber::parse(&r.number).map_err(StoreError::corrupt)?,
            provider: Provider::parse(&r.provider).map_err(StoreError::corrupt)?,
            inbound_assistant_id: r.inbound_assistant_id,
        })
    })
    .transpose()
}

/// Finds a number and locks it for the rest of the transaction.
pub async fn find_for_update(
    db: impl PgExecutor<'_>,
    number: &PhoneNumber,
) -> Result<Option<BusinessNumber>, StoreError> {
    let row = sqlx::query!(
        "SELECT id, number, provider, inbound_assistant_id FROM phone_number WHERE number = $1 FOR UPDATE",
        number.as_str(),
    )
    .fetch_optional(db)
    .await?;
    row.map(|r| {
        Ok(BusinessNumber {
            id: r.id,
            number: PhoneNumber::parse(&r.number).map_err(StoreError::corrupt)?,
            provider: Provider::parse(&r.provider).map_err(StoreError::corrupt)?,
            inbound_assistant_id: r.inbound_assistant_id,
        })
    })
    .transpose()
}

pub async fn insert(
    db: impl PgExecutor<'_>,
    number: &PhoneNumber,
    provider: Provider,
    inbound_assistant_id: Option<Uuid>,
) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    sqlx::query!(
        "INSERT INTO phone_number (id, number, provider, inbound_assistant_id) VALUES ($1, $2, $3, $4)",
        id,
        number.as_str(),
        provider.as_str(),
        inbound_assistant_id,
    )
    .execute(db)
    .await?;
    Ok(id)
}

/// Sets who carries a number and who answers it.
pub async fn update(
    db: impl PgExecutor<'_>,
    id: Uuid,
    provider: Provider,
    inbound_assistant_id: Option<Uuid>,
) -> Result<(), StoreError> {
    sqlx::query!(
        "UPDATE phone_number SET provider = $2, inbound_assistant_id = $3, updated_at = now() WHERE id = $1",
        id,
        provider.as_str(),
        inbound_assistant_id,
    )
    .execute(db)
    .await?;
    Ok(())
}
