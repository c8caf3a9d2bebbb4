//! Keywords handled as a text arrives, in the transaction that stores it (docs/compliance.md#keywords).
//!
//! An opt-out takes effect before anything else can be sent, with one confirmation: the only text an
//! opted-out contact ever gets. START brings them back. HELP and goodbyes are answered here too, without a
//! model. The reply answers the whole burst the keyword ends, so no reply job answers it again.

use smsagent_domain::keywords::{self, Keyword, KeywordMatch};
use smsagent_domain::{Contact, OptOutConfirmer, PhoneNumber, Purpose, detect_language, keyword_replies, shaping};
use smsagent_store::conversations::{self, InboundConversation};
use smsagent_store::opt_outs::{self, ConsentChange, ConsentSource};
use smsagent_store::{StoreError, assistants, phone_numbers};
use sqlx::PgConnection;
use tracing::info;

use crate::outbox::{self, Dispatch, OutboxError};
use crate::queue::Queue;

/// The program name used when a number has no assistant to name it.
const UNNAMED_PROGRAM: &str = "Text messages from this number";

/// What a keyword did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// The keyword was answered here (or, for a repeated STOP, deliberately not).
    Answered,
    /// Not a keyword this step handles: the text goes to the reply job.
    NotHandled,
}

/// The keyword text `message_id` arrived: `text`.
#[derive(Debug, Clone, Copy)]
pub struct KeywordText<'a> {
    pub message_id: uuid::Uuid,
    pub text: &'a str,
    pub keyword: KeywordMatch,
}

/// Acts on a keyword in the ingest transaction.
pub async fn handle(
    db: &mut PgConnection,
    queue: &Queue,
    conversation: &InboundConversation,
    business: &PhoneNumber,
    contact: &Contact,
    arrived: KeywordText<'_>,
) -> Result<Handled, StoreError> {
    let text = arrived.text;
    let language =
        arrived.keyword.language.or(conversation.language).or_else(|| detect_language(text)).unwrap_or_default();
    let change = ConsentChange {
        source: ConsentSource::Keyword,
        detail: Some(text.trim()),
        message_id: Some(arrived.message_id),
    };
    let purpose = match arrived.keyword.keyword {
        Keyword::OptOut => {
            // The opt-out ends the burst it closes: nothing queued before it is answered. Only the STOP that
            // actually opted them out is confirmed ("at most one confirmation").
            conversations::mark_answered(&mut *db, conversation.id).await?;
            if !opt_outs::record(&mut *db, business, contact, &change).await? {
                return Ok(Handled::Answered);
            }
            Purpose::OptOutConfirmation
        }
        Keyword::OptIn => {
            // Coming back is answered as that and nothing else: the "yes" that opts them back in confirms no
            // value a form was waiting on, and what they wrote while opted out goes unanswered, as then.
            if conversation.opted_out {
                conversations::mark_answered(&mut *db, conversation.id).await?;
            }
            opt_outs::remove(&mut *db, business, contact, &change).await?;
            Purpose::OptInConfirmation
        }
        // Nothing but the confirmation of an opt-out ever goes to an opted-out contact.
        Keyword::Help | Keyword::End if conversation.opted_out => return Ok(Handled::Answered),
        // HELP is answered on its own; texts before it are still answered by the reply that waits for them.
        Keyword::Help => Purpose::Help,
        // A person has taken over: the bot does not say goodbye for them.
        Keyword::End if conversation.paused => return Ok(Handled::NotHandled),
        Keyword::End => {
            conversations::mark_answered(&mut *db, conversation.id).await?;
            Purpose::Goodbye
        }
        Keyword::StartOver => return Ok(Handled::NotHandled),
    };
    info!(conversation_id = %conversation.id, from = contact.masked(), %purpose, "keyword");

    let Some(number) = phone_numbers::find(&mut *db, business).await? else {
        return Ok(Handled::Answered);
    };
    // Twilio answers its own keywords (a message that is exactly STOP, START…) on its numbers, and would
    // refuse our opt-out confirmation with 21610: the change is on record, and its answer is the one. What
    // only we take for a keyword ("stop please", "BAJA") it never answers, so we do. Not on WhatsApp, where
    // nobody else answers.
    let provider_answers = number.opt_out_confirmer == OptOutConfirmer::Provider
        && matches!(contact, Contact::Phone(_))
        && matches!(
            (purpose, keywords::provider_answers(text)),
            (Purpose::OptOutConfirmation, Some(Keyword::OptOut)) | (Purpose::OptInConfirmation, Some(Keyword::OptIn))
        );
    if provider_answers {
        info!(conversation_id = %conversation.id, %purpose, "recorded; the provider answers this keyword on this number");
        return Ok(Handled::Answered);
    }
    let program = match conversation.assistant_id {
        Some(id) => assistants::program(&mut *db, id).await?,
        None => None,
    };
    let (program, help_text) = match &program {
        Some((name, help)) => (name.as_str(), help.as_deref()),
        None => (UNNAMED_PROGRAM, None),
    };
    let body = match purpose {
        Purpose::OptOutConfirmation => keyword_replies::opted_out(program, language),
        Purpose::OptInConfirmation => keyword_replies::opted_in(program, language),
        Purpose::Help => keyword_replies::help(program, help_text, language),
        // Only the keywords above get here; the rest are written elsewhere.
        Purpose::Goodbye
        | Purpose::Reply
        | Purpose::Operator
        | Purpose::UploadLink
        | Purpose::UploadReceipt
        | Purpose::Reminder => keyword_replies::goodbye(language).to_owned(),
    };
    // Compliance texts are sent whole, whatever an assistant's segment budget.
    let shaped = shaping::shape(&body, 10);
    let text = outbox::Text { body: &shaped.text, purpose, reply_to: None };
    match outbox::queue(db, queue, conversation.id, text, Dispatch::Queued).await {
        Ok(_) => {}
        Err(OutboxError::Store(e)) => return Err(e),
        // Nothing but an opt-out's confirmation reaches an opted-out contact, and it always may.
        Err(OutboxError::Refused(why)) => info!(conversation_id = %conversation.id, %why, "keyword answer not sent"),
    }
    Ok(Handled::Answered)
}
