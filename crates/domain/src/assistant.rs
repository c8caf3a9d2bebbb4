//! An assistant's settings: everything an operator sets, with its defaults and its allowed ranges, in one
//! place. An [`AssistantDraft`] is the settings as written (an API body, or a stored row as read); checking
//! it gives [`AssistantSettings`], which the store writes, the API shows and the engine obeys, and which
//! nothing checks again. The schema's CHECK constraints mirror these ranges for those who edit rows by hand.

use std::ops::RangeInclusive;

use chrono::TimeDelta;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::form::{Form, presets};

/// What each setting may be. The OpenAPI schema below repeats them as literals (utoipa takes no
/// constants); a test holds the two together.
pub mod limits {
    use std::ops::RangeInclusive;

    pub const NAME_CHARS: RangeInclusive<usize> = 1..=100;
    pub const TEMPERATURE: RangeInclusive<f32> = 0.0..=2.0;
    /// No reply may cost more than 100 tokens: it keeps replies to a few segments and the bill small.
    pub const MAX_REPLY_TOKENS: RangeInclusive<i64> = 1..=100;
    pub const HISTORY_LIMIT: RangeInclusive<i64> = 1..=200;
    /// Up to a week.
    pub const SESSION_WINDOW_MINUTES: RangeInclusive<i64> = 1..=7 * 24 * 60;
    pub const SEGMENT_BUDGET: RangeInclusive<i64> = 1..=10;
    /// Up to a year.
    pub const FORM_STALE_AFTER_HOURS: RangeInclusive<i64> = 1..=365 * 24;
    pub const ID_PHOTOS: RangeInclusive<i64> = 0..=2;
    pub const COMPLETION_SECRET_MIN_CHARS: usize = 16;
}

/// The value each setting takes when it is left out.
pub mod defaults {
    pub fn sms_prompt() -> String {
        "You answer text messages for a business. Reply in plain text, in one or two short sentences: no \
         emoji, no markdown. Answer in the language the person writes in. If you do not know something, say \
         so and offer to have a person follow up."
            .to_owned()
    }
    pub fn max_reply_tokens() -> i64 {
        100
    }
    pub fn history_limit() -> i64 {
        20
    }
    pub fn session_window_minutes() -> i64 {
        30
    }
    pub fn segment_budget() -> i64 {
        2
    }
    pub fn form_stale_after_hours() -> i64 {
        72
    }
}

/// An assistant's settings as written, not yet checked. Settings left out take their defaults.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Leasing desk", "form": "tenant_screening", "help_text": "Call 555-0100"}))]
pub struct AssistantDraft {
    /// 1 to 100 characters.
    #[schema(min_length = 1, max_length = 100)]
    pub name: String,
    /// The greeting of each new session; empty: the model answers the first text.
    #[serde(default)]
    pub first_sms: String,
    /// The system prompt given to the chat model. Not blank; left out, a general one for a business
    /// answering texts.
    #[serde(default = "defaults::sms_prompt")]
    #[schema(min_length = 1)]
    pub sms_prompt: String,
    /// The chat model; null uses the service's default.
    #[serde(default)]
    pub model: Option<String>,
    /// Sampling temperature; null uses the model's default.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2)]
    pub temperature: Option<f32>,
    /// The completion token cap per reply.
    #[serde(default = "defaults::max_reply_tokens")]
    #[schema(minimum = 1, maximum = 100, default = 100)]
    pub max_reply_tokens: i64,
    /// How many of the conversation's newest texts the model sees.
    #[serde(default = "defaults::history_limit")]
    #[schema(minimum = 1, maximum = 200, default = 20)]
    pub history_limit: i64,
    /// A pause longer than this starts a new session, greeted with `first_sms`.
    #[serde(default = "defaults::session_window_minutes")]
    #[schema(minimum = 1, maximum = 10080, default = 30)]
    pub session_window_minutes: i64,
    /// The form to collect: a preset's name (`GET /api/v1/forms/presets`), or a whole definition; null for
    /// a general assistant, which only talks.
    #[serde(default)]
    #[schema(value_type = Option<FormSetting>)]
    pub form: Option<serde_json::Value>,
    /// The most SMS segments one reply may use.
    #[serde(default = "defaults::segment_budget")]
    #[schema(minimum = 1, maximum = 10, default = 2)]
    pub segment_budget: i64,
    /// The support contact given in answer to HELP.
    #[serde(default)]
    pub help_text: Option<String>,
    /// Where completed forms are POSTed, signed. It must reach the public internet: private, loopback,
    /// link-local and metadata addresses are refused (unless the deployment allowlists the host), and
    /// redirects are not followed.
    #[serde(default)]
    pub completion_url: Option<String>,
    /// The key that signs completion POSTs; at least 16 characters. Write-only: never shown again.
    #[serde(default)]
    #[schema(value_type = Option<String>, min_length = 16, write_only)]
    pub completion_secret: Option<SecretString>,
    /// A half-finished form older than this starts over when the contact returns.
    #[serde(default = "defaults::form_stale_after_hours")]
    #[schema(minimum = 1, maximum = 8760, default = 72)]
    pub form_stale_after_hours: i64,
    /// ID photos to ask for when the form completes, through an upload link: 0 (none), 1 (the front) or
    /// 2 (front and back).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 2, default = 0)]
    pub id_photos: i64,
}

/// How a draft names its form: a preset's name, such as `"tenant_screening"`, or a whole definition. The
/// draft reads it as JSON, to say exactly what is wrong with a definition; this type is its schema.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[allow(dead_code)] // never made: it describes the JSON the draft reads
enum FormSetting {
    Preset(String),
    Definition(Form),
}

