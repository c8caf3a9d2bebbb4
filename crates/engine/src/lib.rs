//! The engine: everything smsagent does with a text apart from HTTP. A text is taken in (`ingest`, with
//! its keywords acted on in `compliance`), work is queued (`queue`), and the worker (`worker`) runs it:
//! replies worked out by `dialogue`, texts sent, forms delivered, media fetched. Every text to a contact
//! is written by `outbox`, and every delivery report applied by `delivery`. The HTTP crate only
//! translates requests into these calls.

pub mod compliance;
pub mod delivery;
pub mod dialogue;
pub mod erasure;
pub mod ingest;
pub mod metrics;
pub mod outbox;
pub mod queue;
pub mod sending;
pub mod uploads;
pub mod worker;
