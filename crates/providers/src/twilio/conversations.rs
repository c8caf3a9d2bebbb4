//! Twilio Conversations: the `onMessageAdded` webhook in, `POST /v1/Conversations/{sid}/Messages` out.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde::Deserialize;
use smsagent_domain::media::{InboundMedia, MAX_MEDIA_PER_TEXT};
use smsagent_domain::{MessageStatus, PhoneNumber, SendReceipt};

use super::{FormParams, ParamError, TwilioCredentials, looked_too_far, reaches_back, refusal};
use crate::sender::within;
use crate::{OutboundSms, SendError, SmsSender, http};

/// A message added to a conversation (`onMessageAdded`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageAdded {
    /// The Conversations message id (IM…).
    pub message_sid: String,
    /// The conversation (CH…).
    pub conversation_sid: String,
    /// Who wrote it: a phone number for SMS participants, an identity for chat ones.
    pub author: String,
    pub body: String,
    /// The participant's number, when they text in (the author, or their binding's address).
    pub contact: Option<PhoneNumber>,
    /// Our number the participant texts, when they text in.
    pub business: Option<PhoneNumber>,
    /// Media attached (the `Media` parameter): their types only, as the webhook gives no address to fetch
    /// them from (they are on the Media Content Service).
    pub media: Vec<InboundMedia>,
}

impl MessageAdded {
    /// The message, or `None` for another event (the webhook may be configured for several).
    pub fn from_params(params: &FormParams) -> Result<Option<Self>, ParamError> {
        if params.get("EventType").is_some_and(|e| e != "onMessageAdded") {
            return Ok(None);
        }
        let required = |name: &'static str| {
            params
                .get(name)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or(ParamError::Missing(name))
        };
        let phone = |name: &str| params.get(name).and_then(|v| PhoneNumber::parse(v).ok());
        let author = required("Author")?;
        // It goes into the reply's URL path: only the shape Twilio gives them, CH and 32 hex digits.
        let conversation_sid = required("ConversationSid")?;
        let well_formed = conversation_sid.len() == 34
            && conversation_sid.starts_with("CH")
            && conversation_sid[2..].bytes().all(|b| b.is_ascii_hexdigit());
        if !well_formed {
            return Err(ParamError::Invalid {
                name: "ConversationSid",
                reason: "expected CH followed by 32 hex digits".into(),
            });
        }
        Ok(Some(MessageAdded {
            message_sid: required("MessageSid")?,
            conversation_sid,
            contact: PhoneNumber::parse(&author).ok().or_else(|| phone("MessagingBinding.Address")),
            business: phone("MessagingBinding.ProxyAddress"),
            author,
            body: params.get("Body").unwrap_or_default().to_owned(),
            media: media(params.get("Media")),
        }))
    }
}

/// The `Media` parameter: a JSON array of `{Sid, ContentType, Filename, Size}`. What cannot be read is
/// left out: the text still counts.
fn media(param: Option<&str>) -> Vec<InboundMedia> {
    #[derive(Deserialize)]
    struct Item {
        #[serde(rename = "ContentType", default)]
        content_type: Option<String>,
    }
    let items: Vec<Item> = param.and_then(|json| serde_json::from_str(json).ok()).unwrap_or_default();
    items
        .into_iter()
        .take(MAX_MEDIA_PER_TEXT)
        .map(|item| InboundMedia {
            url: None,
            content_type: item.content_type.unwrap_or_else(|| "application/octet-stream".into()),
        })
        .collect()
}

/// Posts replies into conversations, as the assistant's author identity.
#[derive(Debug, Clone)]
pub struct ConversationsSender {
    http: reqwest::Client,
    api_base: String,
    credentials: TwilioCredentials,
    author: String,
}

impl ConversationsSender {
    /// `api_base` is `https://conversations.twilio.com` in production.
    pub fn new(credentials: TwilioCredentials, api_base: &str, author: &str) -> Self {
        ConversationsSender {
            http: http::client(http::PROVIDER_WAIT),
            api_base: api_base.trim_end_matches('/').to_owned(),
            credentials,
            author: author.to_owned(),
        }
    }
}

#[derive(Debug, Deserialize)]
struct ConversationMessage {
    sid: String,
}

