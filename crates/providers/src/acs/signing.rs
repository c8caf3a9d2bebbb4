//! ACS request signing (HMAC-SHA256), exactly as the official SDKs do it.
//!
//! ```text
//! contentHash  = base64(SHA256(body))
//! stringToSign = VERB + "\n" + path?query + "\n" + date + ";" + host + ";" + contentHash
//! signature    = base64(HMAC-SHA256(decoded access key, stringToSign))
//! Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<signature>
//! ```
//! `host` is exactly the Host header sent (with its port when it has one).

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// The headers that authenticate one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    pub date: String,
    pub content_sha256: String,
    pub authorization: String,
}

/// Signs a request: `path_and_query` as sent ("/sms?api-version=2021-03-07"), `host` as in the Host header.
pub fn sign(
    key: &[u8],
    method: &str,
    path_and_query: &str,
    host: &str,
    body: &[u8],
    at: DateTime<Utc>,
) -> SignedHeaders {
    let content_sha256 = BASE64.encode(Sha256::digest(body));
    let date = at.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let to_sign = format!("{}\n{path_and_query}\n{date};{host};{content_sha256}", method.to_ascii_uppercase());
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts a key of any length");
    mac.update(to_sign.as_bytes());
    let signature = BASE64.encode(mac.finalize().into_bytes());
    SignedHeaders {
        date,
        content_sha256,
        authorization: format!("HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn when() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2022-04-13T18:09:12.451Z").unwrap().with_timezone(&Utc)
    }

    // azure-sdk-for-js communicationKeyCredentialPolicy.spec.ts: key "pw==" (the SDK uses the key's
    // base64-decoded bytes, so the raw HMAC key here is the decoding of "pw==").
    fn key() -> Vec<u8> {
        BASE64.decode("pw==").unwrap()
    }

    #[test]
    fn the_official_get_vectors() {
        let with_query = sign(&key(), "GET", "/testPath?testQuery=test", "example.com", b"", when());
        assert_eq!(with_query.date, "Wed, 13 Apr 2022 18:09:12 GMT");
        assert_eq!(with_query.content_sha256, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
        assert_eq!(
            with_query.authorization,
            "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=DGdgwggJWnQyc6EHjR/Vbqg1ES64KpD6U2XwTDDj3tU="
        );
        let without_query = sign(&key(), "GET", "/testPath", "example.com", b"", when());
        assert!(without_query.authorization.ends_with("Signature=+6tWkg3lNKVjQHHmxkdGQcJjUgzclsWTMebnuCz1ngU="));
    }

    #[test]
    fn the_crypto_helper_vectors() {
        assert_eq!(BASE64.encode(Sha256::digest(b"banana")), "tJPUg2Sv5E0RwBZc9HCkFk0eJgmRHvmYvoaNRq3j3k4=");
        let mut mac = Hmac::<Sha256>::new_from_slice(&key()).unwrap();
        mac.update(b"banana");
        assert_eq!(BASE64.encode(mac.finalize().into_bytes()), "88EC05aAS9iXnaimtNO78JLjiPtfWryQB/5QYEzEsu8=");
    }

    #[test]
    fn the_post_vector_for_a_send() {
        let body = br#"{"from":"+18005550100","smsRecipients":[{"to":"+15555550123"}],"message":"Hello world","smsSendOptions":{"enableDeliveryReport":true,"tag":"t1"}}"#;
        let path = "/sms?api-version=2021-03-07";
        let hosted = sign(&key(), "POST", path, "contoso.communication.azure.com", body, when());
        assert_eq!(hosted.content_sha256, "NVQUtrZDWrwZ4By2xjs4XM3d6M67Qyll6YChPqHpqiQ=");
        assert!(hosted.authorization.ends_with("Signature=MgVjfy0afAAfIaDO826UkSEaRyyzf16Vt23/Us6eRjE="));
        let local = sign(&key(), "POST", path, "127.0.0.1:8080", body, when());
        assert!(local.authorization.ends_with("Signature=4u2FLWUEfCoiVGNqWW4PqM4yM5NcCNZtHoNw2Acxx24="));
    }
}
