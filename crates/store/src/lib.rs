//! Postgres access for smsagent.
//!
//! Each module owns one table (or one closely knit pair) and exposes plain async functions over
//! `sqlx::PgExecutor`, so callers compose them into the transactions they need: a webhook stores the
//! message, touches the conversation and enqueues the reply in one.

pub mod appointments;
pub mod assistants;
pub mod booking_dialogues;
pub mod booking_settings;
pub mod conversations;
pub mod emails;
mod error;
pub mod forms;
pub mod handoffs;
pub mod history;
pub mod idempotency;
pub mod inbound;
pub mod jobs;
pub mod knowledge;
pub mod media;
pub mod messages;
pub mod opt_outs;
pub mod phone_numbers;
pub mod takeover;
pub mod tenants;
pub mod uploads;

pub use error::StoreError;
pub use sqlx::{PgPool, Postgres, Transaction};

/// The schema, embedded from `migrations/` (the same folder `sqlx migrate run` uses).
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations");

/// A transaction on the smsagent database.
pub type Tx = Transaction<'static, Postgres>;