#[async_trait]
impl SmsSender for ConversationsSender {
    async fn send(&self, sms: &OutboundSms) -> Result<SendReceipt, SendError> {
        let conversation = sms
            .conversation
            .as_deref()
            .ok_or_else(|| SendError::Misconfigured("the conversation has no Twilio Conversations id".into()))?;
        let request = self
            .http
            .post(self.messages_url(conversation))
            .basic_auth(&self.credentials.account_sid, Some(self.credentials.auth_token.expose_secret()))
            // Our own message must not come back to us as a webhook.
            .header("X-Twilio-Webhook-Enabled", "false")
            .form(&[("Author", self.author.as_str()), ("Body", sms.body.as_str())]);
        let response = within(request, sms)?.send().await.map_err(|e| SendError::from_transport(&e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await;
        if status.is_success() {
            let sid = body.ok().and_then(|b| serde_json::from_slice::<ConversationMessage>(&b).ok()).map(|m| m.sid);
            return Ok(posted(sid, Utc::now()));
        }
        Err(refusal(status, &headers, body))
    }

    /// The conversation's messages by our author with the same body, created since `since`, read newest
    /// first until a page reaches back before it: the Conversations API has no idempotency key either.
    async fn find_sent(&self, sms: &OutboundSms, since: DateTime<Utc>) -> Result<Vec<SendReceipt>, SendError> {
        let Some(conversation) = sms.conversation.as_deref() else { return Ok(Vec::new()) };
        let mut url = format!("{}?Order=desc&PageSize=50", self.messages_url(conversation));
        let mut found = Vec::new();
        for _ in 0..LOOKUP_PAGES {
            let request = self
                .http
                .get(&url)
                .basic_auth(&self.credentials.account_sid, Some(self.credentials.auth_token.expose_secret()));
            let response = within(request, sms)?.send().await.map_err(|e| SendError::from_transport(&e))?;
            let (status, headers) = (response.status(), response.headers().clone());
            let body = response.bytes().await;
            if !status.is_success() {
                return Err(refusal(status, &headers, body));
            }
            let page: MessagePage = body.map_err(|e| SendError::from_transport(&e)).and_then(|b| {
                serde_json::from_slice(&b).map_err(|e| SendError::Unanswered {
                    reason: format!("the conversation's message list was unreadable: {e}"),
                    retry_after: None,
                })
            })?;
            let done = reaches_back(page.messages.iter().map(ListedMessage::created), since);
            found.extend(
                page.messages
                    .into_iter()
                    .filter(|m| m.author == self.author && m.body.as_deref() == Some(sms.body.as_str()))
                    .filter_map(|m| Some((m.created()?, m.sid)))
                    .filter(|(created, _)| *created >= since)
                    .map(|(created, sid)| posted(Some(sid), created)),
            );
            // The next page's URL is absolute, on Twilio's host: its path and query, on ours.
            match page.meta.next_page_url.and_then(|next| url::Url::parse(&next).ok()) {
                Some(next) if !done => {
                    url = format!("{}{}?{}", self.api_base, next.path(), next.query().unwrap_or_default());
                }
                _ => {
                    found.reverse();
                    return Ok(found);
                }
            }
        }
        Err(looked_too_far())
    }
}

/// Pages of a conversation's messages read at most, looking for an earlier attempt's message.
const LOOKUP_PAGES: usize = 4;

impl ConversationsSender {
    fn messages_url(&self, conversation: &str) -> String {
        format!("{}/v1/Conversations/{conversation}/Messages", self.api_base)
    }
}

/// A message posted into a conversation: there is no delivery to wait for.
fn posted(sid: Option<String>, at: DateTime<Utc>) -> SendReceipt {
    SendReceipt {
        message_sid: sid,
        status: MessageStatus::Sent,
        num_segments: None,
        price: None,
        price_unit: None,
        date_created: Some(at),
        date_sent: Some(at),
        date_updated: None,
    }
}

/// A page of a conversation's messages (`Order=desc`: newest first).
#[derive(Debug, Deserialize)]
struct MessagePage {
    messages: Vec<ListedMessage>,
    #[serde(default)]
    meta: PageMeta,
}

#[derive(Debug, Default, Deserialize)]
struct PageMeta {
    /// Absolute; `null` on the last page.
    next_page_url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ListedMessage {
    sid: String,
    #[serde(default)]
    author: String,
    body: Option<String>,
    /// ISO 8601.
    date_created: Option<String>,
}

impl ListedMessage {
    fn created(&self) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(self.date_created.as_deref()?).ok().map(|d| d.with_timezone(&Utc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_captured_message_added_payload_parses() {
        let params = FormParams::parse(b"EventType=onMessageAdded&Attributes=%7B%7D&DateCreated=2021-08-10T18%3A00%3A58.111Z&Index=35&MessageSid=IM8d613ccb9016450fa29faecfaa7bb6f4&AccountSid=AC1&Source=SMS&RetryCount=0&Author=%2B15551234567&ParticipantSid=MBc58b06998c564765bbff41cfd3a03219&Body=two&ConversationSid=CH6c25138e952448e3b27ef8164097a1c7&MessagingBinding.Address=%2B15551234567&MessagingBinding.ProxyAddress=%2B15557654321");
        let message = MessageAdded::from_params(&params).unwrap().unwrap();
        assert_eq!(message.message_sid, "IM8d613ccb9016450fa29faecfaa7bb6f4");
        assert_eq!(message.conversation_sid, "CH6c25138e952448e3b27ef8164097a1c7");
        assert_eq!(message.contact.unwrap().as_str(), "+15551234567");
        assert_eq!(message.business.unwrap().as_str(), "+15557654321");
        assert_eq!(message.body, "two");
    }

    #[test]
    fn other_events_and_chat_authors() {
        let other = FormParams::from_pairs([("EventType", "onConversationAdded"), ("ConversationSid", "CH1")]);
        assert_eq!(MessageAdded::from_params(&other), Ok(None));
        let chat = FormParams::from_pairs([
            ("EventType", "onMessageAdded"),
            ("MessageSid", "IM1"),
            ("ConversationSid", "CH6c25138e952448e3b27ef8164097a1c7"),
            ("Author", "dave"),
            ("Body", "hi"),
        ]);
        let message = MessageAdded::from_params(&chat).unwrap().unwrap();
        assert_eq!((message.author.as_str(), message.contact), ("dave", None));
        let missing = FormParams::from_pairs([
            ("EventType", "onMessageAdded"),
            ("Author", "dave"),
            ("ConversationSid", "CH6c25138e952448e3b27ef8164097a1c7"),
        ]);
        assert_eq!(MessageAdded::from_params(&missing), Err(ParamError::Missing("MessageSid")));
        for bad in [
            "CH1",
            "../../Services/IS1/Messages",
            "CH6c25138e952448e3b27ef8164097a1c7/x",
            "CHzz25138e952448e3b27ef8164097a1c7",
        ] {
            let params = FormParams::from_pairs([("Author", "dave"), ("MessageSid", "IM1"), ("ConversationSid", bad)]);
            assert!(matches!(MessageAdded::from_params(&params), Err(ParamError::Invalid { .. })), "{bad}");
        }
    }
}
