//! The upload page, rendered here: plain HTML and one stylesheet and script of our own (no CDN), one
//! column that reads at 360 px, every control labelled.

use std::fmt::Write;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, HttpResponseBuilder};
use smsagent_domain::upload::Side;

pub const STYLESHEET: &str = include_str!("assets/upload.css");
pub const SCRIPT: &str = include_str!("assets/upload.js");

/// What the page says about the last upload.
#[derive(Debug, Clone)]
pub enum Notice {
    None,
    Received(String),
    Refused(String),
}

/// The page for a working link: the business's name, which sides arrived, and the form.
#[derive(Debug)]
pub struct UploadPage<'a> {
    pub business_name: &'a str,
    /// Sides the business asks for.
    pub asked: &'a [Side],
    pub received: &'a [Side],
    /// UPLOAD_MAX_BYTES, as the page states it.
    pub max_bytes: u64,
    pub notice: Notice,
}

impl UploadPage<'_> {
    pub fn render(&self, status: StatusCode) -> HttpResponse {
        let mut body = String::new();
        let both = self.asked.len() > 1;
        let what = if both { "the front and back of your photo ID" } else { "a photo of your ID" };
        let _ = write!(
            body,
            r#"<h1>{name}</h1><p class="lead">Upload {what}. Take a photo or choose one you have (a PDF scan works too).</p>"#,
            name = escape(self.business_name),
        );
        let _ = write!(body, r#"<form id="upload" method="post" enctype="multipart/form-data">"#);
        if both {
            let next = self.asked.iter().find(|s| !self.received.contains(s)).unwrap_or(&Side::Front);
            body.push_str("<fieldset><legend>Which side is this?</legend>");
            for side in self.asked {
                let checked = if side == next { " checked" } else { "" };
                let _ = write!(
                    body,
                    r#"<label class="side"><input type="radio" name="side" value="{value}"{checked}> {label}</label>"#,
                    value = side.as_str(),
                    label = side_label(*side),
                );
            }
            body.push_str("</fieldset>");
        } else {
            body.push_str(r#"<input type="hidden" name="side" value="front">"#);
        }
        body.push_str(concat!(
            r#"<label class="file" for="photo">Photo of your ID</label>"#,
            r#"<input id="photo" type="file" name="file" accept="image/*,application/pdf" capture="environment" required>"#,
            r#"<button type="submit">Upload</button>"#,
            r#"<progress id="progress" max="100" value="0" hidden aria-label="Upload progress"></progress>"#,
        ));
        let (class, role, text) = match &self.notice {
            Notice::None => ("status", "status", String::new()),
            Notice::Received(text) => ("status ok", "status", escape(text)),
            Notice::Refused(text) => ("status error", "alert", escape(text)),
        };
        let _ = write!(body, r#"<p id="status" class="{class}" role="{role}" tabindex="-1">{text}</p></form>"#);
        if !self.received.is_empty() {
            body.push_str(r#"<ul class="received" aria-label="Received so far">"#);
            for side in self.received {
                let _ = write!(body, "<li>{} received</li>", side_label(*side));
            }
            body.push_str("</ul>");
        }
        let _ = write!(
            body,
            concat!(
                r#"<p class="fine">Only the business can see what you upload. Files up to {size}: JPEG, PNG, HEIC, "#,
                r#"WebP or PDF. You can use this link again to add or replace a photo until it expires.</p>"#
            ),
            size = size(self.max_bytes),
        );
        respond(status, "Upload your ID", &body)
    }
}

/// The page for a link that does not work (expired, altered, or its conversation erased): 403, and a
/// way forward, without saying which.
pub fn link_not_valid() -> HttpResponse {
    respond(
        StatusCode::FORBIDDEN,
        "Link not valid",
        concat!(
            r#"<h1>This link doesn't work</h1><p id="status" class="status error" role="alert">"#,
            "It may have expired or been replaced. Reply to our text message and we'll send you a new link.</p>",
        ),
    )
}

/// A size as people say it: "10 MB", "256 KB".
pub fn size(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    if bytes >= MB { format!("{} MB", bytes / MB) } else { format!("{} KB", bytes.div_ceil(1024)) }
}

fn side_label(side: Side) -> &'static str {
    match side {
        Side::Front => "Front",
        Side::Back => "Back",
    }
}

fn respond(status: StatusCode, title: &str, main: &str) -> HttpResponse {
    let html = format!(
        concat!(
            r#"<!doctype html><html lang="en"><head><meta charset="utf-8">"#,
            r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#,
            r#"<meta name="robots" content="noindex"><title>{title}</title>"#,
            r#"<link rel="stylesheet" href="/assets/upload.css"><script src="/assets/upload.js" defer></script>"#,
            r#"</head><body><main>{main}</main></body></html>"#
        ),
        title = escape(title),
        main = main,
    );
    secured(HttpResponseBuilder::new(status)).content_type("text/html; charset=utf-8").body(html)
}

/// Headers for everything under /upload: nothing from elsewhere, the link never leaks as a referrer, and
/// nothing is cached.
pub fn secured(mut response: HttpResponseBuilder) -> HttpResponseBuilder {
    response
        .insert_header((
            "Content-Security-Policy",
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; \
             form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ))
        .insert_header(("Referrer-Policy", "no-referrer"))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"));
    response
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
