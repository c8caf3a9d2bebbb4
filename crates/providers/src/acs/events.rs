//! Event Grid deliveries: the Event Grid schema (always an array) and CloudEvents (an object or an array),
//! with the ACS SMS events' data in camelCase or PascalCase and numbers with or without their `+`.

use serde_json::Value;
use smsagent_domain::{MessageStatus, PhoneNumber};

/// One event, whichever schema delivered it.
#[derive(Debug, Clone, PartialEq)]
pub struct GridEvent {
    pub id: String,
    pub event_type: String,
    pub data: Value,
}

pub const VALIDATION_EVENT: &str = "Microsoft.EventGrid.SubscriptionValidationEvent";
pub const SMS_RECEIVED: &str = "Microsoft.Communication.SMSReceived";
pub const DELIVERY_REPORT: &str = "Microsoft.Communication.SMSDeliveryReportReceived";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventsError {
    #[error("the body is not JSON")]
    NotJson,
    #[error("{0}")]
    Invalid(String),
}

/// One delivery: the events that could be read, and why the others could not.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Delivery {
    pub events: Vec<GridEvent>,
    pub unusable: Vec<EventsError>,
}

/// Reads a delivery. Only a body that is not JSON, or not an event or an array of them, is refused as a
/// whole: Event Grid drops a batch it gets a 400 for, so one bad item must not cost the others.
pub fn parse_delivery(body: &[u8]) -> Result<Delivery, EventsError> {
    let mut value: Value = serde_json::from_slice(body).map_err(|_| EventsError::NotJson)?;
    // Postgres cannot store NUL (U+0000); a text is worth keeping without it.
    without_nul(&mut value);
    let items = match value {
        Value::Array(items) => items,
        object @ Value::Object(_) => vec![object],
        _ => return Err(EventsError::Invalid("expected an event or an array of events".into())),
    };
    let mut delivery = Delivery::default();
    for (n, item) in items.into_iter().enumerate() {
        match envelope(n, item) {
            Ok(event) => delivery.events.push(event),
            Err(e) => delivery.unusable.push(e),
        }
    }
    Ok(delivery)
}

fn without_nul(value: &mut Value) {
    match value {
        Value::String(s) if s.contains('\0') => *s = s.replace('\0', ""),
        Value::Array(items) => items.iter_mut().for_each(without_nul),
        Value::Object(fields) => fields.values_mut().for_each(without_nul),
        _ => {}
    }
}

/// The `n`th item's envelope, in either schema.
fn envelope(n: usize, item: Value) -> Result<GridEvent, EventsError> {
    let text = |names: &[&str]| names.iter().find_map(|name| item.get(*name)?.as_str().map(str::to_owned));
    Ok(GridEvent {
        id: text(&["id"]).ok_or_else(|| EventsError::Invalid(format!("event {n} has no id")))?,
        event_type: text(&["eventType", "type"])
            .ok_or_else(|| EventsError::Invalid(format!("event {n} has no eventType or type")))?,
        data: item.get("data").cloned().unwrap_or(Value::Null),
    })
}

impl GridEvent {
    /// A field of the event's data, named in camelCase or PascalCase.
    fn field(&self, camel: &str) -> Option<&Value> {
        let mut pascal = camel.to_owned();
        if let Some(first) = pascal.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        self.data.get(camel).or_else(|| self.data.get(&pascal))
    }

    fn text(&self, camel: &str) -> Option<&str> {
        self.field(camel).and_then(Value::as_str)
    }

    fn required(&self, camel: &'static str) -> Result<&str, EventsError> {
        self.text(camel).ok_or_else(|| EventsError::Invalid(format!("event {} has no data.{camel}", self.id)))
    }

    fn number(&self, camel: &'static str) -> Result<PhoneNumber, EventsError> {
        let raw = self.required(camel)?.trim();
        let e164 = if raw.starts_with('+') { raw.to_owned() } else { format!("+{raw}") };
        PhoneNumber::parse(&e164).map_err(|e| EventsError::Invalid(format!("event {}: data.{camel}: {e}", self.id)))
    }

    /// The code to echo back in a subscription validation handshake.
    pub fn validation_code(&self) -> Option<&str> {
        (self.event_type == VALIDATION_EVENT).then(|| self.text("validationCode")).flatten()
    }
}

/// A text that arrived (`Microsoft.Communication.SMSReceived`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedSms {
    pub message_id: String,
    pub from: PhoneNumber,
    pub to: PhoneNumber,
    pub message: String,
    pub segment_count: Option<i32>,
}

impl ReceivedSms {
    pub fn from_event(event: &GridEvent) -> Result<Self, EventsError> {
        Ok(ReceivedSms {
            message_id: event.text("messageId").unwrap_or(&event.id).to_owned(),
            from: event.number("from")?,
            to: event.number("to")?,
            message: event.text("message").unwrap_or_default().to_owned(),
            segment_count: event.field("segmentCount").and_then(Value::as_i64).and_then(|n| i32::try_from(n).ok()),
        })
    }
}

/// A delivery report (`Microsoft.Communication.SMSDeliveryReportReceived`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReport {
    pub message_id: String,
    pub status: MessageStatus,
    pub details: Option<String>,
    /// What we put in `smsSendOptions.tag` when sending: our message's id.
    pub tag: Option<String>,
    /// ACS blocked the text because the recipient had texted STOP.
    pub opted_out: bool,
    /// ACS's `deliveryAttempts` (timestamp, segments succeeded and failed), as reported.
    pub attempts: Option<Value>,
}

