//! Working out a reply: what the form engine decides, what the model reads and how it words it (or the
//! rules and templates, when there is no model or it fails), and fitting the reply into the assistant's
//! SMS budget. A step from inputs read beforehand (`Inputs`) to a decision (`Reply`): the only thing it
//! calls is the model.

pub mod booking;
mod extraction;
mod knowledge;
mod rewording;
pub(crate) mod turn;

#[cfg(test)]
mod tests;

use smsagent_ai::ChatModel;
use tokio::time::Instant;

pub use turn::{FormUpdate, Inputs, Reply, TryLater, compose, unanswered_words, wordless};

use crate::metrics::Metrics;

/// The model a reply may call, and when every call of it must have answered.
#[derive(Debug, Clone, Copy)]
pub struct Model<'a> {
    pub chat: &'a dyn ChatModel,
    pub metrics: &'a Metrics,
    /// One deadline for every model call of the reply, well inside the job's lease.
    pub deadline: Instant,
}
