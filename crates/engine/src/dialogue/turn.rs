//! One reply: the texts it answers, whether it greets, what the form engine decides, and its words.
//!
//! A reply answers every text that arrived since the last one, in order, as one turn each. A new session
//! opens with the assistant's greeting (or, for a half-finished form, a recap of what was collected); a form
//! left too long starts over, and "start over" starts it over. A greeting or recap that would push the
//! reply over its segment budget is dropped before anything essential is shortened.

use std::collections::BTreeMap;

use chrono::Utc;
use smsagent_ai::{ChatError, ChatRequest, ChatTurn, OFFLINE_REPLY, Speaker};
use smsagent_domain::form::engine::{Turn as FormTurn, reminder, start, step};
use smsagent_domain::form::{Form, FormState, SlotValue, wording};
use smsagent_domain::handoff::{self, When};
use smsagent_domain::keywords::Keyword;
use smsagent_domain::session::{self, Turn};
use smsagent_domain::shaping::{self, Shaped, gsm_friendly};
use smsagent_domain::{Channel, Direction, Language, Purpose, language_after, media, model_reply};
use smsagent_store::assistants::Assistant;
use smsagent_store::conversations::ReplyContext;
use smsagent_store::forms::FormSession;
use smsagent_store::media::OfText;
use smsagent_store::messages::HistoryEntry;
use tracing::warn;
use uuid::Uuid;

use smsagent_booking::availability::Rules;
use smsagent_booking::conversation::Stage;
use smsagent_booking::hours;

use smsagent_tools::knowledge::answer::{self, Found};

use super::booking::{self, BookingUpdate, Calendar, Person};
use super::knowledge;
use super::{Model, extraction, rewording};

/// A reply ready to store and send.
#[derive(Debug, Clone)]
pub struct Reply {
    pub shaped: Shaped,
    pub language: Language,
    /// The newest text it answers.
    pub reply_to: Uuid,
    /// The form's new state, for an assistant that collects one.
    pub form: Option<FormUpdate>,
    /// What the reply changes in the conversation's booking, for an assistant that books.
    pub booking: Option<BookingUpdate>,
    /// The contact asked for a person: the conversation goes to one, and the business is told.
    pub handoff: bool,
}

/// What a reply changes in the conversation's form.
#[derive(Debug, Clone)]
pub struct FormUpdate {
    /// The form session to update; `None` starts a new one (a first form, one started over, or gone stale).
    pub session_id: Option<Uuid>,
    pub state: FormState,
    /// The confirmed values, when the form completed with this reply.
    pub submission: Option<BTreeMap<String, SlotValue>>,
    /// The contact is stuck and the reply says a person will follow up: the conversation goes to one.
    pub hand_over: bool,
}

/// Everything a reply is worked out from, read beforehand: the dialogue reads and writes nothing itself.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub context: &'a ReplyContext,
    pub assistant: &'a Assistant,
    /// The conversation's recent messages, oldest first.
    pub history: &'a [HistoryEntry],
    /// The form in progress, for an assistant that collects one.
    pub form_session: Option<&'a FormSession>,
    /// The media of the unanswered texts without words ([`wordless`]).
    pub media: &'a [OfText],
    /// Whether the assistant has asked for the ID photos (its form completed, or the link was sent).
    pub photos_awaited: bool,
    /// Whether the job may be tried again: a model that is down for now is then waited for.
    pub may_retry: bool,
    /// The calendar and the conversation's booking, for an assistant that books.
    pub booking: Option<&'a Calendar>,
    /// For an assistant that answers from the knowledge base: the passages found for the unanswered texts
    /// (none found: empty).
    pub knowledge: Option<&'a [Found]>,
    /// For an assistant that hands contacts to a person when they ask: when a person will answer.
    pub handoff: Option<&'a When>,
    /// For an assistant that tells its hours: its booking hours.
    pub hours: Option<&'a Rules>,
}

/// The model was unavailable, and the reply is better tried again later than answered offline.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TryLater(pub String);

/// The texts a reply answers: those that arrived since the last reply, oldest first.
fn unanswered<'h>(context: &ReplyContext, history: &'h [HistoryEntry]) -> Vec<&'h HistoryEntry> {
    let waiting = usize::try_from(context.progress.inbound_count - context.progress.answered_count).unwrap_or(0);
    let mut texts: Vec<&HistoryEntry> =
        history.iter().filter(|m| m.direction == Direction::Inbound).rev().take(waiting).collect();
    texts.reverse();
    texts
}

