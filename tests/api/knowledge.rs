//! The knowledge base: documents uploaded as Markdown, text and PDF, in English and Spanish, searched by
//! passage; an assistant with the `knowledge_base` tool answers only what the documents say, and says it
//! does not know when they hold nothing on the question.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use smsagent_store::PgPool;

use crate::helpers::{BOOTSTRAP_KEY, Options, TestApp};

const FAQ: &str = "# Prices\n\nA cleaning costs $80. Whitening is $250 and takes 90 minutes.\n\n\
                   # Opening hours\n\nWe are open Monday to Friday, 9 am to 5 pm.\n\n## Parking\n\n\
                   Free parking is behind the building.";
const SPANISH: &str = "Aceptamos seguros dentales de las principales aseguradoras.\n\n\
                       Una limpieza dental cuesta 1.200 pesos y dura cuarenta minutos.";

/// A one-page PDF whose page says `lines`, written out byte by byte (Helvetica, no compression), with its
/// cross-reference table.
fn pdf(lines: &[&str]) -> Vec<u8> {
    let mut text = String::from("BT /F1 12 Tf 72 720 Td 14 TL");
    for line in lines {
        text.push_str(&format!(" ({line}) Tj T*"));
    }
    text.push_str(" ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_owned(),
        format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_owned(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (n, object) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", n + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}

async fn upload(app: &TestApp, key: &str, title: &str, kind: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let path = format!(
        "/api/v1/knowledge/documents?title={}",
        url::form_urlencoded::byte_serialize(title.as_bytes()).collect::<String>()
    );
    let response = app.api(Method::POST, &path, key).header("Content-Type", kind).body(body).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn search(app: &TestApp, key: &str, q: &str) -> Vec<Value> {
    let path = format!(
        "/api/v1/knowledge/search?q={}",
        url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
    );
    let (status, found) = app.api_json(Method::GET, &path, key, None).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    found["passages"].as_array().unwrap().clone()
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn documents_in_both_languages_and_a_pdf_are_split_and_searched(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    let (status, faq) = upload(&app, BOOTSTRAP_KEY, "Clinic FAQ", "text/markdown", FAQ.into()).await;
    assert_eq!(status, StatusCode::CREATED, "{faq}");
    assert_eq!((faq["language"].as_str(), faq["passages"].as_i64()), (Some("en"), Some(3)), "{faq}");
    let (status, spanish) = upload(&app, BOOTSTRAP_KEY, "Preguntas", "text/plain; charset=utf-8", SPANISH.into()).await;
    assert_eq!((status, spanish["language"].as_str()), (StatusCode::CREATED, Some("es")), "{spanish}");
    let manual = pdf(&["Insurance: we accept Delta Dental and Cigna.", "Emergencies are seen the same day."]);
    let (status, from_pdf) = upload(&app, BOOTSTRAP_KEY, "Policies", "application/pdf", manual.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{from_pdf}");

    let whitening = search(&app, BOOTSTRAP_KEY, "how much is whitening?").await;
    assert_eq!(whitening[0]["heading"], "Prices", "{whitening:?}");
    assert!(whitening[0]["body"].as_str().unwrap().contains("$250"));
    let cleaning = search(&app, BOOTSTRAP_KEY, "¿Cuánto cuesta una limpieza?").await;
    assert_eq!(cleaning[0]["title"], "Preguntas", "Spanish stemming finds limpieza: {cleaning:?}");
    let insurance = search(&app, BOOTSTRAP_KEY, "do you accept Cigna insurance").await;
    assert_eq!(insurance[0]["title"], "Policies", "{insurance:?}");
    assert!(insurance[0]["body"].as_str().unwrap().contains("Delta Dental"), "the PDF's text: {insurance:?}");
    assert!(search(&app, BOOTSTRAP_KEY, "helicopter rides").await.is_empty());

    // The same bytes twice, an unknown kind, and a PDF that is not one are refused with a reason.
    let (status, twice) = upload(&app, BOOTSTRAP_KEY, "Again", "application/pdf", manual).await;
    assert_eq!((status, twice["error"]["code"].as_str()), (StatusCode::CONFLICT, Some("duplicate_document")));
    let (status, _) = upload(&app, BOOTSTRAP_KEY, "Sheet", "application/vnd.ms-excel", b"x".to_vec()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, broken) =
        upload(&app, BOOTSTRAP_KEY, "Broken", "application/pdf", b"%PDF-1.4 nonsense".to_vec()).await;
    assert_eq!(
        (status, broken["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unreadable_document"))
    );
    let (status, _) = upload(&app, BOOTSTRAP_KEY, "", "text/plain", b"x".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, headings) = upload(&app, BOOTSTRAP_KEY, "Empty", "text/markdown", b"# One\n## Two".to_vec()).await;
    assert_eq!(
        (status, headings["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unreadable_document"))
    );
    let huge = vec![b'a'; 10 * 1024 * 1024 + 1];
    let (status, big) = upload(&app, BOOTSTRAP_KEY, "Huge", "text/plain", huge).await;
    assert_eq!((status, big["error"]["code"].as_str()), (StatusCode::PAYLOAD_TOO_LARGE, Some("document_too_large")));
    // Every word first ("whitening" and not "prices": none), then any of them.
    assert!(!search(&app, BOOTSTRAP_KEY, "whitening -prices").await.is_empty());
    assert!(search(&app, BOOTSTRAP_KEY, "the of and").await.is_empty(), "stop words alone find nothing");
    assert!(search(&app, BOOTSTRAP_KEY, "?!-\"'").await.is_empty());

    // Another tenant sees none of it, and cannot remove it.
    let (_, other) = app.tenant("Other").await;
    assert!(search(&app, &other, "whitening").await.is_empty());
    let (_, listed) = app.api_json(Method::GET, "/api/v1/knowledge/documents", &other, None).await;
    assert_eq!(listed["documents"], json!([]));
    let id = faq["id"].as_str().unwrap();
    let path = format!("/api/v1/knowledge/documents/{id}");
    assert_eq!(app.api(Method::DELETE, &path, &other).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let (_, mine) = app.api_json(Method::GET, "/api/v1/knowledge/documents", BOOTSTRAP_KEY, None).await;
    assert_eq!(mine["documents"].as_array().unwrap().len(), 3);
    assert_eq!(app.api(Method::DELETE, &path, BOOTSTRAP_KEY).send().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert!(search(&app, BOOTSTRAP_KEY, "whitening").await.is_empty(), "its passages went with it");
}

/// The default assistant as a general one (no form) that answers from the knowledge base.
async fn answering_from_documents(app: &TestApp) {
    let (_, me) = app.api_json(Method::GET, "/api/v1/me", BOOTSTRAP_KEY, None).await;
    let id = me["assistants"][0]["id"].as_str().unwrap().to_owned();
    let (status, body) = app
        .api_json(
            Method::PATCH,
            &format!("/api/v1/assistants/{id}"),
            BOOTSTRAP_KEY,
            Some(json!({"form": null, "first_sms": ""})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let tools = json!({"tools": ["knowledge_base"]});
    let (status, set) =
        app.api_json(Method::PUT, &format!("/api/v1/assistants/{id}/builtin-tools"), BOOTSTRAP_KEY, Some(tools)).await;
    assert_eq!((status, &set["tools"]), (StatusCode::OK, &json!(["knowledge_base"])), "{set}");
    let bad = json!({"tools": ["launch_rockets"]});
    let (status, _) =
        app.api_json(Method::PUT, &format!("/api/v1/assistants/{id}/builtin-tools"), BOOTSTRAP_KEY, Some(bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = upload(app, BOOTSTRAP_KEY, "Clinic FAQ", "text/markdown", FAQ.into()).await;
    assert_eq!(status, StatusCode::CREATED);
}

async fn ask(app: &TestApp, session: &str, message: &str) -> String {
    let body = json!({"session_id": session, "message": message});
    let path = "/chat/00000000-0000-0000-0000-000000000001";
    let answer: Value =
        app.api(Method::POST, path, BOOTSTRAP_KEY).json(&body).send().await.unwrap().json().await.unwrap();
    answer["message"].as_str().unwrap_or_else(|| panic!("no answer: {answer}")).to_owned()
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn without_a_model_the_answer_quotes_the_document_or_says_it_does_not_know(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { openai: false, ..Options::default() }).await;
    answering_from_documents(&app).await;
    assert_eq!(ask(&app, "q1", "How much is whitening?").await, "Whitening is $250 and takes 90 minutes.");
    assert_eq!(ask(&app, "q2", "when are you open?").await, "We are open Monday to Friday, 9 am to 5 pm.");
    assert!(ask(&app, "q3", "Do you sell helicopters?").await.starts_with("Sorry, I don't have that information."));
    let close = ask(&app, "q4", "What time do you close on Sunday?").await;
    assert!(close.starts_with("Sorry, I don't have that information."), "no sentence shares a word: {close}");
    let thanks = ask(&app, "q5", "thanks!").await;
    assert!(!thanks.contains("Whitening") && !thanks.contains("open"), "no passage quoted at a thank-you: {thanks}");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_models_answer_goes_only_when_the_documents_bear_it_out(pool: PgPool) {
    let app = TestApp::spawn(pool).await;
    answering_from_documents(&app).await;
    app.model_replies("Whitening costs $250 and takes about 90 minutes.").await;
    assert_eq!(ask(&app, "m1", "how much is whitening").await, "Whitening costs $250 and takes about 90 minutes.");
    let prompt = app.model_requests().await.last().unwrap()["messages"][0]["content"].as_str().unwrap().to_owned();
    assert!(prompt.contains("only from the passages") && prompt.contains("Whitening is $250"), "{prompt}");

    // A price the documents do not hold never reaches the contact: the passage is quoted instead.
    app.openai.reset().await;
    app.model_replies("Whitening is on sale for $199 this week!").await;
    assert_eq!(ask(&app, "m2", "how much is whitening").await, "Whitening is $250 and takes 90 minutes.");
}
