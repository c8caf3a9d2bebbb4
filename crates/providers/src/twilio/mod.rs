//! Twilio Programmable Messaging: signed form webhooks in, the Messages API out.

mod conversations;
mod messages_api;
mod params;
pub mod samples;
mod signature;

pub use conversations::{ConversationsSender, MessageAdded};
pub use messages_api::{TwilioCredentials, TwilioSender};
pub use params::{FormParams, InboundMessage, ParamError, StatusCallback};
pub use signature::{SignatureValidator, sign};
