//! JSON bodies for the operators' API, read stricter than serde reads them: a body is one JSON object
//! (serde would take `[]` for a struct, field by position), and no text in it may hold NUL (U+0000), which
//! Postgres cannot store: a 400 that says where, not a 500 from the database.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::ApiError;

/// A JSON object body, read as `T`.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json =
            req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| {
                v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
            });
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::bad_request("invalid_body", "send the body as Content-Type: application/json"));
            }
            let raw = body.await.map_err(|e| ApiError::bad_request("invalid_body", e.to_string()))?;
            parse(&raw).map(Json)
        })
    }
}

/// Reads `raw` as a JSON object and then as `T`.
pub fn parse<T: DeserializeOwned>(raw: &[u8]) -> Result<T, ApiError> {
    let value: Value = serde_json::from_slice(raw).map_err(|e| ApiError::bad_request("invalid_body", e.to_string()))?;
    if !value.is_object() {
        return Err(ApiError::bad_request("invalid_body", "the body must be a JSON object"));
    }
    if let Some(at) = nul_at(&value, "") {
        return Err(ApiError::bad_request(
            "invalid_body",
            format!("{at}: text may not contain the NUL character (U+0000)"),
        ));
    }
    serde_json::from_value(value).map_err(|e| ApiError::bad_request("invalid_body", e.to_string()))
}

/// Where in `value` a string (or an object's key) holds NUL, as a JSON pointer.
fn nul_at(value: &Value, path: &str) -> Option<String> {
    match value {
        Value::String(s) if s.contains('\0') => Some(if path.is_empty() { "/".into() } else { path.into() }),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| nul_at(v, &format!("{path}/{i}"))),
        Value::Object(fields) => fields.iter().find_map(|(k, v)| {
            let here = format!("{path}/{}", k.replace('~', "~0").replace('/', "~1"));
            if k.contains('\0') { Some(here) } else { nul_at(v, &here) }
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Label {
        #[serde(default)]
        label: Option<String>,
    }

    #[test]
    fn only_an_object_without_nul_is_read() {
        assert!(parse::<Label>(br#"{"label": "ci"}"#).is_ok());
        for bad in [&b"[]"[..], b"[\"ci\"]", b"\"ci\"", b"null", b"{\"label\": \"a\\u0000b\"}", b"{\"a\\u0000\": 1}"] {
            assert!(parse::<Label>(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let nested = parse::<Value>(br#"{"form": {"fields": [{"label": "x\u0000"}]}}"#).unwrap_err();
        assert!(nested.to_string().contains("/form/fields/0/label"), "{nested}");
        assert!(parse::<Label>(br#"{"label": "a\\u0000b"}"#).is_ok(), "an escaped backslash is no NUL");
    }
}
