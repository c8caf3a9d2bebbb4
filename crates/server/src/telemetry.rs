//! Logging. Fields, not prose, and never personal data: phone numbers are masked and message bodies are not
//! logged at info (see ARCHITECTURE.md).

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber. `RUST_LOG` overrides the default filter.
pub fn init(format: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    // Ignore the error when a subscriber is already installed (tests build several apps).
    let _ = if format == "json" { builder.json().try_init() } else { builder.try_init() };
}
