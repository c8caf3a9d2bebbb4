//! The rules of smsagent as plain types and functions.
//!
//! Nothing here performs IO: no database, no HTTP, no clock reads. Every other crate parses its input into
//! these types at the edge, and nothing downstream re-checks them.

pub mod assistant;
mod channel;
mod contact;
mod direction;
pub mod form;
pub mod handoff;
pub mod intent;
pub mod keyword_replies;
pub mod keywords;
pub mod language;
pub mod media;
pub mod message_body;
pub mod model_reply;
mod phone;
mod provider;
mod purpose;
pub mod quiet_hours;
mod receipt;
pub mod segments;
pub mod session;
pub mod shaping;
mod status;
pub mod text;
pub mod upload;

pub use channel::{Channel, WHATSAPP_MAX_CHARS, WHATSAPP_WINDOW, whatsapp_window_closed};
pub use contact::{ChatSession, Contact, InvalidSession, TestContact, WhatsAppContact};
pub use direction::Direction;
pub use language::{Language, after as language_after, detect as detect_language};
pub use phone::{PhoneNumber, PhoneNumberError};
pub use provider::{OptOutConfirmer, Provider, UnknownProvider};
pub use purpose::Purpose;
pub use receipt::SendReceipt;
pub use status::{MessageStatus, UnknownStatus};
