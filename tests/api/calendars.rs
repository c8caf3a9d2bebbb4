//! External calendars: a CalDAV calendar on a real CalDAV server (Radicale), and an Outlook calendar
//! through a mock Microsoft Graph that signs in, throttles and answers as Microsoft documents. Either is
//! read before slots are offered and before a booking, and gets each appointment's event, moved and
//! removed with it.

use chrono::{TimeDelta, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smsagent_store::PgPool;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::calendar_server::{CalendarServer, PASSWORD, USER};
use crate::helpers::{BOOTSTRAP_KEY, Options, TestApp};

async fn post(app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    app.api_json(Method::POST, path, BOOTSTRAP_KEY, Some(body)).await
}

/// Books every day from 8:00 to 18:00 UTC on `calendar`; returns the assistant's id.
async fn booking_on(app: &TestApp, calendar: Value) -> (String, Value) {
    let (_, me) = app.api_json(Method::GET, "/api/v1/me", BOOTSTRAP_KEY, None).await;
    let id = me["assistants"][0]["id"].as_str().unwrap().to_owned();
    let day = json!(["08:00", "18:00"]);
    let hours = json!({"monday": day, "tuesday": day, "wednesday": day, "thursday": day, "friday": day,
                       "saturday": day, "sunday": day});
    let settings = json!({"time_zone": "Etc/UTC", "hours": hours, "days_ahead": 3, "calendar": calendar});
    let path = format!("/api/v1/assistants/{id}/booking");
    let (status, shown) = app.api_json(Method::PUT, &path, BOOTSTRAP_KEY, Some(settings)).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    (id, shown)
}

/// Tomorrow in UTC, as the API and iCalendar write it.
fn tomorrow() -> (String, String) {
    let day = Utc::now().date_naive() + TimeDelta::days(1);
    (day.format("%Y-%m-%d").to_string(), day.format("%Y%m%d").to_string())
}

fn labels(slots: &Value) -> Vec<String> {
    slots["slots"].as_array().unwrap().iter().map(|s| s["label"].as_str().unwrap().to_owned()).collect()
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_caldav_calendar_is_read_before_offering_and_gets_each_appointments_event(pool: PgPool) {
    let mut radicale = CalendarServer::start().await;
    let collection = radicale.calendar("appointments").await;
    let (date, compact) = tomorrow();
    radicale
        .put_event(&collection, "staff-meeting", &format!("{compact}T090000Z"), &format!("{compact}T100000Z"))
        .await;
    let app = TestApp::spawn_with(pool, Options { openai: false, ..Options::default() }).await;
    let calendar = json!({"type": "caldav", "url": collection, "username": USER, "password": PASSWORD});
    let (assistant, shown) = booking_on(&app, calendar).await;
    assert_eq!(shown["calendar"]["password"], "********", "never shown back: {shown}");
    let (_, read) =
        app.api_json(Method::GET, &format!("/api/v1/assistants/{assistant}/booking"), BOOTSTRAP_KEY, None).await;
    assert_eq!(read["calendar"], shown["calendar"]);
    // Saved back as read (the password masked), the stored password stays.
    let path = format!("/api/v1/assistants/{assistant}/booking");
    let (status, _) = app.api_json(Method::PUT, &path, BOOTSTRAP_KEY, Some(read.clone())).await;
    assert_eq!(status, StatusCode::OK);
    let mut elsewhere = read.clone();
    elsewhere["calendar"]["url"] = json!(format!("{}/{USER}/other/", radicale.base));
    let (status, refused) = app.api_json(Method::PUT, &path, BOOTSTRAP_KEY, Some(elsewhere)).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_booking")),
        "a masked password is no password for another calendar: {refused}"
    );

    let asked = json!({"assistant_id": assistant, "date": date});
    let (status, slots) = post(&app, "/voice/get-slots", asked.clone()).await;
    assert_eq!(status, StatusCode::OK, "{slots}");
    assert_eq!(
        labels(&slots),
        ["8:00 AM", "8:30 AM", "10:00 AM", "10:30 AM", "11:00 AM"],
        "the meeting's hour is busy"
    );

    let book = |start: &str| {
        json!({"assistant_id": assistant, "start": format!("{date}T{start}:00Z"), "name": "Maria Garcia",
               "email": "maria@example.com"})
    };
    let (status, refused) = post(&app, "/voice/book", book("09:00")).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("slot_taken")), "{refused}");
    let (status, booked) = post(&app, "/voice/book", book("08:00")).await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    let id = booked["appointment_id"].as_str().unwrap().to_owned();
    app.settle().await;
    let resource = format!("{collection}{id}.ics");
    let event = radicale.get(&resource).await.expect("the appointment is on the calendar");
    assert!(event.contains(&format!("UID:{id}@smsagent")), "{event}");
    assert!(event.contains(&format!("DTSTART:{compact}T080000Z")), "{event}");
    assert!(!event.contains("METHOD"), "a stored event has no METHOD: {event}");

    let (status, _) =
        post(&app, &format!("/api/v1/appointments/{id}/reschedule"), json!({"start": format!("{date}T10:30:00Z")}))
            .await;
    assert_eq!(status, StatusCode::OK);
    app.settle().await;
    let moved = radicale.get(&resource).await.unwrap();
    assert!(moved.contains(&format!("DTSTART:{compact}T103000Z")), "moved in place: {moved}");

    let (status, _) = post(&app, &format!("/api/v1/appointments/{id}/cancel"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    app.settle().await;
    assert_eq!(radicale.get(&resource).await, None, "removed with the appointment");
    assert_eq!(app.count("SELECT count(*) FROM job WHERE status = 'dead'").await, 0);

    // While the calendar cannot be read, nothing is offered: it may hold the time.
    radicale.stop().await;
    let (status, down) = post(&app, "/voice/get-slots", asked).await;
    assert_eq!(
        (status, down["error"]["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("calendar_unavailable"))
    );
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_caldav_address_inside_the_network_is_refused_unless_allowlisted(pool: PgPool) {
    let options = Options { outbound_allowed_hosts: Vec::new(), ..Options::default() };
    let app = TestApp::spawn_with(pool, options).await;
    let (_, me) = app.api_json(Method::GET, "/api/v1/me", BOOTSTRAP_KEY, None).await;
    let id = me["assistants"][0]["id"].as_str().unwrap().to_owned();
    let calendar = json!({"type": "caldav", "url": "http://169.254.169.254/latest/", "username": "u", "password": "p"});
    let path = format!("/api/v1/assistants/{id}/booking");
    let (status, refused) = app.api_json(Method::PUT, &path, BOOTSTRAP_KEY, Some(json!({"calendar": calendar}))).await;
    assert_eq!((status, refused["error"]["code"].as_str()), (StatusCode::BAD_REQUEST, Some("url_not_allowed")));
}

const GRAPH_TENANT: &str = "contoso-tenant";
const GRAPH_USER: &str = "bookings@contoso.example";
const GRAPH_TOKEN: &str = "graph-access-token";

/// Microsoft's sign-in and Graph, as documented: client credentials for a token, the token as a bearer,
/// `getSchedule` answering in UTC, events made with 201 and an id.
async fn microsoft(busy_from: &str, busy_to: &str) -> MockServer {
    let server = MockServer::start().await;
    let token_path = format!("/{GRAPH_TENANT}/oauth2/v2.0/token");
    Mock::given(method("POST"))
        .and(path(token_path))
        .respond_with(|request: &Request| {
            let form: Vec<(String, String)> = url::form_urlencoded::parse(&request.body).into_owned().collect();
            let has = |k: &str, v: &str| form.iter().any(|(key, value)| key == k && value == v);
            if has("grant_type", "client_credentials")
                && has("client_secret", "graph-secret")
                && has("scope", "https://graph.microsoft.com/.default")
            {
                ResponseTemplate::new(200)
                    .set_body_json(json!({"token_type": "Bearer", "expires_in": 3599, "access_token": GRAPH_TOKEN}))
            } else {
                ResponseTemplate::new(401).set_body_json(
                    json!({"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret."}),
                )
            }
        })
        .mount(&server)
        .await;
    let authorised = |request: &Request| {
        request.headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Bearer {GRAPH_TOKEN}"))
    };
    let unauthorised = || {
        ResponseTemplate::new(401).set_body_json(
            json!({"error": {"code": "InvalidAuthenticationToken", "message": "Access token is empty."}}),
        )
    };
    let user = format!("/v1.0/users/{GRAPH_USER}");
    // Throttled once, as Graph does under load.
    Mock::given(method("POST"))
        .and(path(format!("{user}/calendar/getSchedule")))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "2")
                .set_body_json(json!({"error": {"code": "TooManyRequests", "message": "Please retry again later."}})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let (from, to) = (busy_from.to_owned(), busy_to.to_owned());
    Mock::given(method("POST"))
        .and(path(format!("{user}/calendar/getSchedule")))
        .respond_with(move |request: &Request| {
            if !authorised(request) {
                return unauthorised();
            }
            ResponseTemplate::new(200).set_body_json(json!({"value": [{
                "scheduleId": GRAPH_USER, "availabilityView": "0220",
                "scheduleItems": [
                    {"isPrivate": false, "status": "busy", "subject": "Staff meeting",
                     "start": {"dateTime": from, "timeZone": "UTC"}, "end": {"dateTime": to, "timeZone": "UTC"}},
                    {"isPrivate": false, "status": "free", "subject": "Lunch (free)",
                     "start": {"dateTime": "2000-01-01T00:00:00.0000000", "timeZone": "UTC"},
                     "end": {"dateTime": "2100-01-01T00:00:00.0000000", "timeZone": "UTC"}}]}]}))
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{user}/events")))
        .respond_with(move |request: &Request| {
            if !authorised(request) {
                return unauthorised();
            }
            let mut event: Value = serde_json::from_slice(&request.body).unwrap();
            event["id"] = json!("AAMkAD-event-1");
            ResponseTemplate::new(201).set_body_json(event)
        })
        .mount(&server)
        .await;
    for verb in ["PATCH", "DELETE"] {
        Mock::given(method(verb))
            .and(path(format!("{user}/events/AAMkAD-event-1")))
            .respond_with(move |request: &Request| {
                if !authorised(request) {
                    return unauthorised();
                }
                if request.method.as_str() == "DELETE" {
                    ResponseTemplate::new(204)
                } else {
                    ResponseTemplate::new(200).set_body_json(json!({"id": "AAMkAD-event-1"}))
                }
            })
            .mount(&server)
            .await;
    }
    server
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn an_outlook_calendar_through_microsoft_graph_is_read_and_written(pool: PgPool) {
    let (date, _) = tomorrow();
    let graph = microsoft(&format!("{date}T09:00:00.0000000"), &format!("{date}T10:00:00.0000000")).await;
    let options = Options { openai: false, microsoft: Some(graph.uri()), ..Options::default() };
    let app = TestApp::spawn_with(pool, options).await;
    let calendar = json!({"type": "microsoft_graph", "tenant": GRAPH_TENANT, "client_id": "app-id",
                          "client_secret": "graph-secret", "user": GRAPH_USER});
    let (assistant, shown) = booking_on(&app, calendar).await;
    assert_eq!(shown["calendar"]["client_secret"], "********");

    let asked = json!({"assistant_id": assistant, "date": date});
    let (status, throttled) = post(&app, "/voice/get-slots", asked.clone()).await;
    assert_eq!(
        (status, throttled["error"]["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("calendar_unavailable"))
    );
    let (status, slots) = post(&app, "/voice/get-slots", asked).await;
    assert_eq!(status, StatusCode::OK, "{slots}");
    assert_eq!(labels(&slots), ["8:00 AM", "8:30 AM", "10:00 AM", "10:30 AM", "11:00 AM"]);

    let book = json!({"assistant_id": assistant, "start": format!("{date}T08:00:00Z"), "name": "Maria Garcia"});
    let (status, booked) = post(&app, "/voice/book", book).await;
    assert_eq!(status, StatusCode::CREATED, "{booked}");
    let id = booked["appointment_id"].as_str().unwrap().to_owned();
    app.settle().await;
    let (status, _) =
        post(&app, &format!("/api/v1/appointments/{id}/reschedule"), json!({"start": format!("{date}T10:30:00Z")}))
            .await;
    assert_eq!(status, StatusCode::OK);
    app.settle().await;
    let (status, _) = post(&app, &format!("/api/v1/appointments/{id}/cancel"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    app.settle().await;
    assert_eq!(app.count("SELECT count(*) FROM job WHERE status = 'dead'").await, 0);

    let requests = graph.received_requests().await.unwrap();
    let to = |verb: &str, suffix: &str| -> Vec<&Request> {
        requests.iter().filter(|r| r.method.as_str() == verb && r.url.path().ends_with(suffix)).collect()
    };
    assert_eq!(to("POST", "/oauth2/v2.0/token").len(), 1, "the token is kept until it expires");
    let created = to("POST", "/events");
    assert_eq!(created.len(), 1, "one event");
    let event: Value = serde_json::from_slice(&created[0].body).unwrap();
    assert_eq!(event["transactionId"], id.as_str());
    assert_eq!(event["start"], json!({"dateTime": format!("{date}T08:00:00"), "timeZone": "UTC"}));
    let moved: Value = serde_json::from_slice(&to("PATCH", "/events/AAMkAD-event-1")[0].body).unwrap();
    assert_eq!(moved["start"]["dateTime"], format!("{date}T10:30:00"));
    assert_eq!(to("DELETE", "/events/AAMkAD-event-1").len(), 1, "removed with the appointment");

    // Another tenant who writes the same directory and app, without the secret, gets no token: the one
    // kept for the first tenant is not theirs.
    let (_, other_key) = app.tenant("Other").await;
    let (status, made) =
        app.api_json(Method::POST, "/api/v1/assistants", &other_key, Some(json!({"name": "Snoop"}))).await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let snoop = made["id"].as_str().unwrap().to_owned();
    let stolen = json!({"calendar": {"type": "microsoft_graph", "tenant": GRAPH_TENANT, "client_id": "app-id",
                                     "client_secret": "a-guess", "user": GRAPH_USER}});
    let path = format!("/api/v1/assistants/{snoop}/booking");
    assert_eq!(app.api_json(Method::PUT, &path, &other_key, Some(stolen)).await.0, StatusCode::OK);
    let asked = json!({"assistant_id": snoop, "date": date});
    let (status, refused) = app.api_json(Method::POST, "/voice/get-slots", &other_key, Some(asked)).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::BAD_GATEWAY, Some("calendar_refused")),
        "{refused}"
    );
}
