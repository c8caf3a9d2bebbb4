//! `GET /upload/{token}` (the page) and `POST /upload/{token}` (a photo of one side of the ID).
//!
//! A token that is not genuine, has expired, or points at an erased conversation gets the same 403 page,
//! and nothing is read or written. A file is judged by its first bytes; it is written to a temporary file
//! as it arrives (hashed and counted on the way, given up the moment it is too big) and renamed into place
//! only when whole. Its row and the confirming text are one transaction; should that fail, the file goes.

use std::borrow::Cow;

use actix_multipart::{Field, Multipart};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use chrono::Utc;
use futures_util::TryStreamExt;
use smsagent_domain::upload::{FileKind, SNIFF_BYTES, Side, receipt_text};
use smsagent_engine::uploads::received::{self, Received, Recorded};
use smsagent_engine::uploads::storage::Incoming;
use smsagent_engine::uploads::token::Link;
use smsagent_store::uploads::{self, UploadTarget};
use tracing::{info, warn};

use super::page::{self, Notice, UploadPage};
use crate::error::ApiError;
use crate::state::AppState;

/// What the applicant is told when a link, or the conversation, has taken all the files it takes.
const FULL: &str = "You've sent as many photos as this link takes. If you need to send another, text us and we'll send you a new link.";

/// The page for a working link.
pub async fn show(state: web::Data<AppState>, token: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let Some((target, _)) = target(&state, &token).await? else { return Ok(page::link_not_valid()) };
    Ok(view(&state, &target, Notice::None).render(StatusCode::OK))
}

/// Takes one photo (multipart fields `side` and `file`).
pub async fn receive(
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: Multipart,
) -> Result<HttpResponse, ApiError> {
    let Some((target, link)) = target(&state, &token).await? else { return Ok(page::link_not_valid()) };
    let refused = |status: StatusCode, message: &str| {
        Ok(view(&state, &target, Notice::Refused(message.to_owned())).render(status))
    };
    // A link or a conversation that has taken its files takes no more, before a byte is written.
    if received::full(&uploads::counts(&state.pool, target.conversation_id, link.expires_at, None).await?) {
        return refused(StatusCode::TOO_MANY_REQUESTS, FULL);
    }
    let (side, file) = match read_form(&state, form).await {
        Ok(read) => read,
        Err(refusal) => return refused(refusal.status, &refusal.message),
    };
    let asked = target.sides();
    let side = match side {
        Some(side) if asked.contains(&side) => side,
        Some(_) => {
            discard(file).await;
            return refused(StatusCode::BAD_REQUEST, "Please choose which side of your ID this is.");
        }
        None => *asked.iter().find(|s| !target.received.contains(s)).unwrap_or(&Side::Front),
    };
    let Some((incoming, kind)) = file else {
        return refused(StatusCode::BAD_REQUEST, "Please choose a photo of your ID first.");
    };

    let stored = state.uploads.dir.keep(*incoming, kind).await.map_err(ApiError::internal)?;
    let missing: Vec<Side> = asked.iter().copied().filter(|s| *s != side && !target.received.contains(s)).collect();
    let receipt = receipt_text(side, &missing, target.language.unwrap_or_default());
    let upload = Received { link, side, kind, stored: &stored };
    let recorded = received::record(&state.pool, &state.queue, &target, &upload, &receipt).await;
    if !matches!(recorded, Ok(Recorded::Kept { .. }))
        && let Err(removed) = state.uploads.dir.remove(&stored.name).await
    {
        warn!(error = %removed, "an upload not kept could not be removed");
    }
    let Recorded::Kept { texted } = recorded? else { return refused(StatusCode::TOO_MANY_REQUESTS, FULL) };
    info!(conversation_id = %target.conversation_id, side = side.as_str(), kind = kind.as_str(), size = stored.size, texted, "ID photo received");

    let mut after = target.clone();
    after.received.push(side);
    Ok(view(&state, &after, Notice::Received(receipt)).render(StatusCode::OK))
}

/// The conversation behind a working token, and the link it is; `None` for every kind of link that does
/// not work.
async fn target(state: &AppState, token: &str) -> Result<Option<(UploadTarget, Link)>, ApiError> {
    let link = match state.uploads.links.verify(token, Utc::now()) {
        Ok(link) => link,
        Err(e) => {
            info!(reason = %e, "upload link refused");
            return Ok(None);
        }
    };
    Ok(uploads::target(&state.pool, link.conversation_id).await?.map(|target| (target, link)))
}