/// What the unanswered texts say, joined: what a knowledge search looks for.
pub fn unanswered_words(context: &ReplyContext, history: &[HistoryEntry]) -> String {
    let texts = unanswered(context, history);
    texts.iter().filter(|m| media::has_words(&m.body)).map(|m| m.body.as_str()).collect::<Vec<_>>().join("\n")
}

/// The unanswered texts that carried no words (media alone): their media are an input of the reply.
pub fn wordless(context: &ReplyContext, history: &[HistoryEntry]) -> Vec<Uuid> {
    unanswered(context, history).iter().filter(|m| !media::has_words(&m.body)).map(|m| m.id).collect()
}

/// The reply to the conversation's unanswered texts; `None` when there are none.
pub async fn compose(inputs: &Inputs<'_>, model: &Model<'_>) -> Result<Option<Reply>, TryLater> {
    let (context, assistant, history) = (inputs.context, inputs.assistant, inputs.history);
    let texts = unanswered(context, history);
    let Some(newest) = texts.last() else { return Ok(None) };
    // Keywords were answered when they arrived (as they were read then); the rest of a burst is read as one
    // turn, as the contact meant it: "Maria", "Garcia" is a full name, not a name and then a correction.
    // A photo without words answers nothing (below).
    let read: Vec<&HistoryEntry> = texts
        .iter()
        .copied()
        .filter(|m| !m.keyword.is_some_and(Keyword::answered_on_arrival) && media::has_words(&m.body))
        .collect();
    if read.is_empty() {
        return Ok(media_only(inputs, newest.id));
    }
    let said: Vec<&str> = read.iter().map(|m| m.body.as_str()).collect();
    let joined = said.join("\n");
    let language = language_after(context.language, &joined).unwrap_or_default();
    let turns: Vec<Turn> = history
        .iter()
        .map(|m| Turn { direction: m.direction, at: m.created_at, closes_session: m.purpose == Some(Purpose::Goodbye) })
        .collect();
    let new_session = session::awaits_greeting(&turns, assistant.settings.session_window());
    let greeting = Some(assistant.settings.first_sms.trim()).filter(|g| !g.is_empty() && new_session);

    // Asked for a person: told when one will answer, and handed over; nothing else of the text is read.
    if let Some(when) = inputs.handoff
        && handoff::asks_for_person(&joined)
    {
        let shaped =
            shaping::shape_for(context.channel, &handoff::told(when, language), assistant.settings.segment_budget);
        return Ok(Some(Reply { shaped, language, reply_to: newest.id, form: None, booking: None, handoff: true }));
    }
    // Asked when the business is open: its hours, as its booking settings have them.
    if let Some(text) = inputs.hours.filter(|_| hours::asked(&joined)).and_then(|rules| hours::said(rules, language)) {
        let shaped = shaping::shape_for(context.channel, &text, assistant.settings.segment_budget);
        return Ok(Some(Reply { shaped, language, reply_to: newest.id, form: None, booking: None, handoff: false }));
    }
    let turn = Reading { inputs, model, language, new_session, said: &joined };
    let (channel, budget) = (context.channel, assistant.settings.segment_budget);
    let start_over = read.iter().any(|m| m.keyword == Some(Keyword::StartOver));
    // Booking comes once the contact's details are in: with no form, at once; with one, once it completed.
    let details_in = assistant.settings.form.is_none() || inputs.form_session.is_some_and(|s| s.completed);
    if let Some(calendar) = inputs.booking
        && details_in
        && !start_over
    {
        let person = person(inputs);
        let preamble = greeting.filter(|_| calendar.stage.is_none());
        if let Some((shaped, update)) =
            booking::turn(calendar, Some(&joined), person, language, channel, budget, preamble)
        {
            let booking = Some(update);
            return Ok(Some(Reply { shaped, language, reply_to: newest.id, form: None, booking, handoff: false }));
        }
    }
    let (shaped, form, booking) = match &assistant.settings.form {
        Some(form) => {
            // "Start over" starts the form again; it answers nothing in it.
            let answers: Vec<&str> =
                read.iter().filter(|m| m.keyword != Some(Keyword::StartOver)).map(|m| m.body.as_str()).collect();
            let (preamble, body, update) = form_turn(&turn, form, &answers.join("\n"), start_over).await?;
            // The form completed just now: on to choosing a day, for an assistant that books.
            let opening = match inputs.booking {
                Some(calendar) if update.submission.is_some() && calendar.upcoming.is_none() => {
                    let person = Person::from_form(Some(form), Some(&update.state));
                    booking::turn(calendar, None, person, language, channel, budget, preamble.as_deref())
                }
                _ => None,
            };
            match opening {
                Some((shaped, booking)) => (shaped, Some(update), Some(booking)),
                None => (fit(preamble.as_deref(), &body, channel, budget), Some(update), None),
            }
        }
        None => {
            let body = match greeting {
                Some(greeting) => greeting.to_owned(),
                None => general(&turn).await?,
            };
            (shaping::shape_for(channel, &body, budget), None, None)
        }
    };
    // A cancel asked and answered with something else is not pending any more: a later "ok" must not cancel.
    let booking = booking.or_else(|| {
        inputs
            .booking
            .filter(|c| details_in && matches!(c.stage, Some(Stage::ConfirmingCancel { .. })))
            .map(|_| BookingUpdate { stage: None, action: None, if_taken: None, person: Person::default() })
    });
    Ok(Some(Reply { shaped, language, reply_to: newest.id, form, booking, handoff: false }))
}

