//! The form parameters of Twilio's webhooks, and the two payloads we act on.

use smsagent_domain::media::{InboundMedia, MAX_MEDIA_PER_TEXT};
use smsagent_domain::{MessageStatus, PhoneNumber};

/// Decoded `application/x-www-form-urlencoded` pairs, every one kept in order (signatures cover them all,
/// including repeated and unknown names).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormParams(Vec<(String, String)>);

impl FormParams {
    pub fn parse(body: &[u8]) -> Self {
        FormParams(form_urlencoded::parse(body).into_owned().collect())
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        FormParams(pairs.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect())
    }

    pub fn push(&mut self, name: &str, value: &str) {
        self.0.push((name.to_owned(), value.to_owned()));
    }

    /// The pairs with NUL (U+0000) taken out of every name and value: Postgres cannot store it, and a text
    /// is worth keeping without it. Call it after the signature is checked, which covers the pairs as sent.
    pub fn without_nul(self) -> Self {
        let clean = |s: String| if s.contains('\0') { s.replace('\0', "") } else { s };
        FormParams(self.0.into_iter().map(|(k, v)| (clean(k), clean(v))).collect())
    }

    /// The first value given for `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The pairs encoded as a request body.
    pub fn encode(&self) -> String {
        form_urlencoded::Serializer::new(String::new()).extend_pairs(&self.0).finish()
    }

    fn required(&self, name: &'static str) -> Result<&str, ParamError> {
        self.get(name).filter(|v| !v.trim().is_empty()).ok_or(ParamError::Missing(name))
    }

    fn sid(&self, name: &'static str) -> Result<String, ParamError> {
        let sid = self.required(name)?.trim();
        let well_formed = (2..=64).contains(&sid.len()) && sid.bytes().all(|b| b.is_ascii_alphanumeric());
        if well_formed {
            Ok(sid.to_owned())
        } else {
            Err(ParamError::Invalid {
                name,
                reason: "expected a Twilio id such as SM followed by 32 hex digits".into(),
            })
        }
    }

    /// A number, or a WhatsApp address (`whatsapp:+1…`): the number, and whether it was WhatsApp's.
    fn address(&self, name: &'static str) -> Result<(PhoneNumber, bool), ParamError> {
        let value = self.required(name)?.trim();
        let (number, whatsapp) = match value.strip_prefix("whatsapp:") {
            Some(number) => (number, true),
            None => (value, false),
        };
        let number = PhoneNumber::parse(number).map_err(|e| ParamError::Invalid { name, reason: e.to_string() })?;
        Ok((number, whatsapp))
    }

    fn optional_count(&self, name: &'static str) -> Result<Option<i32>, ParamError> {
        match self.get(name).map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => v
                .parse::<i32>()
                .ok()
                .filter(|n| *n >= 0)
                .map(Some)
                .ok_or_else(|| ParamError::Invalid { name, reason: format!("expected a whole number, got {v:?}") }),
        }
    }

    fn non_empty(&self, name: &str) -> Option<String> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
    }
}

/// Why a webhook's parameters were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    #[error("missing parameter {0}")]
    Missing(&'static str),
    #[error("parameter {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// A text that arrived ("A message comes in" webhook).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMessage {
    pub message_sid: String,
    pub from: PhoneNumber,
    pub to: PhoneNumber,
    /// Empty for a picture without words.
    pub body: String,
    pub num_segments: Option<i32>,
    /// The MMS's media (`NumMedia`, `MediaUrl{N}`, `MediaContentType{N}`), in order.
    pub media: Vec<InboundMedia>,
    /// It came on WhatsApp: `From` and `To` are `whatsapp:`-prefixed (the numbers above are without it).
    pub whatsapp: bool,
}

impl InboundMessage {
    pub fn from_params(params: &FormParams) -> Result<Self, ParamError> {
        let (from, from_whatsapp) = params.address("From")?;
        let (to, to_whatsapp) = params.address("To")?;
        if from_whatsapp != to_whatsapp {
            return Err(ParamError::Invalid {
                name: "To",
                reason: "From and To must both be WhatsApp addresses (whatsapp:+1…) or neither".into(),
            });
        }
        Ok(InboundMessage {
            message_sid: params.sid("MessageSid")?,
            from,
            to,
            whatsapp: from_whatsapp,
            body: params.get("Body").unwrap_or_default().to_owned(),
            num_segments: params.optional_count("NumSegments")?,
            media: media(params)?,
        })
    }
}

