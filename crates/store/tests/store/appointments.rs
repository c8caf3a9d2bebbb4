//! Appointments: the database refuses a second confirmed appointment over the same time on one calendar,
//! so bookings that race for a slot give exactly one.

use chrono::{DateTime, TimeDelta, Utc};
use smsagent_store::appointments::{Booking, NewAppointment, cancel, taken};
use smsagent_store::{PgPool, tenants};

const CALENDAR: &str = "builtin:test";

fn at(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// A 30-minute appointment from `start`, kept free `buffer` minutes after.
fn appointment(contact: &str, start: DateTime<Utc>, buffer: i64) -> NewAppointment<'_> {
    NewAppointment {
        tenant_id: tenants::DEFAULT_TENANT,
        assistant_id: None,
        conversation_id: None,
        calendar: CALENDAR,
        contact_number: contact,
        name: "Maria Garcia",
        email: Some("maria@example.com"),
        phone: Some("+15551234567"),
        language: Some("en"),
        starts_at: start,
        ends_at: start + TimeDelta::minutes(30),
        blocked_until: start + TimeDelta::minutes(30 + buffer),
    }
}

/// Books on a connection of its own.
async fn book(pool: &PgPool, new: &NewAppointment<'_>) -> Result<Booking, smsagent_store::StoreError> {
    let mut conn = pool.acquire().await?;
    smsagent_store::appointments::book(&mut conn, new).await
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn twenty_contacts_racing_for_one_slot_give_exactly_one_booking(pool: PgPool) {
    let start = at("2026-12-07T16:00:00Z");
    let contacts: Vec<String> = (0..20).map(|i| format!("+1555000{i:04}")).collect();
    let races = contacts.iter().map(|contact| {
        let pool = pool.clone();
        let new = appointment(contact, start, 0);
        async move { book(&pool, &new).await.unwrap() }
    });
    let outcomes = futures::future::join_all(races).await;
    let confirmed = outcomes.iter().filter(|o| matches!(o, Booking::Confirmed(_))).count();
    assert_eq!((confirmed, outcomes.len() - confirmed), (1, 19), "{outcomes:?}");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM appointment").fetch_one(&pool).await.unwrap();
    assert_eq!(rows, 1, "the others left nothing behind");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn the_buffer_after_an_appointment_is_kept_and_a_cancellation_frees_the_time(pool: PgPool) {
    let ten = at("2026-12-07T16:00:00Z");
    let Booking::Confirmed(first) = book(&pool, &appointment("+15550000001", ten, 15)).await.unwrap() else {
        panic!("the calendar is empty")
    };
    let half_past = ten + TimeDelta::minutes(30);
    assert_eq!(
        book(&pool, &appointment("+15550000002", half_past, 15)).await.unwrap(),
        Booking::Taken,
        "in the buffer"
    );
    let quarter_to = ten + TimeDelta::minutes(45);
    assert!(matches!(book(&pool, &appointment("+15550000003", quarter_to, 15)).await.unwrap(), Booking::Confirmed(_)));
    let mut other_calendar = appointment("+15550000004", ten, 15);
    other_calendar.calendar = "builtin:other";
    assert!(matches!(book(&pool, &other_calendar).await.unwrap(), Booking::Confirmed(_)), "calendars are apart");

    let day = taken(&pool, CALENDAR, at("2026-12-07T00:00:00Z"), at("2026-12-08T00:00:00Z")).await.unwrap();
    assert_eq!(
        day.iter().map(|t| (t.starts_at, t.blocked_until)).collect::<Vec<_>>(),
        [(ten, ten + TimeDelta::minutes(45)), (quarter_to, quarter_to + TimeDelta::minutes(45))]
    );

    assert!(cancel(&pool, tenants::DEFAULT_TENANT, first).await.unwrap());
    assert!(!cancel(&pool, tenants::DEFAULT_TENANT, first).await.unwrap(), "cancelled once");
    assert!(matches!(book(&pool, &appointment("+15550000002", ten, 0)).await.unwrap(), Booking::Confirmed(_)), "freed");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_refused_booking_leaves_the_callers_transaction_usable(pool: PgPool) {
    let ten = at("2026-12-07T16:00:00Z");
    book(&pool, &appointment("+15550000001", ten, 0)).await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    let refused = smsagent_store::appointments::book(&mut tx, &appointment("+15550000002", ten, 0)).await.unwrap();
    assert_eq!(refused, Booking::Taken);
    // The transaction goes on: what the caller writes next (a reply saying what is free) is kept.
    let later = ten + TimeDelta::hours(1);
    let booked = smsagent_store::appointments::book(&mut tx, &appointment("+15550000002", later, 0)).await.unwrap();
    assert!(matches!(booked, Booking::Confirmed(_)));
    tx.commit().await.unwrap();
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM appointment").fetch_one(&pool).await.unwrap();
    assert_eq!(rows, 2);
}
