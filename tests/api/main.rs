//! The black-box suite: the real service on a loopback port over HTTP, a fresh real Postgres database per
//! test (`#[sqlx::test]`), and wiremock servers that answer as Twilio and OpenAI do.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod azure_mocks;
mod browser;
mod calendar_server;
mod dialogue_support;
mod helpers;
mod mail_server;
mod twilio_account;

mod acs_replies;
mod api_access;
mod api_assistants;
mod api_chat;
mod api_conversations;
mod api_keys;
mod api_sending;
mod bad_input;
mod booking;
mod booking_by_text;
mod bootstrap;
mod calendars;
mod consent;
mod conversation_engine;
mod conversations;
mod dialogues;
mod egress;
mod event_grid;
mod faults;
mod first_run;
mod handoff;
mod health;
mod knowledge;
mod metrics;
mod mms;
mod openapi;
mod real_model;
mod reply_loop;
mod status_callbacks;
mod twilio_webhook;
mod uploads;
mod whatsapp;
mod worker;
