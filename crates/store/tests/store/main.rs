//! Store tests against a real Postgres: each test gets a fresh, migrated database from `#[sqlx::test]`.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod appointments;
mod assistants;
mod inbound;
mod messages;
mod opt_outs;
mod queue;