/// The reply to texts that carried media and no words. A form does not move: a photo answers no question.
/// While ID photos are awaited, the photo's receipt (sent when it is kept) is the reply, and a photo still
/// being fetched is answered when the fetch ends (it queues the reply again); otherwise the contact hears
/// it arrived (or could not be kept), and the question the form waits on.
fn media_only(inputs: &Inputs<'_>, reply_to: Uuid) -> Option<Reply> {
    let (context, assistant, items) = (inputs.context, inputs.assistant, inputs.media);
    if items.is_empty() {
        // An empty text: nothing to answer.
        return None;
    }
    let awaited = assistant.settings.id_photos > 0 && inputs.photos_awaited;
    let fetching = items.iter().any(|m| m.status == "pending");
    if items.iter().any(|m| m.counted_as_id_photo) || (awaited && fetching) {
        return None;
    }
    let language = context.language.unwrap_or_default();
    let photos = items.iter().any(|m| m.declared_type.starts_with("image/"));
    let kept_or_coming = items.iter().any(|m| matches!(m.status.as_str(), "stored" | "pending" | "not_fetched"));
    let mut body =
        if kept_or_coming { media::received(photos, language) } else { media::not_kept(language) }.to_owned();
    if let Some(form) = &assistant.settings.form
        && let Some(session) = inputs.form_session
    {
        let waiting = reminder(form, &session.state, context.contact.phone(), language);
        if !waiting.is_empty() {
            body = format!("{body} {}", wording::render(form, &waiting, language));
        }
    }
    let shaped = shaping::shape_for(context.channel, &body, assistant.settings.segment_budget);
    Some(Reply { shaped, language, reply_to, form: None, booking: None, handoff: false })
}

/// Who books: the details the contact's form collected.
fn person(inputs: &Inputs<'_>) -> Person {
    Person::from_form(inputs.assistant.settings.form.as_ref(), inputs.form_session.map(|s| &s.state))
}

/// What a reply is worked out from.
struct Reading<'a> {
    inputs: &'a Inputs<'a>,
    model: &'a Model<'a>,
    language: Language,
    new_session: bool,
    /// The unanswered texts' words, joined.
    said: &'a str,
}

/// The form's turn over what the contact said: the opening words (greeting, recap or "starting over"), the
/// body, and the form's new state.
async fn form_turn(
    turn: &Reading<'_>,
    form: &Form,
    said: &str,
    start_over: bool,
) -> Result<(Option<String>, String, FormUpdate), TryLater> {
    let (assistant, context, language) = (turn.inputs.assistant, turn.inputs.context, turn.language);
    let greeting = Some(assistant.settings.first_sms.trim().to_owned()).filter(|g| !g.is_empty() && turn.new_session);
    let current = turn.inputs.form_session.cloned();
    let stale = current.as_ref().is_some_and(|s| {
        !s.completed && turn.new_session && Utc::now() - s.updated_at > assistant.settings.form_stale_after()
    });

    let (state, session_id, preamble) = match current {
        Some(session) if !start_over && !stale => {
            let resumed = turn.new_session && !session.completed;
            let preamble = if resumed { wording::recap(form, &session.state, language).or(greeting) } else { greeting };
            (session.state, Some(session.id), preamble)
        }
        _ if start_over => (FormState::default(), None, Some(wording::starting_over(language).to_owned())),
        _ => (FormState::default(), None, greeting),
    };

    let (state, says, submission, hand_over) = if said.trim().is_empty() {
        // Only "start over" (or a keyword) was said: ask the first question.
        let opening = start(form, context.contact.phone(), language);
        (opening.state, opening.says, None, false)
    } else {
        let context_turns = chat_turns(turn.inputs.history);
        let reading = extraction::read(turn.model, assistant, form, &state, said, context_turns, language).await;
        let sender = context.contact.phone();
        // A chat has no number: a phone number written without a country is in the business's.
        let dialling_from = sender.or(Some(&context.business));
        let outcome =
            step(form, &state, &FormTurn { text: said, extraction: &reading, sender, dialling_from, language });
        (outcome.state, outcome.says, outcome.submission, outcome.hand_over)
    };

    let body = if !says.is_empty() {
        let draft = wording::render(form, &says, language);
        rewording::word(turn.model, assistant, &draft, &wording::shown_values(&says), language).await
    } else if let Some(greeting) = &preamble {
        // A finished form and a new session: the greeting is the whole reply.
        return Ok((None, greeting.clone(), FormUpdate { session_id, state, submission, hand_over }));
    } else {
        // A finished form and a text that is not about it: answered as a general assistant.
        general(turn).await?
    };
    Ok((preamble, body, FormUpdate { session_id, state, submission, hand_over }))
}

