//! The smsagent service's HTTP side: webhook handlers, the operators' API and the upload page, each
//! translating requests into calls on the engine (`smsagent_engine`); and the wiring and the binary.

pub mod api;
pub mod api_keys;
pub mod bootstrap;
pub mod cli;
pub mod error;
pub mod metrics;
pub mod routes;
pub mod settings;
mod shutdown;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod uploads;

pub use settings::Settings;
pub use startup::Application;
