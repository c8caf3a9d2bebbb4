//! The business's own numbers and which assistant answers each.

use smsagent_domain::{OptOutConfirmer, PhoneNumber, Provider};
use sqlx::PgExecutor;
use uuid::Uuid;

use crate::{PgPool, StoreError};

/// One of the business's numbers.
#[derive(Debug, Clone)]
pub struct BusinessNumber {
    pub id: Uuid,
    pub number: PhoneNumber,
    pub provider: Provider,
    pub inbound_assistant_id: Option<Uuid>,
    /// Who answers a contact's STOP on this number.
    pub opt_out_confirmer: OptOutConfirmer,
}

/// Serialises set-up of numbers across processes until the transaction ends.
pub async fn lock_for_setup(db: impl PgExecutor<'_>) -> Result<(), StoreError> {
    sqlx::query!("SELECT pg_advisory_xact_lock(hashtext('smsagent.phone_number.setup'))").execute(db).await?;
    Ok(())
}

pub async fn find(db: impl PgExecutor<'_>, number: &PhoneNumber) -> Result<Option<BusinessNumber>, StoreError> {
    let row = sqlx::query!(
        "SELECT id, number, provider, inbound_assistant_id, opt_out_confirmed_by FROM phone_number WHERE number = $1",
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
            opt_out_confirmer: OptOutConfirmer::parse(&r.opt_out_confirmed_by)
                .ok_or_else(|| StoreError::corrupt(format!("opt_out_confirmed_by {:?}", r.opt_out_confirmed_by)))?,
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
        "SELECT id, number, provider, inbound_assistant_id, opt_out_confirmed_by FROM phone_number WHERE number = $1 FOR UPDATE",
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
            opt_out_confirmer: OptOutConfirmer::parse(&r.opt_out_confirmed_by)
                .ok_or_else(|| StoreError::corrupt(format!("opt_out_confirmed_by {:?}", r.opt_out_confirmed_by)))?,
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
        "INSERT INTO phone_number (id, number, provider, inbound_assistant_id, opt_out_confirmed_by) VALUES ($1, $2, $3, $4, $5)",
        id,
        number.as_str(),
        provider.as_str(),
        inbound_assistant_id,
        OptOutConfirmer::default_for(provider).as_str(),
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

/// One of a tenant's numbers, as its operators see it.
#[derive(Debug, Clone)]
pub struct OwnedNumber {
    pub id: Uuid,
    pub number: String,
    pub provider: String,
    pub inbound_assistant_id: Option<Uuid>,
    /// provider or smsagent: who answers a contact's STOP.
    pub opt_out_confirmed_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

pub async fn list(db: impl PgExecutor<'_>, tenant_id: Uuid) -> Result<Vec<OwnedNumber>, StoreError> {
    Ok(sqlx::query_as!(
        OwnedNumber,
        "SELECT id, number, provider, inbound_assistant_id, opt_out_confirmed_by, created_at FROM phone_number WHERE tenant_id = $1 ORDER BY number",
        tenant_id,
    )
    .fetch_all(db)
    .await?)
}

pub async fn owned(db: impl PgExecutor<'_>, tenant_id: Uuid, id: Uuid) -> Result<Option<OwnedNumber>, StoreError> {
    Ok(sqlx::query_as!(
        OwnedNumber,
        "SELECT id, number, provider, inbound_assistant_id, opt_out_confirmed_by, created_at FROM phone_number WHERE id = $1 AND tenant_id = $2 FOR UPDATE",
        id,
        tenant_id,
    )
    .fetch_optional(db)
    .await?)
}

/// Adds a number to a tenant; `None` when the number is registered already (to this tenant or another).
pub async fn add(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    number: &PhoneNumber,
    provider: Provider,
    inbound_assistant_id: Option<Uuid>,
    opt_out_confirmer: OptOutConfirmer,
) -> Result<Option<Uuid>, StoreError> {
    Ok(sqlx::query_scalar!(
        r#"
        INSERT INTO phone_number (id, tenant_id, number, provider, inbound_assistant_id, opt_out_confirmed_by)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (number) DO NOTHING RETURNING id
        "#,
        Uuid::now_v7(),
        tenant_id,
        number.as_str(),
        provider.as_str(),
        inbound_assistant_id,
        opt_out_confirmer.as_str(),
    )
    .fetch_optional(db)
    .await?)
}

/// What became of a number to add.
#[derive(Debug)]
pub enum Addition {
    Added(OwnedNumber),
    /// The tenant has it already.
    Ours,
    /// Another tenant has it.
    Taken,
}

/// Adds a number to a tenant, and runs `before_commit` on it (setting its webhook at the provider, say)
/// before the transaction commits: if that fails, nothing is added.
pub async fn add_with<E: From<StoreError>>(
    pool: &PgPool,
    tenant_id: Uuid,
    number: &PhoneNumber,
    provider: Provider,
    inbound_assistant_id: Option<Uuid>,
    opt_out_confirmer: OptOutConfirmer,
    before_commit: impl AsyncFnOnce(&OwnedNumber) -> Result<(), E>,
) -> Result<Addition, E> {
    let mut tx = pool.begin().await.map_err(StoreError::from)?;
    let Some(id) = add(&mut *tx, tenant_id, number, provider, inbound_assistant_id, opt_out_confirmer).await? else {
        let ours = list(&mut *tx, tenant_id).await?.iter().any(|n| n.number == number.as_str());
        return Ok(if ours { Addition::Ours } else { Addition::Taken });
    };
    let added = owned(&mut *tx, tenant_id, id).await?.ok_or_else(vanished)?;
    before_commit(&added).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(Addition::Added(added))
}

/// Changes one of the tenant's numbers (its assistant, when `Some`; who confirms opt-outs, when `Some`)
/// and runs `before_commit` on the result before the transaction commits: if that fails, nothing
/// changes. `None` when the tenant has no such number.
pub async fn change_with<E: From<StoreError>>(
    pool: &PgPool,
    tenant_id: Uuid,
    id: Uuid,
    inbound_assistant_id: Option<Option<Uuid>>,
    opt_out_confirmer: Option<OptOutConfirmer>,
    before_commit: impl AsyncFnOnce(&OwnedNumber) -> Result<(), E>,
) -> Result<Option<OwnedNumber>, E> {
    let mut tx = pool.begin().await.map_err(StoreError::from)?;
    if owned(&mut *tx, tenant_id, id).await?.is_none() {
        return Ok(None);
    }
    if let Some(assistant) = inbound_assistant_id {
        assign(&mut *tx, tenant_id, id, assistant).await?;
    }
    if let Some(confirmer) = opt_out_confirmer {
        set_opt_out_confirmer(&mut *tx, tenant_id, id, confirmer).await?;
    }
    let number = owned(&mut *tx, tenant_id, id).await?.ok_or_else(vanished)?;
    before_commit(&number).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(Some(number))
}

fn vanished() -> StoreError {
    StoreError::corrupt("a number vanished within its own transaction")
}

/// Gives one of the tenant's numbers to an assistant (or to nobody).
pub async fn assign(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    id: Uuid,
    inbound_assistant_id: Option<Uuid>,
) -> Result<bool, StoreError> {
    let done = sqlx::query!(
        "UPDATE phone_number SET inbound_assistant_id = $3, updated_at = now() WHERE id = $1 AND tenant_id = $2",
        id,
        tenant_id,
        inbound_assistant_id,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Sets who answers a contact's STOP on one of the tenant's numbers.
pub async fn set_opt_out_confirmer(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    id: Uuid,
    confirmer: OptOutConfirmer,
) -> Result<bool, StoreError> {
    let done = sqlx::query!(
        "UPDATE phone_number SET opt_out_confirmed_by = $3, updated_at = now() WHERE id = $1 AND tenant_id = $2",
        id,
        tenant_id,
        confirmer.as_str(),
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// What became of a number asked to be removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    Removed,
    /// The tenant has no such number.
    NotFound,
    /// It has conversations (this many): they would be orphaned, so it stays.
    HasConversations(i64),
}

/// Removes one of the tenant's numbers unless it has conversations, in one transaction.
pub async fn remove(pool: &PgPool, tenant_id: Uuid, id: Uuid) -> Result<Removal, StoreError> {
    let mut tx = pool.begin().await?;
    let Some(number) = owned(&mut *tx, tenant_id, id).await? else { return Ok(Removal::NotFound) };
    let conversations = conversation_count(&mut *tx, &number.number).await?;
    if conversations > 0 {
        return Ok(Removal::HasConversations(conversations));
    }
    delete(&mut *tx, number.id).await?;
    tx.commit().await?;
    Ok(Removal::Removed)
}

/// How many conversations a number has (a number with history is not removed from under it).
pub async fn conversation_count(db: impl PgExecutor<'_>, number: &str) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar!(r#"SELECT count(*) AS "count!" FROM conversation WHERE business_number = $1"#, number)
        .fetch_one(db)
        .await?)
}

pub async fn delete(db: impl PgExecutor<'_>, id: Uuid) -> Result<(), StoreError> {
    sqlx::query!("DELETE FROM phone_number WHERE id = $1", id).execute(db).await?;
    Ok(())
}