/// A reply from the model with the assistant's prompt and the conversation so far; the offline reply when
/// the model keeps failing or writes something that is not a whole reply (cut off at its cap, framed,
/// repeating its prompt).
async fn general(turn: &Reading<'_>) -> Result<String, TryLater> {
    let mut system_prompt = turn.inputs.assistant.settings.sms_prompt.clone();
    if let Some(found) = turn.inputs.knowledge {
        if answer::is_question(turn.said) {
            // A question is answered from the documents, or told they hold nothing on it: never from the
            // model's own knowledge.
            if found.is_empty() {
                return Ok(answer::dont_know(turn.language).to_owned());
            }
            return knowledge::answer(turn.model, turn.inputs, found, turn.said, turn.language).await;
        }
        // Anything else ("thanks", "ok see you Monday") is answered as ever, with no facts of the model's own.
        system_prompt.push_str(
            "\n\nDo not state prices, hours, policies or other facts about the business: if asked, say you will \
             check the business's information.",
        );
    }
    let assistant = turn.inputs.assistant;
    let request = ChatRequest {
        system_prompt,
        history: chat_turns(turn.inputs.history),
        max_tokens: assistant.settings.max_reply_tokens,
        model: assistant.settings.model.clone(),
        temperature: assistant.settings.temperature,
    };
    let answer = tokio::time::timeout_at(turn.model.deadline, turn.model.chat.reply(&request))
        .await
        .unwrap_or_else(|_| Err(ChatError::Transient("the model did not answer in time".into())));
    match answer.map(|answer| {
        // The business's prompt holds facts the reply may well repeat (hours, prices): only the form of the
        // text is checked.
        model_reply::check_general(&answer.output).map(|()| answer.output.trim().to_owned())
    }) {
        Ok(Ok(reply)) => Ok(reply),
        Ok(Err(flaw)) => {
            warn!(%flaw, "the model's text is not a reply; sending the offline reply");
            turn.model.metrics.model_refused("reply", flaw.as_str(), 1);
            Ok(OFFLINE_REPLY.to_owned())
        }
        Err(ChatError::Transient(reason)) if turn.inputs.may_retry => Err(TryLater(reason)),
        Err(e) => {
            warn!(error = %e, "the model gave no reply; sending the offline reply");
            Ok(OFFLINE_REPLY.to_owned())
        }
    }
}

/// The opening words and the body together when they fit the budget; the body alone when they do not.
fn fit(preamble: Option<&str>, body: &str, channel: Channel, budget: usize) -> Shaped {
    if let Some(preamble) = preamble {
        let whole = format!("{} {}", preamble.trim(), body.trim());
        let shaped = shaping::shape_for(channel, &whole, budget);
        let unchanged = if channel == Channel::WhatsApp { whole.trim().to_owned() } else { gsm_friendly(&whole) };
        if shaped.text == unchanged.trim() {
            return shaped;
        }
    }
    shaping::shape_for(channel, body, budget)
}

pub(super) fn chat_turns(history: &[HistoryEntry]) -> Vec<ChatTurn> {
    history
        .iter()
        .filter(|m| media::has_words(&m.body))
        .map(|m| ChatTurn {
            speaker: match m.direction {
                Direction::Inbound => Speaker::Contact,
                Direction::Outbound => Speaker::Business,
            },
            text: m.body.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_greeting_that_does_not_fit_gives_way_to_the_question() {
        let question = "What's your first name?";
        assert_eq!(fit(Some("Hi there!"), question, Channel::Sms, 1).text, "Hi there! What's your first name?");
        let long_greeting = "Welcome! ".repeat(20);
        assert_eq!(fit(Some(&long_greeting), question, Channel::Sms, 1).text, question);
        assert!(fit(Some(&long_greeting), question, Channel::WhatsApp, 1).text.starts_with("Welcome!"), "no segments");
    }
}