impl DeliveryReport {
    pub fn from_event(event: &GridEvent) -> Result<Self, EventsError> {
        let status = match event.required("deliveryStatus")?.to_ascii_lowercase().as_str() {
            "delivered" => MessageStatus::Delivered,
            "expired" | "undelivered" => MessageStatus::Undelivered,
            _ => MessageStatus::Failed,
        };
        let details = event.text("deliveryStatusDetails").map(str::to_owned);
        let opted_out =
            details.as_deref().is_some_and(|d| d.to_ascii_lowercase().contains("sender blocked for given recipient"));
        Ok(DeliveryReport {
            message_id: event.text("messageId").unwrap_or(&event.id).to_owned(),
            status,
            details,
            tag: event.text("tag").map(str::to_owned),
            opted_out,
            attempts: event.field("deliveryAttempts").filter(|a| a.is_array()).cloned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // docs/acs.md#event-grid-schema and docs/acs.md#cloudevents-schema.
    const RECEIVED: &str = r#"[{
      "id": "Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e",
      "topic": "/subscriptions/x/resourcegroups/y/providers/microsoft.communication/communicationservices/z",
      "subject": "/phonenumber/15555555555",
      "data": {"messageId": "Incoming_20200918002745d29ebbea-3341-4466-9690-0a03af35228e", "from": "15551234567",
               "to": "15557654321", "message": "Great to connect", "receivedTimestamp": "2020-09-18T00:27:45.32Z", "segmentCount": 1},
      "eventType": "Microsoft.Communication.SMSReceived", "dataVersion": "1.0", "metadataVersion": "1", "eventTime": "2020-09-18T00:27:47Z"
    }]"#;

    #[test]
    fn an_event_grid_sms_parses_and_numbers_gain_their_plus() {
        let events = parse_delivery(RECEIVED.as_bytes()).unwrap().events;
        assert_eq!(events[0].event_type, SMS_RECEIVED);
        let sms = ReceivedSms::from_event(&events[0]).unwrap();
        assert_eq!(sms.from.as_str(), "+15551234567");
        assert_eq!(sms.to.as_str(), "+15557654321");
        assert_eq!(sms.message, "Great to connect");
        assert_eq!(sms.segment_count, Some(1));
    }

    #[test]
    fn a_cloud_event_object_with_pascal_case_data_parses() {
        let body = r#"{"specVersion": "1.0", "type": "Microsoft.Communication.SMSReceived", "source": "/x", "id": "Incoming_1",
            "time": "2020-09-18T00:27:47Z", "datacontenttype": "application/json",
            "data": {"MessageId": "Incoming_1", "From": "+15551234567", "To": "+15557654321", "Message": "Hola", "ReceivedTimestamp": "2020-09-18T00:27:45Z"}}"#;
        let events = parse_delivery(body.as_bytes()).unwrap().events;
        let sms = ReceivedSms::from_event(&events[0]).unwrap();
        assert_eq!((sms.message_id.as_str(), sms.message.as_str()), ("Incoming_1", "Hola"));
    }

    #[test]
    fn delivery_reports_map_onto_statuses_and_notice_blocked_senders() {
        let report = |status: &str, details: &str| {
            let body = format!(
                r#"[{{"id": "Outgoing_1", "eventType": "{DELIVERY_REPORT}", "data": {{"messageId": "Outgoing_1", "from": "15557654321", "to": "+15551234567",
                "deliveryStatus": "{status}", "deliveryStatusDetails": "{details}", "receivedTimestamp": "2020-09-18T00:22:20Z",
                "deliveryAttempts": [{{"timestamp": "2020-09-18T00:22:14Z", "segmentsSucceeded": 1, "segmentsFailed": 0}}], "tag": "01a1"}}}}]"#
            );
            DeliveryReport::from_event(&parse_delivery(body.as_bytes()).unwrap().events[0]).unwrap()
        };
        let delivered = report("Delivered", "No error.");
        assert_eq!(
            (delivered.status, delivered.tag.as_deref(), delivered.opted_out),
            (MessageStatus::Delivered, Some("01a1"), false)
        );
        assert_eq!(delivered.attempts.unwrap()[0]["segmentsSucceeded"], 1);
        let blocked = report("Failed", "Sender blocked for given recipient.");
        assert_eq!((blocked.status, blocked.opted_out), (MessageStatus::Failed, true));
    }

    #[test]
    fn the_validation_handshake_carries_its_code() {
        let body = r#"[{"id": "2d17", "topic": "/subscriptions/x", "subject": "",
            "data": {"validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6", "validationUrl": "https://rp-eastus2.eventgrid.azure.net:553/x"},
            "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent", "eventTime": "2022-10-28T04:23:35Z", "metadataVersion": "1", "dataVersion": "1"}]"#;
        assert_eq!(
            parse_delivery(body.as_bytes()).unwrap().events[0].validation_code(),
            Some("512d38b6-c7b8-40c8-89fe-f46f9e9622b6")
        );
    }

    #[test]
    fn what_is_not_events_is_refused_with_the_reason() {
        assert_eq!(parse_delivery(b"not json"), Err(EventsError::NotJson));
        assert!(matches!(parse_delivery(b"42"), Err(EventsError::Invalid(_))));
    }

    #[test]
    fn a_bad_item_is_set_aside_and_the_rest_of_the_batch_kept() {
        let delivery = parse_delivery(br#"[{"eventType": "x"}, {"id": "2", "type": "y"}, {"id": "3"}]"#).unwrap();
        assert_eq!(delivery.events.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["2"]);
        assert_eq!(
            delivery.unusable,
            [
                EventsError::Invalid("event 0 has no id".into()),
                EventsError::Invalid("event 2 has no eventType or type".into())
            ]
        );
    }
}