fn view<'a>(state: &AppState, target: &'a UploadTarget, notice: Notice) -> UploadPage<'a> {
    UploadPage {
        business_name: &target.business_name,
        asked: target.sides(),
        received: &target.received,
        max_bytes: state.uploads.max_bytes,
        notice,
    }
}

/// Why a form was refused, in words for the applicant.
struct Refusal {
    status: StatusCode,
    message: Cow<'static, str>,
}

const NOT_A_PHOTO: Refusal = Refusal {
    status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
    message: Cow::Borrowed(
        "That file isn't a photo or PDF we can take. Please upload a JPEG, PNG, HEIC or WebP photo, or a PDF.",
    ),
};
const BAD_FORM: Refusal = Refusal {
    status: StatusCode::BAD_REQUEST,
    message: Cow::Borrowed("Something was wrong with the upload. Please try again."),
};
const BAD_NAME: Refusal = Refusal {
    status: StatusCode::BAD_REQUEST,
    message: Cow::Borrowed("That file's name can't be used. Please rename the file or take a new photo."),
};

/// The file field as received: a temporary file and the kind its bytes showed (`None`: no file chosen).
type FileField = Option<(Box<Incoming>, FileKind)>;

async fn discard(file: FileField) {
    if let Some((incoming, _)) = file {
        incoming.discard();
    }
}

/// Reads the `side` and `file` fields (in either order). Any refusal leaves nothing on disk.
async fn read_form(state: &AppState, mut form: Multipart) -> Result<(Option<Side>, FileField), Refusal> {
    let (mut side, mut file): (_, FileField) = (None, None);
    let outcome = async {
        while let Some(field) = form.try_next().await.map_err(|_| BAD_FORM)? {
            match field.name() {
                Some("side") => side = Some(read_side(field).await?),
                Some("file") if file.is_none() => file = read_file(state, field).await?,
                _ => return Err(BAD_FORM),
            }
        }
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => Ok((side, file)),
        Err(refusal) => {
            discard(file).await;
            Err(refusal)
        }
    }
}

async fn read_side(mut field: Field) -> Result<Side, Refusal> {
    let mut value = Vec::new();
    while let Some(chunk) = field.try_next().await.map_err(|_| BAD_FORM)? {
        value.extend_from_slice(&chunk);
        if value.len() > 16 {
            return Err(BAD_FORM);
        }
    }
    std::str::from_utf8(&value).ok().and_then(Side::parse).ok_or(BAD_FORM)
}

/// Streams the file to a temporary file: refused by its first bytes, or the moment it is too big.
async fn read_file(state: &AppState, mut field: Field) -> Result<FileField, Refusal> {
    let name = field.content_disposition().and_then(|d| d.get_filename()).unwrap_or_default();
    if !plain_file_name(name) {
        return Err(BAD_NAME);
    }
    let max = state.uploads.max_bytes;
    let too_big = || Refusal {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        message: format!("That file is too big. Please upload one smaller than {}.", page::size(max)).into(),
    };
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let mut received: FileField = None;
    let result = async {
        while let Some(chunk) = field.try_next().await.map_err(|_| BAD_FORM)? {
            if received.is_none() {
                head.extend_from_slice(&chunk);
                if head.len() < SNIFF_BYTES {
                    continue;
                }
                let kind = FileKind::sniff(&head).ok_or(NOT_A_PHOTO)?;
                let incoming = state.uploads.dir.begin().await.map_err(|_| BAD_FORM)?;
                received = Some((Box::new(incoming), kind));
                let (incoming, _) = received.as_mut().ok_or(BAD_FORM)?;
                incoming.write(&head).await.map_err(|_| BAD_FORM)?;
            } else if let Some((incoming, _)) = received.as_mut() {
                incoming.write(&chunk).await.map_err(|_| BAD_FORM)?;
            }
            if received.as_ref().is_some_and(|(incoming, _)| incoming.size > max) {
                return Err(too_big());
            }
        }
        Ok(())
    }
    .await;
    match (result, received) {
        (Ok(()), Some(file)) => Ok(Some(file)),
        // Nothing chosen; or shorter than any signature, too short to be a photo.
        (Ok(()), None) if head.is_empty() => Ok(None),
        (Ok(()), None) => Err(NOT_A_PHOTO),
        (Err(refusal), received) => {
            discard(received).await;
            Err(refusal)
        }
    }
}

/// A name a phone or computer gives a file: no folders, no `..`, no control characters. The name is never
/// used for anything; a name like `../../x` only shows someone is trying something.
fn plain_file_name(name: &str) -> bool {
    !name.contains(['/', '\\']) && !name.contains("..") && !name.chars().any(char::is_control)
}
