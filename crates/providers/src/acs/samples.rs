//! What Event Grid delivers for a text arriving at an ACS number: for simulators, benchmarks and tests that
//! must look like the real thing (docs/acs.md#event-grid-schema, numbers without their `+` as in ACS's examples).

use serde_json::{Value, json};

use super::SMS_RECEIVED;

/// An `SMSReceived` event in the Event Grid schema (deliveries wrap events in an array).
pub fn sms_received_event(message_id: &str, from: &str, to: &str, message: &str) -> Value {
    json!({
        "id": message_id,
        "topic": "/subscriptions/sub/resourcegroups/rg/providers/microsoft.communication/communicationservices/acs",
        "subject": format!("/phonenumber/{}", from.trim_start_matches('+')),
        "data": {
            "messageId": message_id,
            "from": from.trim_start_matches('+'),
            "to": to.trim_start_matches('+'),
            "message": message,
            "receivedTimestamp": "2026-11-21T10:00:00.32Z",
            "segmentCount": 1
        },
        "eventType": SMS_RECEIVED,
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "eventTime": "2026-11-21T10:00:01Z"
    })
}
