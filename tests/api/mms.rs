//! Photos and other media texted in (MMS): recorded with the text, fetched with the account's credentials,
//! kept like uploads, shown to operators, counted as ID photos when those are awaited, and never taken for
//! an answer to the form.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use smsagent_providers::twilio::samples::inbound_mms;
use smsagent_store::PgPool;
use wiremock::matchers::{header, header_exists, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::helpers::{ACCOUNT_SID, BOOTSTRAP_KEY, BUSINESS, CONTACT, Options, TestApp, WEBHOOK, sid};
use crate::uploads::{PNG, jpeg};

/// Basic auth as Twilio expects it for media: the account SID and auth token.
const BASIC: &str = "Basic QUMwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDp0ZXN0LWF1dGgtdG9rZW4=";

/// Puts `bytes` behind a media URL of the account, as Twilio does: the API answers with a redirect to short-lived
/// storage elsewhere. Returns the media URL and the storage server (to check what reached it).
async fn media(app: &TestApp, name: &str, bytes: &[u8], content_type: &str) -> (String, MockServer) {
    let storage = MockServer::start().await;
    let media_path = format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM{name}/Media/ME{name}");
    Mock::given(method("GET"))
        .and(path(media_path.clone()))
        .and(header("authorization", BASIC))
        .respond_with(ResponseTemplate::new(307).insert_header("location", format!("{}/stored/{name}", storage.uri())))
        .mount(&app.twilio)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/stored/{name}")))
        .respond_with(ResponseTemplate::new(200).set_body_raw(bytes.to_vec(), content_type))
        .mount(&storage)
        .await;
    (format!("{}{media_path}", app.twilio.uri()), storage)
}

async fn mms(app: &TestApp, body: &str, media: &[(&str, &str)]) {
    let params = inbound_mms(ACCOUNT_SID, &sid(), CONTACT, BUSINESS, body, media);
    assert_eq!(app.post_signed(WEBHOOK, &params).await.status(), StatusCode::OK);
    app.worker.drain().await.unwrap();
}

async fn history(app: &TestApp, key: &str) -> Value {
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM conversation").fetch_one(&app.pool).await.unwrap();
    let response = app.api(Method::GET, &format!("/api/v1/sms/conversation/{id}"), key).send().await.unwrap();
    response.json().await.unwrap()
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_photo_mid_form_is_kept_shown_and_changes_nothing(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    app.twilio_accepts().await;
    for text in ["Hi, I'm Maria Garcia", "yes"] {
        app.text(&sid(), CONTACT, text).await;
        app.worker.drain().await.unwrap();
    }
    let before: Value = sqlx::query_scalar("SELECT state FROM form_session").fetch_one(&app.pool).await.unwrap();
    let photo = jpeg(4_000);
    let (url, storage) = media(&app, "1", &photo, "image/jpeg").await;

    mms(&app, "", &[(&url, "image/jpeg")]).await;

    let after: Value = sqlx::query_scalar("SELECT state FROM form_session").fetch_one(&app.pool).await.unwrap();
    assert_eq!(after, before, "a photo answers no question: the confirmed names stay");
    let reply = app.outbound().await.last().unwrap().body.clone();
    assert!(reply.starts_with("Thanks, I got your photo. Is +1 555-123-4567 the best number"), "{reply}");
    let fetched = storage.received_requests().await.unwrap();
    assert!(fetched[0].headers.get("authorization").is_none(), "the credentials stay with Twilio's host");

    let history = history(&app, BOOTSTRAP_KEY).await;
    let texted = history["messages"].as_array().unwrap().iter().find(|m| m["body"] == "").unwrap().clone();
    let item = &texted["media"][0];
    assert_eq!((item["content_type"].as_str(), item["status"].as_str()), (Some("image/jpeg"), Some("stored")));
    let download = item["url"].as_str().unwrap();
    let file = app.api(Method::GET, download, BOOTSTRAP_KEY).send().await.unwrap();
    assert_eq!(file.headers()["content-type"], "image/jpeg");
    assert_eq!(file.bytes().await.unwrap().as_ref(), photo.as_slice(), "the file as texted");
    assert_eq!(app.request(Method::GET, download).send().await.unwrap().status(), StatusCode::UNAUTHORIZED);
    let (_, other) = app.tenant("Other").await;
    let theirs = app.api(Method::GET, download, &other).send().await.unwrap();
    assert_eq!(theirs.status(), StatusCode::NOT_FOUND, "another tenant's key sees nothing");

    let erased = app.api(Method::DELETE, "/api/conversations/%2B15551234567", BOOTSTRAP_KEY).send().await.unwrap();
    assert_eq!(erased.status(), StatusCode::OK);
    assert_eq!(std::fs::read_dir(&app.upload_dir).unwrap().count(), 0, "erasing the contact removes the photo");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn media_not_kept_are_listed_with_the_reason(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    app.twilio_accepts().await;
    let (card, _card_storage) =
        media(&app, "2", b"BEGIN:VCARD\nVERSION:3.0\nFN:Maria\nEND:VCARD\n", "text/vcard").await;
    let (big, _big_storage) =
        media(&app, "3", &jpeg(usize::try_from(crate::helpers::UPLOAD_MAX_BYTES).unwrap() + 10), "image/jpeg").await;
    let missing = format!("{}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM4/Media/ME4", app.twilio.uri());
    Mock::given(path(format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM4/Media/ME4")))
        .and(header_exists("authorization"))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            serde_json::json!({"code": 20404, "message": "The requested resource was not found", "status": 404}),
        ))
        .mount(&app.twilio)
        .await;

    mms(&app, "here you go", &[(&card, "text/vcard"), (&big, "image/jpeg"), (&missing, "image/png")]).await;

    let history = history(&app, BOOTSTRAP_KEY).await;
    let texted = history["messages"].as_array().unwrap().iter().find(|m| m["body"] == "here you go").unwrap().clone();
    let media = texted["media"].as_array().unwrap();
    assert_eq!(media.len(), 3, "{texted}");
    for (item, why) in media.iter().zip(["not a photo or PDF", "larger than UPLOAD_MAX_BYTES", "HTTP 404"]) {
        assert_eq!(item["status"], "refused", "{item}");
        assert!(item["reason"].as_str().unwrap().contains(why), "{item}");
        assert!(item["url"].is_null());
    }
    let kept = std::fs::read_dir(&app.upload_dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(kept, 0, "nothing left on disk");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn texted_photos_count_as_the_id_photos_only_once_those_are_asked_for(pool: PgPool) {
    let app = crate::uploads::app_with_conversation(pool).await;
    let (early, _early_storage) = media(&app, "7", &jpeg(1_000), "image/jpeg").await;
    let (front, _front_storage) = media(&app, "5", &jpeg(2_000), "image/jpeg").await;
    let (back, _back_storage) = media(&app, "6", PNG, "image/png").await;

    // A photo before the ID is asked for (a pet, a flat) is kept, but it is no ID.
    mms(&app, "", &[(&early, "image/jpeg")]).await;
    assert_eq!(app.count("SELECT count(*) FROM id_upload").await, 0, "not taken for an ID photo");
    assert_eq!(app.count("SELECT count(*) FROM message_media WHERE status = 'stored'").await, 1);

    crate::uploads::operator_link(&app).await;
    let before = app.outbound().await.len();
    mms(&app, "", &[(&front, "image/jpeg")]).await;
    mms(&app, "", &[(&back, "image/png")]).await;

    let sides: Vec<String> =
        sqlx::query_scalar("SELECT side FROM id_upload ORDER BY created_at").fetch_all(&app.pool).await.unwrap();
    assert_eq!(sides, ["front", "back"]);
    let texts: Vec<String> = app.outbound().await[before..].iter().map(|m| m.body.clone()).collect();
    assert_eq!(texts.len(), 2, "one receipt each, no other reply: {texts:?}");
    assert!(texts[0].contains("front") && texts[1].contains("back"), "{texts:?}");
    let linked: i64 = sqlx::query_scalar("SELECT count(*) FROM message_media WHERE upload_id IS NOT NULL")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(linked, 2);
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_download_that_stalls_is_cut_off_within_the_lease_and_leaves_no_file(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, lease_seconds: 4, ..Options::default() }).await;
    app.twilio_accepts().await;
    // Storage that sends the headers and the start of a photo, then nothing more.
    let storage = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let storage_address = storage.local_addr().unwrap();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (mut socket, _) = storage.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: image/jpeg\r\ncontent-length: 100000\r\n\r\n";
        socket.write_all(head.as_bytes()).await.unwrap();
        socket.write_all(&jpeg(5_000)).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_secs(60)).await;
    });
    let media_path = format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM8/Media/ME8");
    Mock::given(method("GET"))
        .and(path(media_path.clone()))
        .respond_with(ResponseTemplate::new(307).insert_header("location", format!("http://{storage_address}/stalls")))
        .mount(&app.twilio)
        .await;

    mms(&app, "", &[(&format!("{}{media_path}", app.twilio.uri()), "image/jpeg")]).await;

    // Tried again later (and, once the attempts run out, given up with the reason), never kept half.
    let (status, reason): (String, Option<String>) =
        sqlx::query_as("SELECT status, reason FROM message_media").fetch_one(&app.pool).await.unwrap();
    let given_up = status == "failed" && reason.as_deref().is_some_and(|r| r.contains("within the lease"));
    assert!(status == "pending" || given_up, "{status} {reason:?}");
    let left = std::fs::read_dir(&app.upload_dir).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0, "the half-received file is gone");
}

#[sqlx::test(migrator = "smsagent_store::MIGRATOR")]
async fn a_file_alone_that_cannot_be_kept_is_not_thanked_for(pool: PgPool) {
    let app = TestApp::spawn_with(pool, Options { workers: 0, ..Options::default() }).await;
    app.twilio_accepts().await;
    let (video, _video_storage) =
        media(&app, "9", b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", "video/mp4").await;

    mms(&app, "", &[(&video, "video/mp4")]).await;

    let reply = app.outbound().await.last().unwrap().body.clone();
    assert!(reply.starts_with("Sorry, I couldn't keep that file."), "{reply}");
}
