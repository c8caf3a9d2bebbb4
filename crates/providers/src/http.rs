use std::time::Duration;

/// The longest a provider's answer is waited for.
pub(crate) const PROVIDER_WAIT: Duration = Duration::from_secs(15);

/// The HTTP client every provider uses: bounded waits, so a hung provider costs a retry, not a worker.
pub(crate) fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(concat!("smsagent/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(5))
        .timeout(timeout)
        .build()
        // Building fails only when the TLS backend cannot initialise, which no retry would fix.
        .unwrap_or_else(|e| panic!("cannot build the HTTP client: {e}"))
}
