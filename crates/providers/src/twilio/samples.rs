//! What Twilio posts for an inbound SMS, field for field: for simulators, benchmarks and tests that must
//! look like the real thing (protocols.md §1.2).

use super::FormParams;

/// The "A message comes in" webhook for a one-segment text `from` → `to` on `account_sid`.
pub fn inbound_sms(account_sid: &str, message_sid: &str, from: &str, to: &str, body: &str) -> FormParams {
    FormParams::from_pairs([
        ("ToCountry", "US"),
        ("ToState", "CA"),
        ("SmsMessageSid", message_sid),
        ("NumMedia", "0"),
        ("ToCity", ""),
        ("FromZip", ""),
        ("SmsSid", message_sid),
        ("FromState", "CA"),
        ("SmsStatus", "received"),
        ("FromCity", ""),
        ("Body", body),
        ("FromCountry", "US"),
        ("To", to),
        ("ToZip", ""),
        ("NumSegments", "1"),
        ("MessageSid", message_sid),
        ("AccountSid", account_sid),
        ("From", from),
        ("ApiVersion", "2010-04-01"),
    ])
}
