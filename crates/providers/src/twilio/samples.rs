//! What Twilio posts for an inbound SMS, field for field: for simulators, benchmarks and tests that must
//! look like the real thing (docs/twilio.md#inbound-webhook-parameters).

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

/// An MMS as Twilio posts it: [`inbound_sms`] with `NumMedia` and each item's `MediaContentType{N}` and
/// `MediaUrl{N}` (`media` is `(url, content type)`).
pub fn inbound_mms(
    account_sid: &str,
    message_sid: &str,
    from: &str,
    to: &str,
    body: &str,
    media: &[(&str, &str)],
) -> FormParams {
    let count = media.len().to_string();
    let sms = inbound_sms(account_sid, message_sid, from, to, body);
    let mut mms =
        FormParams::from_pairs(sms.iter().map(|(k, v)| if k == "NumMedia" { (k, count.as_str()) } else { (k, v) }));
    for (n, (url, content_type)) in media.iter().enumerate() {
        mms.push(&format!("MediaContentType{n}"), content_type);
        mms.push(&format!("MediaUrl{n}"), url);
    }
    mms
}
