//! Logging. Fields, not prose, and never personal data: phone numbers are masked and message bodies are not
//! logged at info (see ARCHITECTURE.md).

use tracing_subscriber::EnvFilter;

/// The default filter. async-openai logs whole response bodies (model replies) when it cannot parse them,
/// so it stays quiet; our own code logs each model failure without the text.
const DEFAULT_FILTER: &str = "info,sqlx=warn,async_openai=off";

/// Installs the global subscriber. `RUST_LOG` overrides the default filter.
pub fn init(format: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    // Ignore the error when a subscriber is already installed (tests build several apps).
    let _ = if format == "json" { builder.json().try_init() } else { builder.try_init() };
}
