//! The smsagent service: HTTP handlers, the background worker, and their wiring.

pub mod api;
pub mod bootstrap;
pub mod cli;
mod compliance;
mod dialogue;
pub mod error;
pub mod ingest;
pub mod jobs;
pub mod metrics;
pub mod routes;
pub mod settings;
mod shutdown;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod uploads;
pub mod worker;

pub use settings::Settings;
pub use startup::Application;
