//! Logging. Fields, not prose, and never personal data: phone numbers are masked and message bodies are not
//! logged at info (see ARCHITECTURE.md).

use percent_encoding::percent_decode_str;
use smsagent_domain::Contact;
use tracing_subscriber::EnvFilter;

/// The default filter. async-openai logs whole response bodies (model replies) when it cannot parse them,
/// so it stays quiet; our own code logs each model failure without the text.
const DEFAULT_FILTER: &str = "info,sqlx=warn,async_openai=off";

/// Installs the global subscriber. `RUST_LOG` overrides the default filter.
pub fn init(format: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    // Colours only for a person at a terminal: a log file or a collector gets plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false).with_ansi(ansi);
    // Ignore the error when a subscriber is already installed (tests build several apps).
    let _ = if format == "json" { builder.json().try_init() } else { builder.try_init() };
}

/// A request's path as the access log may show it: an upload link's token left out (it lets its holder
/// upload), and every segment that is a phone number (`/api/conversations/%2B15551234567`, `test:%2B1…`)
/// masked as [`Contact::masked`] masks it; a number written any other way keeps only its last two digits.
pub fn loggable_path(path: &str) -> String {
    if path.starts_with("/upload/") {
        return "/upload/…".to_owned();
    }
    path.split('/').map(loggable_segment).collect::<Vec<_>>().join("/")
}

fn loggable_segment(segment: &str) -> String {
    let decoded = percent_decode_str(segment).decode_utf8_lossy();
    match Contact::parse(&decoded) {
        Ok(contact @ (Contact::Phone(_) | Contact::Test(_))) => contact.masked(),
        _ => {
            let digits: Vec<char> = decoded.chars().filter(char::is_ascii_digit).collect();
            let number_like = decoded.chars().all(|c| c.is_ascii_digit() || " +-.()".contains(c));
            if number_like && digits.len() >= 7 {
                format!("***{}", digits[digits.len() - 2..].iter().collect::<String>())
            } else {
                segment.to_owned()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn phone_numbers_and_upload_tokens_stay_out_of_the_access_log() {
        for (path, logged) in [
            ("/api/conversations/%2B15551234567", "/api/conversations/+1555***4567"),
            ("/api/conversations/+15551234567", "/api/conversations/+1555***4567"),
            ("/api/conversations/test:%2B15551234567", "/api/conversations/test:+1555***4567"),
            ("/api/conversations/%2B3531234567", "/api/conversations/+35***67"),
            ("/api/conversations/555-123-4567", "/api/conversations/***67"),
            ("/api/conversations/1234567", "/api/conversations/***67"),
            ("/api/conversations/chat:web-42", "/api/conversations/chat:web-42"),
            ("/upload/AbCdEf0123456789", "/upload/…"),
            (
                "/api/v1/sms/conversation/01a23416-f179-77fa-a32a-cc97e162b3db",
                "/api/v1/sms/conversation/01a23416-f179-77fa-a32a-cc97e162b3db",
            ),
            ("/api/v1/sms/webhook", "/api/v1/sms/webhook"),
        ] {
            assert_eq!(loggable_path(path), logged, "{path}");
        }
    }
}
