//! Booking in the conversation: the `appointment_booking` form collects name, email and phone, then the
//! assistant offers days and times, books, and later moves, cancels or tells the appointment; the emails
//! reach a real SMTP server, and the reminder is texted before the appointment.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smsagent_store::PgPool;

use crate::helpers::{BOOTSTRAP_KEY, CONTACT, Options, TestApp, sid};
use crate::mail_server::MailServer;

const DEFAULT_TENANT: &str = "00000000-0000-0000-0000-000000000001";

/// Turns the default assistant into a receptionist: the booking form, and booking every day from 8:00 to
/// 18:00 UTC (so the test reads the same whenever it runs), with a notice to the business's admin.
async fn receptionist(app: &TestApp) -> String {
    let (_, me) = app.api_json(Method::GET, "/api/v1/me", BOOTSTRAP_KEY, None).await;
    let id = me["assistants"][0]["id"].as_str().unwrap().to_owned();
    let changed = json!({"name": "Casa Dental", "form": "appointment_booking"});
    let path = format!("/api/v1/assistants/{id}");
    let (status, body) = app.api_json(Method::PATCH, &path, BOOTSTRAP_KEY, Some(changed)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let day = json!(["08:00", "18:00"]);
    let hours = json!({"monday": day, "tuesday": day, "wednesday": day, "thursday": day, "friday": day,
                       "saturday": day, "sunday": day});
    let settings = json!({"time_zone": "Etc/UTC", "hours": hours, "days_ahead": 5,
                          "admin_email": "admin@casadental.test"});
    let (status, body) = app.api_json(Method::PUT, &format!("{path}/booking"), BOOTSTRAP_KEY, Some(settings)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    id
}

async fn say(app: &TestApp, session: &str, message: &str) -> Value {
    let body = json!({"session_id": session, "message": message});
    let response =
        app.api(Method::POST, &format!("/chat/{DEFAULT_TENANT}"), BOOTSTRAP_KEY).json(&body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn message(answer: &Value) -> &str {
    answer["message"].as_str().unwrap_or_else(|| panic!("no message: {answer}"))
}

/// The numbered lines of a list ("1 Wed Dec 2" → "Wed Dec 2"), in order.
fn listed(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            line.split_once(' ').filter(|(n, _)| n.parse::<u32>().is_ok()).map(|(_, item)| item.to_owned())
        })
        .collect()
}

/// Gives a chat session's name, email and phone, each confirmed; returns the answer that completes them.
async fn introduce(app: &TestApp, session: &str, name: &str) -> Value {
    let first = say(app, session, "Hi, I'd like to book an appointment").await;
    assert!(message(&first).ends_with("What's your full name?"), "{first}");
    let email = format!("{}@example.com", name.split(' ').next().unwrap().to_lowercase());
    for said in [name, "yes", &email, "yes", "+1 415 555 0199"] {
        say(app, session, said).await;
    }
    say(app, session, "yes").await
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_chat_books_moves_and_cancels_and_every_email_reaches_the_smtp_server(pool: PgPool) {
    let mail = MailServer::start().await;
    let options = Options { openai: false, smtp_url: Some(mail.url.clone()), ..Options::default() };
    let app = TestApp::spawn_with(pool, options).await;
    receptionist(&app).await;

    let days = introduce(&app, "web-1", "Maria Garcia").await;
    let text = message(&days);
    assert!(text.starts_with("Thanks, Maria! Which day works for you? Reply with a number:\n1 "), "{text}");
    assert_eq!(days["booking_state"], "choosing_day");
    let day_list = listed(text);
    assert_eq!(day_list.len(), 5, "{text}");

    let times = say(&app, "web-1", "2").await;
    assert!(message(&times).starts_with("Free times on "), "{times}");
    assert!(message(&times).contains("\n1 8:00 AM\n2 8:30 AM"), "{times}");
    assert_eq!(times["booking_state"], "choosing_slot");

    let booked = say(&app, "web-1", "1").await;
    assert!(message(&booked).starts_with("You're booked for "), "{booked}");
    assert!(message(&booked).contains(" at 8:00 AM."), "{booked}");
    assert_eq!(booked["booking_state"], "booked");
    let (name, email, phone, with_conversation): (String, String, String, bool) = sqlx::query_as(
        "SELECT name, email, phone, conversation_id IS NOT NULL FROM appointment WHERE status = 'confirmed'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        (name.as_str(), email.as_str(), phone.as_str(), with_conversation),
        ("Maria Garcia", "maria@example.com", "+14155550199", true)
    );

    let when = say(&app, "web-1", "When is my appointment?").await;
    assert!(
        message(&when).starts_with("Your appointment is on ") && message(&when).ends_with(" at 8:00 AM."),
        "{when}"
    );

    // "Fri Dec 4": the weekday of the third day listed, at 9 in the morning.
    let weekday = day_list[2].split(' ').next().unwrap();
    let moved = say(&app, "web-1", &format!("can we move it to {weekday} at 9am?")).await;
    assert!(
        message(&moved).starts_with("Done: your appointment is now on ") && message(&moved).ends_with(" at 9:00 AM."),
        "{moved}"
    );
    assert_eq!(app.count("SELECT count(*) FROM appointment WHERE status = 'confirmed'").await, 1, "moved, not doubled");

    let ask = say(&app, "web-1", "cancel my appointment").await;
    assert!(message(&ask).ends_with("Reply YES to cancel it."), "{ask}");
    assert_eq!(app.count("SELECT count(*) FROM appointment WHERE status = 'confirmed'").await, 1, "not before a yes");
    let cancelled = say(&app, "web-1", "yes").await;
    assert!(message(&cancelled).ends_with(" is cancelled."), "{cancelled}");
    assert_eq!(cancelled["booking_state"], "none");
    assert_eq!(app.count("SELECT count(*) FROM appointment WHERE status = 'cancelled'").await, 1);

    // Booked, moved and cancelled: the person and the business each got three emails, every one sent.
    app.settle().await;
    assert_eq!(app.count("SELECT count(*) FROM email_outbox WHERE status = 'sent'").await, 6);
    let received = mail.received();
    assert_eq!(received.len(), 6, "{received:#?}");
    let to_maria: Vec<_> = received.iter().filter(|m| m.rcpt_to == "maria@example.com").collect();
    assert_eq!(to_maria.len(), 3);
    assert!(received.iter().all(|m| m.from == "bookings@casadental.test"));
    let confirmation = to_maria.iter().find(|m| m.subject.starts_with("Appointment confirmed: ")).unwrap();
    assert!(confirmation.text.starts_with("Hello Maria,"), "{}", confirmation.text);
    assert!(confirmation.text.contains("Casa Dental"), "{}", confirmation.text);
    let (invite, kind) = confirmation.invite.clone().expect("an invite is attached");
    assert!(kind.starts_with("text/calendar;") && kind.contains("method=REQUEST"), "{kind}");
    let calendar: icalendar::Calendar = invite.parse().expect("the invite is iCalendar");
    assert_eq!(calendar.property_value("METHOD"), Some("REQUEST"));
    let cancellation = to_maria.iter().find(|m| m.subject.starts_with("Appointment cancelled: ")).unwrap();
    let (invite, _) = cancellation.invite.clone().unwrap();
    let calendar: icalendar::Calendar = invite.parse().unwrap();
    assert_eq!(calendar.property_value("METHOD"), Some("CANCEL"));
    let admin: Vec<&str> =
        received.iter().filter(|m| m.rcpt_to == "admin@casadental.test").map(|m| m.subject.as_str()).collect();
    assert_eq!(admin.len(), 3);
    assert!(admin.iter().any(|s| s.starts_with("New appointment: Maria Garcia, ")), "{admin:?}");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_spanish_text_books_in_words_and_the_reminder_follows_the_move(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { openai: false, ..Options::default() }).await;
    app.twilio_accepts().await;
    receptionist(&app).await;
    let text = |body: &'static str| {
        let app = &app;
        async move {
            app.text(&sid(), CONTACT, body).await;
            app.settle().await;
            app.outbound().await.last().unwrap().body.clone()
        }
    };
    assert!(text("Hola, quiero una cita").await.ends_with("¿Cuál es su nombre completo?"));
    for said in ["Ana López", "sí", "ana@example.com", "sí"] {
        text(said).await;
    }
    let days = text("sí").await;
    assert!(days.starts_with("¡Gracias, Ana! ¿Qué día le conviene? Responda con un número:\n1 "), "{days}");
    // "vie 4 dic": the weekday of the third day listed, said in full.
    let short = listed(&days)[2].split(' ').next().unwrap().to_owned();
    let weekdays = [
        ("lun", "lunes"),
        ("mar", "martes"),
        ("mié", "miércoles"),
        ("jue", "jueves"),
        ("vie", "viernes"),
        ("sáb", "sábado"),
        ("dom", "domingo"),
    ];
    let weekday = weekdays.iter().find(|(s, _)| *s == short).unwrap().1;

    app.text(&sid(), CONTACT, &format!("el {weekday} a las 10")).await;
    app.settle().await;
    let booked = app.outbound().await.last().unwrap().body.clone();
    assert!(
        booked.starts_with(&format!("Su cita quedó para el {weekday}, ")) && booked.contains(" a las 10:00."),
        "{booked}"
    );
    // No mail server is configured: the email is kept, marked skipped, and nothing is retried.
    assert_eq!(app.count("SELECT count(*) FROM email_outbox WHERE status = 'skipped'").await, 2);

    let moved = text("¿podemos cambiarla a las 11?").await;
    assert!(moved.starts_with("Listo: su cita ahora es el ") && moved.ends_with(" a las 11:00."), "{moved}");
    // Two reminders were queued, for 10:00 and for 11:00; the day comes, and only the one for the
    // appointment's time is texted.
    assert_eq!(app.count("SELECT count(*) FROM job WHERE kind = 'remind_appointment'").await, 2);
    sqlx::query("UPDATE job SET run_at = now() WHERE kind = 'remind_appointment'").execute(&app.pool).await.unwrap();
    app.settle().await;
    let reminders: Vec<String> =
        app.outbound().await.into_iter().filter(|m| m.body.starts_with("Recordatorio")).map(|m| m.body).collect();
    assert_eq!(reminders.len(), 1, "{reminders:?}");
    assert!(
        reminders[0].starts_with("Recordatorio: su cita con Casa Dental es el ")
            && reminders[0].contains(" a las 11:00."),
        "{reminders:?}"
    );
    let purpose: String = sqlx::query_scalar("SELECT purpose FROM sms_messages WHERE body LIKE 'Recordatorio%'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(purpose, "reminder");

    let ask = text("quiero cancelar mi cita").await;
    assert!(ask.ends_with("Responda SÍ para cancelarla."), "{ask}");
    let cancelled = text("sí").await;
    assert!(cancelled.ends_with(" está cancelada."), "{cancelled}");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn five_chats_racing_for_one_time_book_it_once_and_the_others_hear_what_is_free(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { openai: false, workers: 4, ..Options::default() }).await;
    receptionist(&app).await;
    let sessions: Vec<String> = (0..5).map(|i| format!("race-{i}")).collect();
    for session in &sessions {
        introduce(&app, session, "Maria Garcia").await;
        let times = say(&app, session, "2").await;
        assert!(message(&times).contains("\n1 8:00 AM"), "{times}");
    }
    let answers = futures_util::future::join_all(sessions.iter().map(|s| say(&app, s, "1"))).await;
    let booked = answers.iter().filter(|a| message(a).starts_with("You're booked for ")).count();
    assert_eq!(booked, 1, "{answers:#?}");
    for answer in answers.iter().filter(|a| !message(a).starts_with("You're booked")) {
        assert!(message(answer).starts_with("Sorry, 8:00 AM was just taken. Free times on "), "{answer}");
        assert!(message(answer).contains("\n1 8:30 AM"), "the nearest free time first: {answer}");
        assert_eq!(answer["booking_state"], "choosing_slot");
    }
    assert_eq!(app.count("SELECT count(*) FROM appointment").await, 1);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_contact_who_opted_out_gets_no_reminder(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { openai: false, ..Options::default() }).await;
    app.twilio_accepts().await;
    receptionist(&app).await;
    for said in ["I'd like an appointment", "Maria Garcia", "yes", "maria@example.com", "yes", "yes"] {
        app.text(&sid(), CONTACT, said).await;
        app.settle().await;
    }
    // The third day listed: far enough ahead for its reminder to be queued.
    app.text(&sid(), CONTACT, "3").await;
    app.settle().await;
    app.text(&sid(), CONTACT, "1").await;
    app.settle().await;
    let booked = app.outbound().await.last().unwrap().body.clone();
    assert!(booked.starts_with("You're booked for "), "{booked}");
    assert_eq!(app.count("SELECT count(*) FROM job WHERE kind = 'remind_appointment'").await, 1);

    app.text(&sid(), CONTACT, "STOP").await;
    app.settle().await;
    sqlx::query("UPDATE job SET run_at = now() WHERE kind = 'remind_appointment'").execute(&app.pool).await.unwrap();
    app.settle().await;
    assert_eq!(app.count("SELECT count(*) FROM sms_messages WHERE purpose = 'reminder'").await, 0);
    assert_eq!(app.count("SELECT count(*) FROM job WHERE kind = 'remind_appointment'").await, 0, "done, not dead");
}
