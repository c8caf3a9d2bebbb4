//! The OpenAPI 3.1 document, generated from the handlers' annotations, at `/api/openapi.json`, and a
//! plain page that reads it for people at `/api/docs` (rendered here: no script, nothing from a CDN).

use std::fmt::Write;
use std::sync::LazyLock;

use actix_web::HttpResponse;
use serde_json::Value;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{ErrorBody, ErrorDetail};

use super::{
    assistants, chat, conversations, forms, keys, me, numbers, sending, stats, submissions, takeover, test_texts,
    uploads,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "smsagent operators' API", description = "Assistants, numbers, conversations, sending, stats and chat. \
        Every call carries a tenant's key as `Authorization: Bearer <key>` and sees only that tenant's data."),
    paths(
        me::me,
        assistants::create, assistants::list, assistants::get, assistants::update, assistants::delete,
        submissions::list, forms::presets,
        keys::create, keys::list, keys::revoke,
        numbers::add, numbers::list, numbers::assign, numbers::remove,
        conversations::list, conversations::with_contact, conversations::erase, conversations::by_id,
        takeover::pause, takeover::resume,
        uploads::list, uploads::download, uploads::download_media, uploads::send_link,
        sending::send, test_texts::feed,
        stats::stats,
        chat::chat,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&BearerKeys),
)]
struct ApiDoc;

struct BearerKeys;

impl Modify for BearerKeys {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("sk_smsagent_…").build(),
            ),
        );
    }
}

/// The document, built once.
static DOCUMENT: LazyLock<Value> = LazyLock::new(|| {
    let mut document = serde_json::to_value(ApiDoc::openapi()).unwrap_or_else(|e| panic!("the OpenAPI document: {e}"));
    common_answers(&mut document);
    document
});

/// The answers every keyed operation can give, beside its own: 401 (no valid key, checked before anything
/// else), 429 (the key's rate, or too many wrong keys from the caller's address) and, where the operation
/// reads a path, a query or a body, 400 for one that cannot be read.
fn common_answers(document: &mut Value) {
    let error = |description: &str| {
        serde_json::json!({
            "description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
        })
    };
    let Some(paths) = document["paths"].as_object_mut() else { return };
    for item in paths.values_mut() {
        let Some(operations) = item.as_object_mut() else { continue };
        for operation in operations.values_mut() {
            if operation.get("security").is_none() {
                continue;
            }
            let reads_input = operation.get("requestBody").is_some()
                || operation["parameters"].as_array().is_some_and(|p| !p.is_empty());
            let Some(responses) = operation["responses"].as_object_mut() else { continue };
            let mut add = |status: &str, description: &str| {
                responses.entry(status).or_insert_with(|| error(description));
            };
            add("401", "No valid API key (`unauthorized`); nothing else of the request was looked at.");
            add(
                "429",
                concat!(
                    "Over the key's rate (API_RATE_LIMIT_PER_MINUTE), or too many wrong keys from this address ",
                    "(`rate_limited`); Retry-After says when to come back."
                ),
            );
            if reads_input {
                add(
                    "400",
                    concat!(
                        "A path, query or body that cannot be read (`invalid_path`, `invalid_query`, `invalid_body`: ",
                        "a body is one JSON object, with no NUL in its text, and no field unknown)."
                    ),
                );
            }
        }
    }
}

/// `GET /api/openapi.json`.
pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(&*DOCUMENT)
}

/// `GET /api/docs`: every operation, its parameters, body and answers, from the document.
pub async fn page() -> HttpResponse {
    static PAGE: LazyLock<String> = LazyLock::new(|| render(&DOCUMENT));
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(PAGE.as_str())
}

fn render(doc: &Value) -> String {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>smsagent API</title><style>\
         body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}\
         h2{border-bottom:1px solid #ccc;margin-top:2.5rem}section{margin:1.5rem 0}code{background:#f3f3f3;padding:0 .25rem}\
         .method{display:inline-block;min-width:4.5rem;font-weight:700;font-family:monospace}\
         table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left}\
         </style></head><body>",
    );
    let _ = write!(
        html,
        "<h1>{}</h1><p>{}</p>",
        escape(&text(&doc["info"]["title"])),
        escape(&text(&doc["info"]["description"]))
    );
    let _ = write!(
        html,
        "<p>Machine-readable: <a href=\"/api/openapi.json\">/api/openapi.json</a> (OpenAPI {}).</p>",
        escape(&text(&doc["openapi"]))
    );
    let mut by_tag: std::collections::BTreeMap<String, Vec<(String, String, &Value)>> = Default::default();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for (method, operation) in item.as_object().into_iter().flatten() {
            let tag = operation["tags"][0].as_str().unwrap_or("other").to_owned();
            by_tag.entry(tag).or_default().push((method.to_uppercase(), path.clone(), operation));
        }
    }
    for (tag, operations) in by_tag {
        let _ = write!(html, "<h2>{}</h2>", escape(&tag));
        for (method, path, operation) in operations {
            let _ =
                write!(html, "<section><h3><span class=\"method\">{method}</span> <code>{}</code></h3>", escape(&path));
            let about = [text(&operation["summary"]), text(&operation["description"])].join(" ");
            let _ = write!(html, "<p>{}</p>", escape(about.trim()));
            if let Some(parameters) = operation["parameters"].as_array() {
                html.push_str("<table><tr><th>Parameter</th><th>In</th><th>Required</th><th>About</th></tr>");
                for p in parameters {
                    let _ = write!(
                        html,
                        "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        escape(&text(&p["name"])),
                        escape(&text(&p["in"])),
                        if p["required"].as_bool() == Some(true) { "yes" } else { "no" },
                        escape(&text(&p["description"]))
                    );
                }
                html.push_str("</table>");
            }
            if let Some(body) = operation["requestBody"]["content"]["application/json"]["schema"].as_object() {
                let _ = write!(html, "<p>Body: <code>{}</code></p>", escape(&schema_name(body)));
            }
            html.push_str("<p>Answers:</p><ul>");
            for (status, response) in operation["responses"].as_object().into_iter().flatten() {
                let schema = response["content"]["application/json"]["schema"].as_object().map(schema_name);
                let _ =
                    write!(html, "<li><code>{}</code> {}</li>", escape(status), escape(&schema.unwrap_or_default()));
            }
            html.push_str("</ul></section>");
        }
    }
    html.push_str("</body></html>");
    html
}

fn schema_name(schema: &serde_json::Map<String, Value>) -> String {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference.rsplit('/').next().unwrap_or(reference).to_owned(),
        None => schema.get("type").map(|t| t.to_string().replace('"', "")).unwrap_or_else(|| "JSON".into()),
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