/// The media an MMS lists: `NumMedia` items, each with its URL (on the API's host) and declared type.
fn media(params: &FormParams) -> Result<Vec<InboundMedia>, ParamError> {
    let count = params.optional_count("NumMedia")?.unwrap_or(0);
    let count = usize::try_from(count).unwrap_or(usize::MAX);
    if count > MAX_MEDIA_PER_TEXT {
        return Err(ParamError::Invalid {
            name: "NumMedia",
            reason: format!("a text carries at most {MAX_MEDIA_PER_TEXT} media, not {count}"),
        });
    }
    (0..count)
        .map(|n| {
            let url = params.non_empty(&format!("MediaUrl{n}")).ok_or(ParamError::Missing("MediaUrl{N}"))?;
            if !url.starts_with("https://") && !url.starts_with("http://") {
                return Err(ParamError::Invalid { name: "MediaUrl{N}", reason: "expected an http(s) URL".into() });
            }
            let content_type =
                params.non_empty(&format!("MediaContentType{n}")).unwrap_or_else(|| "application/octet-stream".into());
            Ok(InboundMedia { url: Some(url), content_type })
        })
        .collect()
}

/// A delivery report (`StatusCallback` webhook).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusCallback {
    pub message_sid: String,
    pub status: MessageStatus,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
}

impl StatusCallback {
    pub fn from_params(params: &FormParams) -> Result<Self, ParamError> {
        let status = params
            .get("MessageStatus")
            .or_else(|| params.get("SmsStatus"))
            .filter(|v| !v.is_empty())
            .ok_or(ParamError::Missing("MessageStatus"))?;
        Ok(StatusCallback {
            message_sid: params.sid("MessageSid")?,
            status: MessageStatus::parse(status)
                .map_err(|e| ParamError::Invalid { name: "MessageStatus", reason: e.to_string() })?,
            error_code: params.non_empty("ErrorCode"),
            error_message: params.non_empty("ErrorMessage"),
        })
    }

