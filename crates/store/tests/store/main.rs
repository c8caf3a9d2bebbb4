//! Store tests against a real Postgres: each test gets a fresh, migrated database from `#[sqlx::test]`.

mod messages;
mod queue;
