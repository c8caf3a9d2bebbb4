//! `/api/v1/assistants` and `/api/v1/phone-numbers`: an operator sets up an assistant and gives it a
//! number, and the number's texts are answered by it.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smsagent_store::PgPool;

use crate::helpers::{CONTACT, Options, TestApp, sid};

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn an_assistant_is_created_read_patched_and_deleted(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, phone_number: false, ..Options::default() }).await;
    let (_, key) = app.tenant("Elm Street Rentals").await;

    let (status, created) = app
        .api_json(
            Method::POST,
            "/api/v1/assistants",
            &key,
            Some(json!({
                "name": "Leasing",
                "first_sms": "Hi from Elm Street!",
                "sms_prompt": "Answer briefly.",
                "completion_url": "https://crm.example.com/hooks/applications",
                "completion_secret": "a-secret-of-sixteen-or-more",
            })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["name"], "Leasing");
    assert_eq!(created["max_reply_tokens"], 100, "defaults are filled in");
    assert_eq!(created["segment_budget"], 2);
    assert_eq!(created["completion_secret_set"], true);
    assert!(created.get("completion_secret").is_none(), "the secret is never shown: {created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/assistants/{id}");

    let (_, listed) = app.api_json(Method::GET, "/api/v1/assistants", &key, None).await;
    assert_eq!(listed["assistants"].as_array().unwrap().len(), 1);
    assert_eq!(app.api_json(Method::GET, &path, &key, None).await.1["first_sms"], "Hi from Elm Street!");

    // A merge patch: named fields change, null restores a default, the rest (the secret too) stays.
    let (status, patched) = app
        .api_json(
            Method::PATCH,
            &path,
            &key,
            Some(json!({"name": "Leasing desk", "segment_budget": null, "temperature": 0.3})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{patched}");
    assert_eq!(patched["name"], "Leasing desk");
    assert_eq!(patched["segment_budget"], 2);
    assert_eq!(patched["completion_secret_set"], true);
    assert_eq!(patched["first_sms"], "Hi from Elm Street!");

    // A bad patch changes nothing.
    let (status, refused) =
        app.api_json(Method::PATCH, &path, &key, Some(json!({"name": "X", "temperature": 7}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(refused["error"]["code"], "invalid_assistant");
    assert!(refused["error"]["message"].as_str().unwrap().contains("temperature"), "{refused}");
    assert_eq!(app.api_json(Method::GET, &path, &key, None).await.1["name"], "Leasing desk");

    assert_eq!(app.api_json(Method::DELETE, &path, &key, None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(app.api_json(Method::GET, &path, &key, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.api_json(Method::DELETE, &path, &key, None).await.0, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_form_reads_back_as_written_and_a_secret_goes_only_when_named(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, phone_number: false, ..Options::default() }).await;
    let (_, key) = app.tenant("Elm Street Rentals").await;
    let form = json!({"slots": [
        {"key": "first_name", "label": "first name", "question": "What is your first name?",
         "kind": {"type": "person_name", "part": "given"}},
        {"key": "income", "label": {"en": "income", "es": "ingresos"},
         "question": {"en": "Your yearly income?", "es": "¿Sus ingresos anuales?"},
         "kind": {"type": "money", "per": "year"}, "required": false, "confirm": false},
    ]});
    let body = json!({"name": "Leasing", "sms_prompt": "Answer briefly.", "form": form.clone(),
                      "completion_secret": "a-secret-of-sixteen-or-more"});
    let (status, created) = app.api_json(Method::POST, "/api/v1/assistants", &key, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["form"], form);
    let path = format!("/api/v1/assistants/{}", created["id"].as_str().unwrap());

    let (_, kept) = app.api_json(Method::PATCH, &path, &key, Some(json!({"help_text": "help@example.com"}))).await;
    assert_eq!((&kept["form"], &kept["completion_secret_set"]), (&form, &json!(true)), "{kept}");
    let (status, cleared) =
        app.api_json(Method::PATCH, &path, &key, Some(json!({"completion_secret": null, "form": null}))).await;
    assert_eq!(status, StatusCode::OK, "{cleared}");
    assert_eq!((&cleared["form"], &cleared["completion_secret_set"]), (&Value::Null, &json!(false)), "{cleared}");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn invalid_assistants_are_refused_with_the_reason(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, phone_number: false, ..Options::default() }).await;
    let (_, key) = app.tenant("Elm Street Rentals").await;
    let cases = [
        (json!({"sms_prompt": "x"}), "name"),
        (json!({"name": "", "sms_prompt": "x"}), "name"),
        (json!({"name": "A", "sms_prompt": "x", "max_reply_tokens": 500}), "max_reply_tokens"),
        (json!({"name": "A", "sms_prompt": "x", "form": {"slots": []}}), "form"),
        (json!({"name": "A", "sms_prompt": "x", "completion_url": "ftp://x"}), "completion_url"),
        (json!({"name": "A", "sms_prompt": "x", "colour": "blue"}), "colour"),
    ];
    for (body, reason) in cases {
        let (status, refused) = app.api_json(Method::POST, "/api/v1/assistants", &key, Some(body.clone())).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        let message = refused["error"]["message"].as_str().unwrap();
        assert!(message.contains(reason), "{body}: {message}");
    }
    let not_json =
        app.api(Method::POST, "/api/v1/assistants", &key).header("content-type", "application/json").body("{");
    let response = not_json.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(response.json::<Value>().await.unwrap()["error"]["code"], "invalid_body");
    assert_eq!(app.count("SELECT count(*) FROM assistant").await, 0);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_number_given_to_an_assistant_is_answered_by_it(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { phone_number: false, ..Options::default() }).await;
    app.twilio_accepts().await;
    let (_, key) = app.tenant("Elm Street Rentals").await;
    let (_, assistant) = app.api_json(Method::POST,
        "/api/v1/assistants",
        &key,
        Some(json!({"name": "Front desk", "first_sms": "Hi, Elm Street front desk here!", "sms_prompt": "Be brief."})),
    )
    .await;

    let (status, number) = app
        .api_json(
            Method::POST,
            "/api/v1/phone-numbers",
            &key,
            Some(json!({"number": "+15557654321", "provider": "twilio"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{number}");
    assert_eq!(number["inbound_assistant_id"], Value::Null);
    let number_path = format!("/api/v1/phone-numbers/{}", number["id"].as_str().unwrap());
    let (status, assigned) =
        app.api_json(Method::PATCH, &number_path, &key, Some(json!({"inbound_assistant_id": assistant["id"]}))).await;
    assert_eq!(status, StatusCode::OK, "{assigned}");

    app.text(&sid(), CONTACT, "Is the flat still free?").await;
    app.settle().await;
    let sent = app.twilio_sends().await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].get("Body"), Some("Hi, Elm Street front desk here!"));

    // A number with history is not removed from under it.
    let (status, refused) = app.api_json(Method::DELETE, &number_path, &key, None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(refused["error"]["code"], "number_has_conversations");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn numbers_are_checked_and_owned_once(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, phone_number: false, ..Options::default() }).await;
    app.twilio_accepts().await;
    let (_, key) = app.tenant("Elm Street Rentals").await;
    let (_, other) = app.tenant("Oak Avenue Homes").await;
    let (_, theirs) = app
        .api_json(Method::POST, "/api/v1/assistants", &other, Some(json!({"name": "Theirs", "sms_prompt": "x"})))
        .await;

    let add = |number: &str, provider: &str, assistant: Value| json!({"number": number, "provider": provider, "inbound_assistant_id": assistant});
    let refused = [
        (add("555-1234", "twilio", Value::Null), StatusCode::BAD_REQUEST, "invalid_phone_number"),
        (add("+15550002222", "carrier-pigeon", Value::Null), StatusCode::BAD_REQUEST, "invalid_provider"),
        (add("+15550002222", "twilio", theirs["id"].clone()), StatusCode::BAD_REQUEST, "unknown_assistant"),
    ];
    for (body, status, code) in refused {
        let (got, answer) = app.api_json(Method::POST, "/api/v1/phone-numbers", &key, Some(body.clone())).await;
        assert_eq!((got, answer["error"]["code"].as_str()), (status, Some(code)), "{body}");
    }

    let body = add("+15550002222", "acs", Value::Null);
    assert_eq!(
        app.api_json(Method::POST, "/api/v1/phone-numbers", &key, Some(body.clone())).await.0,
        StatusCode::CREATED
    );
    let (status, again) = app.api_json(Method::POST, "/api/v1/phone-numbers", &key, Some(body.clone())).await;
    assert_eq!((status, again["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("number_taken")), "ours already");
    // Another tenant learns only that it cannot have the number, not that someone does.
    let (status, taken) = app.api_json(Method::POST, "/api/v1/phone-numbers", &other, Some(body)).await;
    assert_eq!(
        (status, taken["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("number_unavailable"))
    );
    let (_, never_seen) = app
        .api_json(Method::POST, "/api/v1/phone-numbers", &other, Some(add("+15550009999", "twilio", Value::Null)))
        .await;
    assert_eq!(taken, never_seen, "a held number and one not in the Twilio account are refused alike");
    // A number the Twilio account carries is a Twilio number: registered as another's, its texts would be
    // answered (and read) by whoever registered it.
    let (status, disguised) = app
        .api_json(
            Method::POST,
            "/api/v1/phone-numbers",
            &other,
            Some(add(crate::helpers::BUSINESS, "simulator", Value::Null)),
        )
        .await;
    assert_eq!(
        (status, disguised["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("number_unavailable"))
    );

    let (_, listed) = app.api_json(Method::GET, "/api/v1/phone-numbers", &key, None).await;
    let number = &listed["phone_numbers"][0];
    assert_eq!((number["number"].as_str(), number["provider"].as_str()), (Some("+15550002222"), Some("acs")));
    let path = format!("/api/v1/phone-numbers/{}", number["id"].as_str().unwrap());
    assert_eq!(app.api_json(Method::DELETE, &path, &key, None).await.0, StatusCode::NO_CONTENT);
    assert_eq!(app.count("SELECT count(*) FROM phone_number").await, 0);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_twilio_numbers_webhook_can_be_pointed_at_the_service(pool: PgPool) {
    use wiremock::matchers::{body_string_contains, method, path, query_param};
    use wiremock::{Mock, ResponseTemplate};

    let app = TestApp::spawn_with(pool, Options { workers: 0, phone_number: false, ..Options::default() }).await;
    let (_, key) = app.tenant("Elm Street Rentals").await;
    let account = "/2010-04-01/Accounts/AC00000000000000000000000000000000";
    Mock::given(method("GET"))
        .and(path(format!("{account}/IncomingPhoneNumbers.json")))
        .and(query_param("PhoneNumber", "+15550002222"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"incoming_phone_numbers": [
            {"sid": "PN0123456789abcdef0123456789abcdef", "phone_number": "+15550002222"}]})))
        .mount(&app.twilio)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{account}/IncomingPhoneNumbers.json")))
        .and(query_param("PhoneNumber", "+15550003333"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"incoming_phone_numbers": []})))
        .mount(&app.twilio)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{account}/IncomingPhoneNumbers/PN0123456789abcdef0123456789abcdef.json")))
        .and(body_string_contains("SmsMethod=POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"sid": "PN0123456789abcdef0123456789abcdef"})))
        .expect(1)
        .mount(&app.twilio)
        .await;

    let add = |number: &str| json!({"number": number, "provider": "twilio", "configure_twilio_webhook": true});
    let (status, added) = app.api_json(Method::POST, "/api/v1/phone-numbers", &key, Some(add("+15550002222"))).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let update =
        app.twilio.received_requests().await.unwrap().into_iter().find(|r| r.method.as_str() == "POST").unwrap();
    let form = smsagent_providers::twilio::FormParams::parse(&update.body);
    assert_eq!(form.get("SmsUrl"), Some("https://sms.example.test/api/v1/sms/webhook"));

    // A number Twilio does not have in the account: refused, and not added here either.
    let (status, refused) = app.api_json(Method::POST, "/api/v1/phone-numbers", &key, Some(add("+15550003333"))).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("number_unavailable"))
    );
    assert_eq!(app.count("SELECT count(*) FROM phone_number").await, 1);

    // Twilio answering with a proxy's HTML page: the tenant gets a clean summary, not the page.
    Mock::given(method("GET"))
        .and(path(format!("{account}/IncomingPhoneNumbers.json")))
        .and(query_param("PhoneNumber", "+15550004444"))
        .respond_with(
            ResponseTemplate::new(502).set_body_string("<html><body><h1>502 Bad Gateway</h1>nginx</body></html>"),
        )
        .mount(&app.twilio)
        .await;
    let (status, failed) = app.api_json(Method::POST, "/api/v1/phone-numbers", &key, Some(add("+15550004444"))).await;
    assert_eq!((status, failed["error"]["code"].as_str()), (StatusCode::BAD_GATEWAY, Some("twilio_error")));
    let message = failed["error"]["message"].as_str().unwrap();
    assert_eq!(message, "Twilio: Twilio answered HTTP 502");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_newcomer_sets_up_the_screening_preset_and_completes_it_in_the_chat(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { phone_number: false, ..Options::default() }).await;
    app.twilio_accepts().await;
    let (tenant_id, key) = app.tenant("Elm Street Rentals").await;

    let (status, presets) = app.api_json(Method::GET, "/api/v1/forms/presets", &key, None).await;
    assert_eq!(status, StatusCode::OK, "{presets}");
    let screening = &presets["presets"][0];
    assert_eq!(screening["name"], "tenant_screening");
    assert_eq!(screening["form"]["slots"].as_array().unwrap().len(), 5, "{screening}");

    // Only a name and the preset: every other setting has a default.
    let body = json!({"name": "Screening", "form": "tenant_screening"});
    let (status, assistant) = app.api_json(Method::POST, "/api/v1/assistants", &key, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{assistant}");
    assert_eq!(assistant["form"], screening["form"], "the preset is kept whole");
    let number = json!({"number": "+15550001111", "provider": "simulator", "inbound_assistant_id": assistant["id"]});
    let (status, added) = app.api_json(Method::POST, "/api/v1/phone-numbers", &key, Some(number)).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");

    let (status, me) = app.api_json(Method::GET, "/api/v1/me", &key, None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["tenant_id"], tenant_id.to_string());
    assert_eq!(me["tenant_name"], "Elm Street Rentals");
    assert_eq!(me["chat_path"], format!("/chat/{tenant_id}"));
    assert_eq!(me["phone_numbers"][0]["number"], "+15550001111");
    assert_eq!(me["assistants"], json!([{"id": assistant["id"], "name": "Screening", "collects_form": true}]));

    let path = me["chat_path"].as_str().unwrap().to_owned();
    let mut answer = Value::Null;
    for message in
        ["Hi", "Maria Garcia", "yes", "415 555 0199", "yes", "123 Main St, Springfield, IL 62701", "yes", "85k", "yes"]
    {
        let (status, answered) =
            app.api_json(Method::POST, &path, &key, Some(json!({"session_id": "newcomer", "message": message}))).await;
        assert_eq!(status, StatusCode::OK, "{message}: {answered}");
        answer = answered;
    }
    assert_eq!(answer["slot_status"]["is_complete"], true, "{answer}");
    assert_eq!(app.count("SELECT count(*) FROM form_submission").await, 1);
}