/// An assistant's settings, checked: made only by [`AssistantDraft::check`]. Serialized, it is the
/// draft that would make it, less the secret.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AssistantSettings {
    pub name: String,
    pub first_sms: String,
    pub sms_prompt: String,
    pub model: Option<String>,
    pub temperature: Option<f32>,
    pub max_reply_tokens: u32,
    pub history_limit: u32,
    pub session_window_minutes: u32,
    /// The form it collects, written out whole (a preset's too); `None` for a general assistant.
    pub form: Option<Form>,
    pub segment_budget: usize,
    /// The support contact given in answer to HELP.
    pub help_text: Option<String>,
    /// Checked against the egress guard where it is set, which takes IO, so not here.
    pub completion_url: Option<String>,
    #[serde(skip)]
    pub completion_secret: Option<SecretString>,
    pub form_stale_after_hours: u32,
    /// ID photos asked for when the form completes: 0, 1 (front) or 2 (front and back).
    pub id_photos: u8,
}

/// Why settings were refused, naming the setting.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidSettings(String);

impl AssistantDraft {
    /// A draft with every optional setting at its default.
    pub fn new(name: &str, sms_prompt: &str) -> AssistantDraft {
        AssistantDraft {
            name: name.to_owned(),
            first_sms: String::new(),
            sms_prompt: sms_prompt.to_owned(),
            model: None,
            temperature: None,
            max_reply_tokens: defaults::max_reply_tokens(),
            history_limit: defaults::history_limit(),
            session_window_minutes: defaults::session_window_minutes(),
            form: None,
            segment_budget: defaults::segment_budget(),
            help_text: None,
            completion_url: None,
            completion_secret: None,
            form_stale_after_hours: defaults::form_stale_after_hours(),
            id_photos: 0,
        }
    }

    /// The settings, or what is wrong with them. Blank optional texts count as left out.
    pub fn check(self) -> Result<AssistantSettings, InvalidSettings> {
        let name = self.name.trim();
        if !limits::NAME_CHARS.contains(&name.chars().count()) {
            return Err(invalid("name must be 1 to 100 characters"));
        }
        if self.sms_prompt.trim().is_empty() {
            return Err(invalid("sms_prompt must not be empty"));
        }
        if self.temperature.is_some_and(|t| !limits::TEMPERATURE.contains(&t)) {
            return Err(invalid("temperature must be 0 to 2"));
        }
        let form = self.form.as_ref().map(read_form).transpose()?;
        let secret_chars =
            self.completion_secret.as_ref().map(|s| secrecy::ExposeSecret::expose_secret(s).chars().count());
        if secret_chars.is_some_and(|n| n < limits::COMPLETION_SECRET_MIN_CHARS) {
            return Err(invalid("completion_secret must be at least 16 characters"));
        }
        Ok(AssistantSettings {
            name: name.to_owned(),
            first_sms: self.first_sms,
            sms_prompt: self.sms_prompt,
            model: self.model.filter(|m| !m.trim().is_empty()),
            temperature: self.temperature,
            max_reply_tokens: within("max_reply_tokens", self.max_reply_tokens, limits::MAX_REPLY_TOKENS)?,
            history_limit: within("history_limit", self.history_limit, limits::HISTORY_LIMIT)?,
            session_window_minutes: within(
                "session_window_minutes",
                self.session_window_minutes,
                limits::SESSION_WINDOW_MINUTES,
            )?,
            form,
            segment_budget: within("segment_budget", self.segment_budget, limits::SEGMENT_BUDGET)?,
            help_text: self.help_text.filter(|h| !h.trim().is_empty()),
            completion_url: self.completion_url,
            completion_secret: self.completion_secret,
            form_stale_after_hours: within(
                "form_stale_after_hours",
                self.form_stale_after_hours,
                limits::FORM_STALE_AFTER_HOURS,
            )?,
            id_photos: within("id_photos", self.id_photos, limits::ID_PHOTOS)?,
        })
    }
}

impl AssistantSettings {
    /// A pause longer than this starts a new session.
    pub fn session_window(&self) -> TimeDelta {
        TimeDelta::minutes(self.session_window_minutes.into())
    }

    /// A half-finished form older than this starts over.
    pub fn form_stale_after(&self) -> TimeDelta {
        TimeDelta::hours(self.form_stale_after_hours.into())
    }
}

/// A form as a draft names it: a preset's name, or a definition.
fn read_form(json: &serde_json::Value) -> Result<Form, InvalidSettings> {
    if let serde_json::Value::String(name) = json {
        let names: Vec<_> = presets::PRESETS.iter().map(|p| p.name).collect();
        return presets::find(name)
            .map(|preset| preset.form())
            .ok_or_else(|| invalid(&format!("form: no preset is called {name:?} (there are: {})", names.join(", "))));
    }
    Form::from_json(json).map_err(|e| invalid(&format!("form: {e}")))
}

fn invalid(message: &str) -> InvalidSettings {
    InvalidSettings(message.to_owned())
}

/// `value` as `T` when it is within `range`; every range fits the types it is read into.
fn within<T: TryFrom<i64>>(name: &str, value: i64, range: RangeInclusive<i64>) -> Result<T, InvalidSettings> {
    let refused = || invalid(&format!("{name} must be {} to {}", range.start(), range.end()));
    if !range.contains(&value) {
        return Err(refused());
    }
    T::try_from(value).map_err(|_| refused())
}

#[cfg(test)]
mod tests;
