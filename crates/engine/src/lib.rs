//! The engine: everything smsagent does with a text apart from HTTP. A text is taken in (`ingest`, with
//! its keywords acted on in `compliance`), work is queued (`queue`), and the worker (`worker`) runs it:
//! replies worked out by `dialogue`, texts sent, forms delivered, media fetched, emails sent, reminders
//! texted. Every text to a contact is written by `outbox`, every delivery report applied by `delivery`, and
//! what an appointment's change sends is queued by `appointments`. The HTTP crate only translates requests
//! into these calls.

pub mod appointments;
pub mod compliance;
pub mod delivery;
pub mod dialogue;
pub mod erasure;
pub mod handoff;
pub mod ingest;
pub mod metrics;
pub mod outbox;
pub mod queue;
pub mod sending;
pub mod uploads;
pub mod worker;
