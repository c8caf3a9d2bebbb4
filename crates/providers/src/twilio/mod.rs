//! Twilio Programmable Messaging: signed form webhooks in, the Messages API out.

mod conversations;
mod incoming_numbers;
mod messages_api;
mod params;
pub mod samples;
mod signature;

pub use conversations::{ConversationsSender, MessageAdded};
pub use incoming_numbers::{NumberSetupError, TwilioNumbers};
pub use messages_api::{TwilioCredentials, TwilioSender};
pub use params::{FormParams, InboundMessage, ParamError, StatusCallback};
pub use signature::{SignatureValidator, sign};
