//! The dialogue as a pure step: inputs in, a reply out, with no database (what the worker reads is given).

use chrono::Utc;
use smsagent_ai::{
    Answer, Arguments, ChatError, ChatModel, ChatRequest, ExtractionRequest, OFFLINE_REPLY, OfflineModel,
};
use smsagent_domain::assistant::AssistantDraft;
use smsagent_domain::form::Form;
use smsagent_domain::{Channel, Contact, Direction, PhoneNumber, Provider};
use smsagent_store::assistants::Assistant;
use smsagent_store::conversations::{ReplyContext, ReplyProgress};
use smsagent_store::media::OfText;
use smsagent_store::messages::HistoryEntry;
use tokio::time::{Duration, Instant};
use uuid::Uuid;

use super::{Inputs, Model, TryLater, compose};
use crate::metrics::Metrics;

/// A model that is down for now.
#[derive(Debug)]
struct Down;

#[async_trait::async_trait]
impl ChatModel for Down {
    async fn reply(&self, _: &ChatRequest) -> Result<Answer<String>, ChatError> {
        Err(ChatError::Transient("503".into()))
    }
    async fn extract(&self, _: &ExtractionRequest) -> Result<Answer<Arguments>, ChatError> {
        Err(ChatError::Transient("503".into()))
    }
    fn is_offline(&self) -> bool {
        false
    }
}

fn assistant(form: Option<Form>) -> Assistant {
    let draft = AssistantDraft {
        session_window_minutes: 24 * 60,
        segment_budget: 3,
        ..AssistantDraft::new("Maple Court", "You answer for Maple Court.")
    };
    let mut settings = draft.check().unwrap();
    settings.form = form;
    Assistant { id: Uuid::now_v7(), settings, created_at: Utc::now(), updated_at: Utc::now() }
}

fn context(unanswered: i64) -> ReplyContext {
    ReplyContext {
        conversation_id: Uuid::now_v7(),
        business: PhoneNumber::parse("+15557654321").unwrap(),
        contact: Contact::Phone(PhoneNumber::parse("+15551234567").unwrap()),
        assistant_id: None,
        paused: false,
        provider: Some(Provider::Twilio),
        opted_out: false,
        language: None,
        progress: ReplyProgress { inbound_count: unanswered, answered_count: 0 },
        channel: Channel::Sms,
    }
}

fn texted(body: &str) -> HistoryEntry {
    HistoryEntry {
        id: Uuid::now_v7(),
        direction: Direction::Inbound,
        body: body.into(),
        created_at: Utc::now(),
        purpose: None,
        keyword: None,
    }
}

fn inputs<'a>(context: &'a ReplyContext, assistant: &'a Assistant, history: &'a [HistoryEntry]) -> Inputs<'a> {
    Inputs {
        context,
        assistant,
        history,
        form_session: None,
        media: &[],
        photos_awaited: false,
        may_retry: true,
        booking: None,
        knowledge: None,
        handoff: None,
        hours: None,
    }
}

fn model<'a>(chat: &'a dyn ChatModel, metrics: &'a Metrics) -> Model<'a> {
    Model { chat, metrics, deadline: Instant::now() + Duration::from_secs(5) }
}

#[tokio::test]
async fn a_form_turn_is_worked_out_from_its_inputs_alone() {
    let (context, assistant, metrics) = (context(1), assistant(Some(Form::tenant_screening())), Metrics::default());
    let history = [texted("Hi, I'm Maria Garcia")];

    let reply =
        compose(&inputs(&context, &assistant, &history), &model(&OfflineModel, &metrics)).await.unwrap().unwrap();

    assert_eq!(reply.reply_to, history[0].id);
    assert!(reply.shaped.text.contains("Maria"), "{}", reply.shaped.text);
    let form = reply.form.expect("the form's new state");
    assert_eq!(form.session_id, None, "a first form starts a session");
    assert!(form.submission.is_none());
}

#[tokio::test]
async fn a_model_down_for_now_is_waited_for_until_the_last_attempt() {
    let (context, assistant, metrics) = (context(1), assistant(None), Metrics::default());
    let history = [texted("Is the flat on Elm Street still free?")];
    let mut given = inputs(&context, &assistant, &history);

    let waited = compose(&given, &model(&Down, &metrics)).await;
    assert_eq!(waited.unwrap_err(), TryLater("503".into()));

    given.may_retry = false;
    let last = compose(&given, &model(&Down, &metrics)).await.unwrap().unwrap();
    assert_eq!(last.shaped.text, OFFLINE_REPLY, "the truth, on the last attempt");
}

#[tokio::test]
async fn a_photo_being_fetched_while_id_photos_are_awaited_waits_for_its_receipt() {
    let (context, metrics) = (context(1), Metrics::default());
    let mut assistant = assistant(Some(Form::tenant_screening()));
    assistant.settings.id_photos = 2;
    let history = [texted("")];
    let media = [OfText { declared_type: "image/jpeg".into(), status: "pending".into(), counted_as_id_photo: false }];
    let mut given = inputs(&context, &assistant, &history);
    given.media = &media;

    given.photos_awaited = true;
    assert!(compose(&given, &model(&OfflineModel, &metrics)).await.unwrap().is_none(), "the receipt answers it");

    given.photos_awaited = false;
    let thanked = compose(&given, &model(&OfflineModel, &metrics)).await.unwrap().unwrap();
    assert!(thanked.shaped.text.starts_with("Thanks, I got your photo."), "{}", thanked.shaped.text);
}

#[tokio::test]
async fn keywords_are_read_as_they_were_on_arrival_not_again() {
    let (context, assistant, metrics) = (context(2), assistant(Some(Form::tenant_screening())), Metrics::default());
    let mut help = texted("Help");
    help.keyword = Some(smsagent_domain::keywords::Keyword::Help);
    // HELP was answered as it came; the reply reads what is left.
    let history = [help, texted("Hi, I'm Maria Garcia")];

    let reply =
        compose(&inputs(&context, &assistant, &history), &model(&OfflineModel, &metrics)).await.unwrap().unwrap();

    assert!(reply.shaped.text.contains("Maria Garcia"), "{}", reply.shaped.text);
    assert!(!reply.shaped.text.contains("Help"), "{}", reply.shaped.text);
}
