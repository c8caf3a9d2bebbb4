//! Chat models for smsagent.
//!
//! [`ChatModel`] words a reply from a system prompt and the conversation so far. [`OpenAiChat`] asks an
//! OpenAI-compatible chat completion; [`OfflineModel`] answers when no model is configured, or when the
//! model keeps failing, so a contact always hears back. Every completion is capped at [`MAX_REPLY_TOKENS`].

mod model;
mod offline;
mod openai;

pub use model::{
    Answer, Arguments, ChatError, ChatModel, ChatRequest, ChatTurn, ExtractionRequest, MAX_REPLY_TOKENS, Speaker, Tool,
    Usage,
};
pub use offline::{OFFLINE_REPLY, OfflineModel};
pub use openai::{OpenAiChat, OpenAiSettings, Service};