    /// Whether the carrier refused the message because the recipient opted out.
    pub fn says_opted_out(&self) -> bool {
        self.error_code.as_deref() == Some(super::OPTED_OUT_CODE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A real captured payload shape (docs/twilio.md#inbound-webhook-parameters), with an extra unknown parameter.
    /// The inbound text with `NumMedia=count` and these media.
    fn mms(count: &str, media: &[&str]) -> FormParams {
        let mut params = FormParams::from_pairs(
            FormParams::parse(INBOUND).iter().filter(|(k, _)| *k != "NumMedia").collect::<Vec<_>>(),
        );
        params.push("NumMedia", count);
        for (n, kind) in media.iter().enumerate() {
            let url = format!("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME{n}");
            params.push(&format!("MediaUrl{n}"), &url);
            params.push(&format!("MediaContentType{n}"), kind);
        }
        params
    }

    #[test]
    fn a_whatsapp_message_is_read_as_whatsapp() {
        let params = FormParams::from_pairs(FormParams::parse(INBOUND).iter().map(|(k, v)| match k {
            "From" => (k, "whatsapp:+15551234567"),
            "To" => (k, "whatsapp:+15557654321"),
            _ => (k, v),
        }));
        let message = InboundMessage::from_params(&params).unwrap();
        assert!(message.whatsapp);
        assert_eq!(message.from.as_str(), "+15551234567");
        let mixed = FormParams::from_pairs(
            FormParams::parse(INBOUND)
                .iter()
                .map(|(k, v)| if k == "From" { (k, "whatsapp:+15551234567") } else { (k, v) }),
        );
        assert!(InboundMessage::from_params(&mixed).is_err(), "one side WhatsApp, the other not");
    }

    #[test]
    fn an_mms_lists_its_media_in_order() {
        let message = InboundMessage::from_params(&mms("2", &["image/jpeg", "image/png"])).unwrap();
        assert_eq!(message.media.len(), 2);
        assert_eq!(message.media[1].content_type, "image/png");
        assert!(message.media[0].url.as_deref().unwrap().ends_with("/Media/ME0"));
        assert!(InboundMessage::from_params(&mms("0", &[])).unwrap().media.is_empty());
        assert!(InboundMessage::from_params(&mms("2", &["image/jpeg"])).is_err(), "a URL is missing");
        assert!(InboundMessage::from_params(&mms("11", &[])).is_err(), "more than a text carries");
    }

    const INBOUND: &[u8] = b"ToCountry=US&ToState=CA&SmsMessageSid=SM11111111111111111111111111111111&NumMedia=0&ToCity=&FromZip=&SmsSid=SM11111111111111111111111111111111&FromState=CA&SmsStatus=received&FromCity=&Body=Hello+there%21&FromCountry=US&To=%2B15557654321&MessagingServiceSid=MG22222222222222222222222222222222&ToZip=&NumSegments=1&MessageSid=SM11111111111111111111111111111111&AccountSid=AC33333333333333333333333333333333&From=%2B15551234567&ApiVersion=2010-04-01&SomethingNew=1";

    #[test]
    fn a_real_inbound_payload_parses() {
        let message = InboundMessage::from_params(&FormParams::parse(INBOUND)).unwrap();
        assert_eq!(message.message_sid, "SM11111111111111111111111111111111");
        assert_eq!(message.from.as_str(), "+15551234567");
        assert_eq!(message.to.as_str(), "+15557654321");
        assert_eq!(message.body, "Hello there!");
        assert_eq!(message.num_segments, Some(1));
    }

    #[test]
    fn missing_or_malformed_fields_are_named() {
        let without_sid = FormParams::from_pairs([("From", "+15551234567"), ("To", "+15557654321")]);
        assert_eq!(InboundMessage::from_params(&without_sid), Err(ParamError::Missing("MessageSid")));

        let bad_from = FormParams::from_pairs([("MessageSid", "SM1"), ("From", "5551234567"), ("To", "+15557654321")]);
        let err = InboundMessage::from_params(&bad_from).unwrap_err();
        assert!(matches!(err, ParamError::Invalid { name: "From", .. }), "{err}");

        let bad_sid =
            FormParams::from_pairs([("MessageSid", "SM 1; DROP"), ("From", "+15551234567"), ("To", "+15557654321")]);
        assert!(matches!(InboundMessage::from_params(&bad_sid), Err(ParamError::Invalid { name: "MessageSid", .. })));

        let bad_segments = FormParams::parse(b"MessageSid=SM1&From=%2B15551234567&To=%2B15557654321&NumSegments=two");
        assert!(matches!(
            InboundMessage::from_params(&bad_segments),
            Err(ParamError::Invalid { name: "NumSegments", .. })
        ));
    }

    #[test]
    fn a_status_callback_parses_with_its_error() {
        let params = FormParams::parse(b"MessageSid=SM11111111111111111111111111111111&SmsSid=SM11111111111111111111111111111111&AccountSid=AC3&From=%2B15557654321&To=%2B15551234567&MessageStatus=undelivered&SmsStatus=undelivered&ErrorCode=30003&ApiVersion=2010-04-01");
        let callback = StatusCallback::from_params(&params).unwrap();
        assert_eq!(callback.status, MessageStatus::Undelivered);
        assert_eq!(callback.error_code.as_deref(), Some("30003"));
        assert!(!callback.says_opted_out());
    }

    #[test]
    fn an_unknown_status_is_refused_with_its_name() {
        let params = FormParams::from_pairs([("MessageSid", "SM1"), ("MessageStatus", "teleported")]);
        let err = StatusCallback::from_params(&params).unwrap_err();
        assert!(err.to_string().contains("teleported"), "{err}");
    }

    #[test]
    fn encoding_round_trips() {
        let params = FormParams::parse(INBOUND);
        assert_eq!(FormParams::parse(params.encode().as_bytes()), params);
    }
}
