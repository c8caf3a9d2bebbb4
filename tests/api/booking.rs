//! Booking through the receptionist seed's endpoints: an operator turns booking on, and a caller gets the
//! days, a day's slots, and books one; a slot is booked once.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smsagent_store::PgPool;

use crate::helpers::{BOOTSTRAP_KEY, TestApp};

async fn post(app: &TestApp, path: &str, key: &str, body: Value) -> (StatusCode, Value) {
    app.api_json(Method::POST, path, key, Some(body)).await
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_caller_gets_days_and_slots_and_books_a_slot_once(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (_, me) = app.api_json(Method::GET, "/api/v1/me", BOOTSTRAP_KEY, None).await;
    let assistant = me["assistants"][0]["id"].clone();
    let days_asked = json!({"assistant_id": assistant});
    let (status, _) = post(&app, "/voice/get-days", BOOTSTRAP_KEY, days_asked.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "it does not book yet");

    // Every day round the clock in UTC, so the test reads the same whenever it runs.
    let all_day = json!(["00:00", "23:30"]);
    let hours = json!({"monday": all_day, "tuesday": all_day, "wednesday": all_day, "thursday": all_day,
                       "friday": all_day, "saturday": all_day, "sunday": all_day});
    let settings = json!({"time_zone": "Etc/UTC", "hours": hours, "days_ahead": 3, "voice_slots": 4});
    let path = format!("/api/v1/assistants/{}/booking", assistant.as_str().unwrap());
    let (status, set) = app.api_json(Method::PUT, &path, BOOTSTRAP_KEY, Some(settings)).await;
    assert_eq!(status, StatusCode::OK, "{set}");
    assert_eq!(set["slot_minutes"], 30, "defaults filled in: {set}");
    let bad = json!({"hours": {"monday": ["17:00", "09:00"]}});
    let (status, refused) = app.api_json(Method::PUT, &path, BOOTSTRAP_KEY, Some(bad)).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_booking")));

    let (status, days) = post(&app, "/voice/get-days", BOOTSTRAP_KEY, days_asked).await;
    assert_eq!(status, StatusCode::OK, "{days}");
    let days = days["days"].as_array().unwrap().clone();
    assert_eq!(days.len(), 3, "{days:?}");
    let tomorrow = days.iter().find(|d| d["date"] != days[0]["date"]).unwrap()["date"].clone();
    let (_, spanish) =
        post(&app, "/voice/get-days", BOOTSTRAP_KEY, json!({"assistant_id": assistant, "language": "es"})).await;
    let label = spanish["days"][0]["label"].as_str().unwrap();
    assert!(label.contains(" de "), "{label}");

    let slots_asked = json!({"assistant_id": assistant, "date": tomorrow});
    let (_, slots) = post(&app, "/voice/get-slots", BOOTSTRAP_KEY, slots_asked.clone()).await;
    let slots = slots["slots"].as_array().unwrap().clone();
    assert_eq!(slots.len(), 4, "as many as a call reads out: {slots:?}");
    assert_eq!(slots[0]["label"], "12:00 AM");
    let start = slots[0]["start"].as_str().unwrap().to_owned();
    assert!(start.ends_with("T00:00:00+00:00"), "{start}");

    let booking = json!({"assistant_id": assistant, "start": start, "name": "Maria Garcia",
                         "email": "maria@example.com", "phone": "+15551234567"});
    let (status, booked) = post(&app, "/voice/book", BOOTSTRAP_KEY, booking.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    assert_eq!((&booked["status"], &booked["start"]), (&json!("confirmed"), &json!(start)));
    let (status, taken) = post(&app, "/voice/book", BOOTSTRAP_KEY, booking.clone()).await;
    assert_eq!((status, taken["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("slot_taken")), "{taken}");
    let alternatives = taken["alternatives"].as_array().unwrap();
    assert_eq!(alternatives.len(), 4, "{taken}");
    assert!(alternatives.iter().all(|a| a["start"] != json!(start)), "{taken}");

    let mut off_slot = booking.clone();
    off_slot["start"] = json!(start.replace("T00:00:00", "T00:10:00"));
    let (status, refused) = post(&app, "/voice/book", BOOTSTRAP_KEY, off_slot).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("not_a_slot")));

    let (_, after) = post(&app, "/voice/get-slots", BOOTSTRAP_KEY, slots_asked).await;
    assert_eq!(after["slots"][0]["label"], "12:30 AM", "the booked slot is no longer offered: {after}");
    assert_eq!(app.count("SELECT count(*) FROM appointment WHERE status = 'confirmed'").await, 1);

    let (_, other) = app.tenant("Other").await;
    let (status, _) = post(&app, "/voice/book", &other, booking.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another tenant's assistant");

    // Operators see it, move it, and cancel it.
    let id = booked["appointment_id"].as_str().unwrap().to_owned();
    let tomorrow = tomorrow.as_str().unwrap();
    let listed = format!("/api/v1/appointments?assistant_id={}&from={tomorrow}", assistant.as_str().unwrap());
    let (status, list) = app.api_json(Method::GET, &listed, BOOTSTRAP_KEY, None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["appointments"][0]["id"], id.as_str());
    assert_eq!(list["appointments"][0]["name"], "Maria Garcia");
    let one = format!("/api/v1/appointments/{id}");
    assert_eq!(app.api_json(Method::GET, &one, BOOTSTRAP_KEY, None).await.1["status"], "confirmed");

    let mut other_booking = booking.clone();
    other_booking["start"] = slots[2]["start"].clone();
    assert_eq!(post(&app, "/voice/book", BOOTSTRAP_KEY, other_booking).await.0, StatusCode::CREATED);
    let (status, refused) =
        post(&app, &format!("{one}/reschedule"), BOOTSTRAP_KEY, json!({"start": slots[2]["start"]})).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("slot_taken")), "{refused}");
    let (status, moved) =
        post(&app, &format!("{one}/reschedule"), BOOTSTRAP_KEY, json!({"start": slots[1]["start"]})).await;
    assert_eq!(status, StatusCode::OK, "{moved}");
    let moved_to: chrono::DateTime<chrono::Utc> = slots[1]["start"].as_str().unwrap().parse().unwrap();
    assert_eq!(moved["start"], json!(moved_to), "{moved}");

    let (status, cancelled) = post(&app, &format!("{one}/cancel"), BOOTSTRAP_KEY, json!({})).await;
    assert_eq!((status, &cancelled["status"]), (StatusCode::OK, &json!("cancelled")), "{cancelled}");
    let (status, again) = post(&app, &format!("{one}/cancel"), BOOTSTRAP_KEY, json!({})).await;
    assert_eq!((status, again["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("already_cancelled")));
    let (_, freed) =
        post(&app, "/voice/get-slots", BOOTSTRAP_KEY, json!({"assistant_id": assistant, "date": tomorrow})).await;
    let free: Vec<&Value> = freed["slots"].as_array().unwrap().iter().map(|s| &s["start"]).collect();
    assert!(free.contains(&&slots[1]["start"]), "the cancelled time is free again: {freed}");
}
