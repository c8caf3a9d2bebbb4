use secrecy::ExposeSecret;
use serde_json::{Value, json};

use super::*;

fn draft(json: Value) -> AssistantDraft {
    serde_json::from_value(json).expect("a well-formed draft")
}

#[test]
fn left_out_settings_take_the_defaults_new_gives() {
    let written = draft(json!({"name": "Desk", "sms_prompt": "Be brief."})).check().unwrap();
    let made = AssistantDraft::new("Desk", "Be brief.").check().unwrap();
    let both = [written, made].map(|s| serde_json::to_value(s).unwrap());
    assert_eq!(both[0], both[1]);
    let settings = AssistantDraft::new("Desk", "Be brief.").check().unwrap();
    assert_eq!(
        (settings.max_reply_tokens, settings.history_limit, settings.segment_budget, settings.id_photos),
        (100, 20, 2, 0)
    );
    assert_eq!(settings.session_window(), TimeDelta::minutes(30));
    assert_eq!(settings.form_stale_after(), TimeDelta::hours(72));
}

#[test]
fn each_number_is_taken_at_its_bounds_and_refused_beyond_them() {
    let ranges = [
        ("max_reply_tokens", limits::MAX_REPLY_TOKENS),
        ("history_limit", limits::HISTORY_LIMIT),
        ("session_window_minutes", limits::SESSION_WINDOW_MINUTES),
        ("segment_budget", limits::SEGMENT_BUDGET),
        ("form_stale_after_hours", limits::FORM_STALE_AFTER_HOURS),
        ("id_photos", limits::ID_PHOTOS),
    ];
    for (field, range) in ranges {
        let with = |value: i64| draft(json!({"name": "Desk", "sms_prompt": "Be brief.", field: value})).check();
        for value in [*range.start(), *range.end()] {
            let settings = with(value).unwrap_or_else(|e| panic!("{field} = {value}: {e}"));
            assert_eq!(serde_json::to_value(settings).unwrap()[field], value, "{field}");
        }
        for value in [range.start() - 1, range.end() + 1] {
            let refused = with(value).expect_err(field).to_string();
            assert_eq!(refused, format!("{field} must be {} to {}", range.start(), range.end()));
        }
    }
}

#[test]
fn texts_are_checked_and_blank_optional_ones_left_out() {
    let refused = |json: Value| draft(json).check().expect_err("refused").to_string();
    assert!(refused(json!({"name": "  ", "sms_prompt": "x"})).contains("name"));
    assert!(refused(json!({"name": "a".repeat(101), "sms_prompt": "x"})).contains("name"));
    assert!(refused(json!({"name": "A", "sms_prompt": " \n"})).contains("sms_prompt"));
    assert!(refused(json!({"name": "A", "sms_prompt": "x", "temperature": 2.5})).contains("temperature"));
    assert!(refused(json!({"name": "A", "sms_prompt": "x", "form": {"slots": []}})).starts_with("form: "));
    let short = json!({"name": "A", "sms_prompt": "x", "completion_secret": "fifteen chars.."});
    assert!(refused(short).contains("completion_secret"));

    let settings =
        draft(json!({"name": "  Desk ", "sms_prompt": "x", "model": " ", "help_text": "", "temperature": 0.5}))
            .check()
            .unwrap();
    assert_eq!((settings.name.as_str(), settings.model, settings.help_text), ("Desk", None, None));
}

#[test]
fn settings_written_out_read_back_as_the_same_settings_less_the_secret() {
    let written = draft(json!({
        "name": "Desk", "sms_prompt": "x", "form": Form::tenant_screening(), "segment_budget": 3,
        "completion_secret": "sixteen chars!!!", "id_photos": 2
    }))
    .check()
    .unwrap();
    assert_eq!(written.completion_secret.as_ref().map(|s| s.expose_secret()), Some("sixteen chars!!!"));
    let shown = serde_json::to_value(&written).unwrap();
    assert!(shown.get("completion_secret").is_none(), "{shown}");
    let again = draft(shown.clone()).check().unwrap();
    assert_eq!(again.form, Some(Form::tenant_screening()));
    assert_eq!(serde_json::to_value(again).unwrap(), shown);
}

#[test]
fn the_published_schema_states_the_same_ranges() {
    let schema = serde_json::to_value(<AssistantDraft as utoipa::PartialSchema>::schema()).unwrap();
    let ranges = [
        ("max_reply_tokens", limits::MAX_REPLY_TOKENS, Some(defaults::max_reply_tokens())),
        ("history_limit", limits::HISTORY_LIMIT, Some(defaults::history_limit())),
        ("session_window_minutes", limits::SESSION_WINDOW_MINUTES, Some(defaults::session_window_minutes())),
        ("segment_budget", limits::SEGMENT_BUDGET, Some(defaults::segment_budget())),
        ("form_stale_after_hours", limits::FORM_STALE_AFTER_HOURS, Some(defaults::form_stale_after_hours())),
        ("id_photos", limits::ID_PHOTOS, Some(0)),
    ];
    for (field, range, default) in ranges {
        let property = &schema["properties"][field];
        let number = |key: &str| property[key].as_f64();
        assert_eq!(number("minimum"), Some(*range.start() as f64), "{field}: {property}");
        assert_eq!(number("maximum"), Some(*range.end() as f64), "{field}: {property}");
        assert_eq!(number("default"), default.map(|d| d as f64), "{field}: {property}");
    }
    let name = &schema["properties"]["name"];
    assert_eq!(name["maxLength"], *limits::NAME_CHARS.end(), "{name}");
    let secret = &schema["properties"]["completion_secret"];
    assert_eq!(secret["minLength"], limits::COMPLETION_SECRET_MIN_CHARS, "{secret}");
    let temperature = &schema["properties"]["temperature"];
    assert_eq!(temperature["maximum"].as_f64(), Some(f64::from(*limits::TEMPERATURE.end())), "{temperature}");
}

#[test]
fn a_form_may_be_named_by_its_preset_and_is_kept_whole() {
    let named = draft(json!({"name": "Desk", "sms_prompt": "x", "form": "tenant_screening"})).check().unwrap();
    assert_eq!(named.form, Some(Form::tenant_screening()));
    let shown = serde_json::to_value(&named).unwrap();
    assert!(shown["form"]["slots"].is_array(), "shown whole: {shown}");
    let unknown = draft(json!({"name": "Desk", "sms_prompt": "x", "form": "dog_walking"})).check().unwrap_err();
    assert_eq!(
        unknown.to_string(),
        "form: no preset is called \"dog_walking\" (there are: tenant_screening, appointment_booking)"
    );
}
