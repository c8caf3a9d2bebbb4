//! Appointments: booked under the database's guarantee that no two confirmed ones overlap on a calendar,
//! and read back as the times a calendar is busy.

use chrono::{DateTime, Utc};
use sqlx::{Acquire, PgConnection, PgExecutor};
use uuid::Uuid;

use crate::StoreError;

/// An appointment to book.
#[derive(Debug, Clone)]
pub struct NewAppointment<'a> {
    pub tenant_id: Uuid,
    pub assistant_id: Option<Uuid>,
    /// The conversation it is booked in, if any: its reminder goes there.
    pub conversation_id: Option<Uuid>,
    pub calendar: &'a str,
    pub contact_number: &'a str,
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
    /// `en` or `es`.
    pub language: Option<&'a str>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// `ends_at` and the buffer kept after it.
    pub blocked_until: DateTime<Utc>,
}

/// What a booking came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Booking {
    Confirmed(Uuid),
    /// Another confirmed appointment on the calendar overlaps the time (with its buffer).
    Taken,
}

/// A time the calendar is taken: an appointment to the end of its buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Taken {
    pub starts_at: DateTime<Utc>,
    pub blocked_until: DateTime<Utc>,
}

/// Books the time, unless it is taken: the exclusion constraint decides, so of bookings that race for one
/// time exactly one is confirmed. Run in the caller's transaction, the refusal undoes only itself (a
/// savepoint), so the caller can go on to say what else is free.
pub async fn book(conn: &mut PgConnection, new: &NewAppointment<'_>) -> Result<Booking, StoreError> {
    let id = Uuid::now_v7();
    let mut savepoint = conn.begin().await?;
    let inserted = sqlx::query!(
        r#"
        INSERT INTO appointment (id, tenant_id, assistant_id, conversation_id, calendar, contact_number, name, email,
                                 phone, language, starts_at, ends_at, blocked_until)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
        "#,
        id,
        new.tenant_id,
        new.assistant_id,
        new.conversation_id,
        new.calendar,
        new.contact_number,
        new.name,
        new.email,
        new.phone,
        new.language,
        new.starts_at,
        new.ends_at,
        new.blocked_until,
    )
    .execute(&mut *savepoint)
    .await;
    match inserted {
        Ok(_) => {
            savepoint.commit().await?;
            Ok(Booking::Confirmed(id))
        }
        Err(sqlx::Error::Database(error)) if error.constraint() == Some("appointment_no_overlap") => {
            savepoint.rollback().await?;
            Ok(Booking::Taken)
        }
        Err(error) => Err(error.into()),
    }
}

