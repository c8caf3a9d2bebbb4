//! Working out a reply: what the form engine decides, what the model reads and how it words it (or the
//! rules and templates, when there is no model or it fails), and fitting the reply into the assistant's
//! SMS budget.

mod extraction;
mod rewording;
mod turn;

pub use turn::{FormUpdate, compose};
