//! A Twilio account with a memory: its Messages API creates messages (checking the required fields and
//! the 1600-character limit) and lists them back (newest first, filtered by `To` and `From`, paged with
//! `next_page_uri`), as the real one does. Each create can be scripted to fail, or to take the message
//! and answer only after the client has given up, so the tests can count how many messages each of our
//! outbound rows left at Twilio. Its IncomingPhoneNumbers list holds the test business's number.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use smsagent_providers::twilio::FormParams;
use tokio::sync::mpsc;
use uuid::Uuid;
use wiremock::matchers::{basic_auth, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::helpers::{ACCOUNT_SID, AUTH_TOKEN, BUSINESS, MESSAGES_API, sid, twilio_error};

/// What Twilio does with the next create.
#[derive(Debug, Clone, Copy)]
pub enum Create {
    /// Takes the message and answers 201.
    Accept,
    /// Takes the message, and answers 201 only after `delay`: longer than the client waits.
    AcceptSlowly(Duration),
    /// Refuses with this HTTP status, taking nothing (500 and 429 as Twilio sends them).
    Refuse(u16),
}

/// A message Twilio holds.
#[derive(Debug, Clone)]
pub struct Held {
    pub sid: String,
    pub to: String,
    pub from: String,
    pub body: String,
    /// Our id for it, from the status callback URL it was sent with.
    pub message_id: Option<Uuid>,
    pub created: DateTime<Utc>,
}

#[derive(Debug, Default)]
struct State {
    held: Vec<Held>,
    script: VecDeque<Create>,
    creates: usize,
    lists: usize,
    arrivals: Option<mpsc::UnboundedSender<Held>>,
}

/// The account, mounted on a mock server.
#[derive(Debug, Clone, Default)]
pub struct TwilioAccount {
    state: Arc<Mutex<State>>,
}

impl TwilioAccount {
    /// Answers Twilio's Messages API on `server` (with the right credentials; 401 otherwise).
    pub async fn mount(server: &MockServer) -> TwilioAccount {
        let account = TwilioAccount::default();
        // The numbers the account holds (IncomingPhoneNumbers): the test business's.
        let held = |number: &str| json!({"sid": "PN0123456789abcdef0123456789abcdef", "phone_number": number});
        Mock::given(path(format!("/2010-04-01/Accounts/{ACCOUNT_SID}/IncomingPhoneNumbers.json")))
            .and(basic_auth(ACCOUNT_SID, AUTH_TOKEN))
            .respond_with(move |request: &Request| {
                let asked = request.url.query_pairs().find(|(k, _)| k == "PhoneNumber").map(|(_, v)| v.into_owned());
                let numbers: Vec<Value> = asked.filter(|n| n == BUSINESS).iter().map(|n| held(n)).collect();
                ResponseTemplate::new(200).set_body_json(json!({"incoming_phone_numbers": numbers}))
            })
            .with_priority(2)
            .mount(server)
            .await;
        Mock::given(path(MESSAGES_API))
            .and(basic_auth(ACCOUNT_SID, AUTH_TOKEN))
            .respond_with(account.clone())
            .with_priority(2)
            .mount(server)
            .await;
        Mock::given(path(MESSAGES_API))
            .respond_with(twilio_error(401, 20003, "Authentication Error - invalid username"))
            .with_priority(3)
            .mount(server)
            .await;
        account
    }

    /// The next creates do these, in order; later ones are accepted.
    pub fn script(&self, creates: impl IntoIterator<Item = Create>) {
        self.state.lock().unwrap().script.extend(creates);
    }

    /// Each message taken from now on, as it is taken (before Twilio answers).
    pub fn arrivals(&self) -> mpsc::UnboundedReceiver<Held> {
        let (sender, receiver) = mpsc::unbounded_channel();
        self.state.lock().unwrap().arrivals = Some(sender);
        receiver
    }

    /// Every message Twilio holds, oldest first.
    pub fn held(&self) -> Vec<Held> {
        self.state.lock().unwrap().held.clone()
    }

    /// Create requests received, taken or not.
    pub fn creates(&self) -> usize {
        self.state.lock().unwrap().creates
    }

    /// List requests received.
    pub fn lists(&self) -> usize {
        self.state.lock().unwrap().lists
    }

    fn create(&self, request: &Request) -> ResponseTemplate {
        let params = FormParams::parse(&request.body);
        let (Some(to), Some(from)) = (params.get("To"), params.get("From")) else {
            return twilio_error(400, 21604, "A 'To' phone number is required.");
        };
        if to.starts_with("whatsapp:") != from.starts_with("whatsapp:") {
            return twilio_error(400, 63007, "Twilio could not find a Channel with the specified From address");
        }
        let validity = params.get("ValidityPeriod").map(|v| v.parse::<u32>().unwrap_or(0));
        if validity.is_some_and(|v| !(1..=36_000).contains(&v)) {
            return twilio_error(400, 21624, "Validity Period must be between 1 and 36000 seconds");
        }
        let body = params.get("Body").unwrap_or_default();
        if body.chars().count() > 1600 {
            return twilio_error(400, 21617, "The concatenated message body exceeds the 1600 character limit.");
        }
        let mut state = self.state.lock().unwrap();
        state.creates += 1;
        let fate = state.script.pop_front().unwrap_or(Create::Accept);
        let delay = match fate {
            Create::Refuse(429) => return twilio_error(429, 20429, "Too Many Requests"),
            Create::Refuse(status) => return twilio_error(status, 20500, "Internal Server Error"),
            Create::Accept => Duration::ZERO,
            Create::AcceptSlowly(delay) => delay,
        };
        let message_id = params
            .get("StatusCallback")
            .and_then(|url| url::Url::parse(url).ok())
            .and_then(|url| url.query_pairs().find(|(k, _)| k == "message_id").map(|(_, v)| v.into_owned()))
            .and_then(|id| Uuid::parse_str(&id).ok());
        let held = Held {
            sid: sid(),
            to: to.to_owned(),
            from: from.to_owned(),
            body: body.to_owned(),
            message_id,
            created: Utc::now(),
        };
        state.held.push(held.clone());
        if let Some(arrivals) = &state.arrivals {
            let _ = arrivals.send(held.clone());
        }
        ResponseTemplate::new(201).set_body_json(resource(&held)).set_delay(delay)
    }

    /// `GET Messages.json?To=&From=&PageSize=&Page=`: newest first.
    fn list(&self, request: &Request) -> ResponseTemplate {
        let query: Vec<(String, String)> = request.url.query_pairs().map(|(k, v)| (k.into(), v.into())).collect();
        let param = |name: &str| query.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let page_size: usize = param("PageSize").and_then(|p| p.parse().ok()).unwrap_or(50).clamp(1, 1000);
        let page: usize = param("Page").and_then(|p| p.parse().ok()).unwrap_or(0);
        let mut state = self.state.lock().unwrap();
        state.lists += 1;
        let matching: Vec<&Held> = state
            .held
            .iter()
            .rev()
            .filter(|m| param("To").is_none_or(|to| to == m.to) && param("From").is_none_or(|from| from == m.from))
            .collect();
        let messages: Vec<Value> =
            matching.iter().skip(page * page_size).take(page_size).map(|m| resource(m)).collect();
        let more = matching.len() > (page + 1) * page_size;
        let next_page_uri = more.then(|| {
            let mut next = url::Url::parse("http://twilio.invalid").unwrap().join(MESSAGES_API).unwrap();
            for (name, value) in query.iter().filter(|(k, _)| k != "Page" && k != "PageToken") {
                next.query_pairs_mut().append_pair(name, value);
            }
            next.query_pairs_mut().append_pair("Page", &(page + 1).to_string()).append_pair("PageToken", "PASM1");
            format!("{}?{}", next.path(), next.query().unwrap_or_default())
        });
        ResponseTemplate::new(200).set_body_json(json!({
            "messages": messages, "page": page, "page_size": page_size, "start": page * page_size,
            "end": page * page_size + messages.len(), "first_page_uri": MESSAGES_API, "previous_page_uri": null,
            "next_page_uri": next_page_uri, "uri": request.url.path(),
        }))
    }
}

impl Respond for TwilioAccount {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match request.method.as_str() {
            "POST" => self.create(request),
            "GET" => self.list(request),
            _ => ResponseTemplate::new(405),
        }
    }
}

/// The message resource, as Twilio answers a create and lists it.
fn resource(held: &Held) -> Value {
    let created = held.created.to_rfc2822();
    json!({
        "account_sid": ACCOUNT_SID, "api_version": "2010-04-01", "body": held.body,
        "date_created": created, "date_sent": created, "date_updated": created, "direction": "outbound-api",
        "error_code": null, "error_message": null, "from": held.from, "num_media": "0",
        "num_segments": smsagent_domain::segments::count(&held.body).segments.to_string(),
        "price": null, "price_unit": "USD", "sid": held.sid, "status": "queued", "to": held.to,
        "uri": format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{}.json", held.sid),
    })
}