/// The confirmed appointments on `calendar` that meet `[from, to)`, by start.
pub async fn taken(
    db: impl PgExecutor<'_>,
    calendar: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Taken>, StoreError> {
    Ok(sqlx::query_as!(
        Taken,
        r#"
        SELECT starts_at, blocked_until FROM appointment
        WHERE calendar = $1 AND status = 'confirmed'
          AND tstzrange(starts_at, blocked_until, '[)') && tstzrange($2, $3, '[)')
        ORDER BY starts_at
        "#,
        calendar,
        from,
        to,
    )
    .fetch_all(db)
    .await?)
}

/// Cancels one of the tenant's confirmed appointments, freeing its time; false when there is none.
pub async fn cancel(db: impl PgExecutor<'_>, tenant_id: Uuid, id: Uuid) -> Result<bool, StoreError> {
    let done = sqlx::query!(
        r#"
        UPDATE appointment SET status = 'cancelled', cancelled_at = now(), updated_at = now()
        WHERE id = $1 AND tenant_id = $2 AND status = 'confirmed'
        "#,
        id,
        tenant_id,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// An appointment as operators see it.
#[derive(Debug, Clone)]
pub struct Appointment {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub assistant_id: Option<Uuid>,
    /// The conversation it was booked in, if any.
    pub conversation_id: Option<Uuid>,
    pub calendar: String,
    pub contact_number: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub language: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    /// The external calendar's id for its event, where the calendar makes one.
    pub calendar_event_id: Option<String>,
}

/// The tenant's appointments starting in `[from, to)`, optionally of one assistant, by start; at most `limit`.
pub async fn list(
    db: impl PgExecutor<'_>,
    tenant_id: Uuid,
    assistant_id: Option<Uuid>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Appointment>, StoreError> {
    Ok(sqlx::query_as!(
        Appointment,
        r#"
        SELECT id, tenant_id, assistant_id, conversation_id, calendar, contact_number, name, email, phone, language, starts_at, ends_at, status,
               created_at, cancelled_at, calendar_event_id
        FROM appointment
        WHERE tenant_id = $1 AND ($2::uuid IS NULL OR assistant_id = $2) AND starts_at >= $3 AND starts_at < $4
        ORDER BY starts_at, id
        LIMIT $5
        "#,
        tenant_id,
        assistant_id,
        from,
        to,
        limit,
    )
    .fetch_all(db)
    .await?)
}

/// One of the tenant's appointments.
pub async fn get(db: impl PgExecutor<'_>, tenant_id: Uuid, id: Uuid) -> Result<Option<Appointment>, StoreError> {
    Ok(sqlx::query_as!(
        Appointment,
        r#"
        SELECT id, tenant_id, assistant_id, conversation_id, calendar, contact_number, name, email, phone, language, starts_at, ends_at, status,
               created_at, cancelled_at, calendar_event_id
        FROM appointment WHERE id = $1 AND tenant_id = $2
        "#,
        id,
        tenant_id,
    )
    .fetch_optional(db)
    .await?)
}

/// An appointment, whoever's it is (for the engine's jobs, which work for every tenant).
pub async fn find(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Appointment>, StoreError> {
    Ok(sqlx::query_as!(
        Appointment,
        r#"
        SELECT id, tenant_id, assistant_id, conversation_id, calendar, contact_number, name, email, phone, language,
               starts_at, ends_at, status, created_at, cancelled_at, calendar_event_id
        FROM appointment WHERE id = $1
        "#,
        id,
    )
    .fetch_optional(db)
    .await?)
}

/// What moving an appointment came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moved {
    Moved,
    /// Another confirmed appointment holds the new time.
    Taken,
    /// The tenant has no such confirmed appointment.
    NotFound,
}

/// Moves one of the tenant's confirmed appointments to a new time, unless another holds it (the same
/// constraint decides, so a move cannot double-book either).
pub async fn reschedule(
    conn: &mut PgConnection,
    tenant_id: Uuid,
    id: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    blocked_until: DateTime<Utc>,
) -> Result<Moved, StoreError> {
    let mut savepoint = conn.begin().await?;
    let updated = sqlx::query!(
        r#"
        UPDATE appointment SET starts_at = $3, ends_at = $4, blocked_until = $5, updated_at = now()
        WHERE id = $1 AND tenant_id = $2 AND status = 'confirmed'
        "#,
        id,
        tenant_id,
        starts_at,
        ends_at,
        blocked_until,
    )
    .execute(&mut *savepoint)
    .await;
    let moved = match updated {
        Ok(done) if done.rows_affected() == 1 => Moved::Moved,
        Ok(_) => Moved::NotFound,
        Err(sqlx::Error::Database(error)) if error.constraint() == Some("appointment_no_overlap") => {
            savepoint.rollback().await?;
            return Ok(Moved::Taken);
        }
        Err(error) => return Err(error.into()),
    };
    savepoint.commit().await?;
    Ok(moved)
}

/// The conversation's next confirmed appointment (starting after `now`).
pub async fn upcoming_in(
    db: impl PgExecutor<'_>,
    conversation_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<Appointment>, StoreError> {
    Ok(sqlx::query_as!(
        Appointment,
        r#"
        SELECT id, tenant_id, assistant_id, conversation_id, calendar, contact_number, name, email, phone, language, starts_at, ends_at, status,
               created_at, cancelled_at, calendar_event_id
        FROM appointment
        WHERE conversation_id = $1 AND status = 'confirmed' AND starts_at > $2
        ORDER BY starts_at LIMIT 1
        "#,
        conversation_id,
        now,
    )
    .fetch_optional(db)
    .await?)
}

/// Keeps the external calendar's id for the appointment's event.
pub async fn set_calendar_event(db: impl PgExecutor<'_>, id: Uuid, event_id: Option<&str>) -> Result<(), StoreError> {
    sqlx::query!("UPDATE appointment SET calendar_event_id = $2 WHERE id = $1", id, event_id).execute(db).await?;
    Ok(())
}
