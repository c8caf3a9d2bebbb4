//! Upload links: `/upload/{token}`, where the token is the conversation's id and an expiry time, signed
//! (HMAC-SHA256, truncated to 128 bits) with UPLOAD_LINK_SECRET. It carries nothing personal: a random id
//! and a time. Nothing is stored per link, so a link lives until it expires or its conversation is erased.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use uuid::Uuid;

const ID_BYTES: usize = 16;
const EXPIRY_BYTES: usize = 8;
const MAC_BYTES: usize = 16;
const TOKEN_BYTES: usize = ID_BYTES + EXPIRY_BYTES + MAC_BYTES;

/// Makes and checks upload links.
#[derive(Clone)]
pub struct UploadLinks {
    secret: SecretString,
    /// How long a link works.
    pub lifetime: TimeDelta,
    /// PUBLIC_BASE_URL, which links start with.
    base_url: String,
}

/// A genuine, working link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    pub conversation_id: Uuid,
    /// When it stops working; also what tells two links to one conversation apart.
    pub expires_at: DateTime<Utc>,
}

/// Why a token was refused. Each is shown to the person as the same friendly page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the link is malformed")]
    Malformed,
    #[error("the link's signature does not match")]
    Forged,
    #[error("the link has expired")]
    Expired,
}

impl UploadLinks {
    pub fn new(secret: SecretString, lifetime: TimeDelta, base_url: &str) -> Self {
        UploadLinks { secret, lifetime, base_url: base_url.trim_end_matches('/').to_owned() }
    }

    /// A link to upload into the conversation, working until `now + lifetime`.
    pub fn link(&self, conversation_id: Uuid, now: DateTime<Utc>) -> (String, DateTime<Utc>) {
        let expires_at = now + self.lifetime;
        let mut token = Vec::with_capacity(TOKEN_BYTES);
        token.extend_from_slice(conversation_id.as_bytes());
        token.extend_from_slice(&expires_at.timestamp().to_be_bytes());
        let mac = self.mac(&token);
        token.extend_from_slice(&mac);
        (format!("{}/upload/{}", self.base_url, URL_SAFE_NO_PAD.encode(token)), expires_at)
    }

    /// The link a token is, if it is genuine and not expired.
    pub fn verify(&self, token: &str, now: DateTime<Utc>) -> Result<Link, TokenError> {
        let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| TokenError::Malformed)?;
        if bytes.len() != TOKEN_BYTES {
            return Err(TokenError::Malformed);
        }
        let (signed, mac) = bytes.split_at(ID_BYTES + EXPIRY_BYTES);
        let mut check = self.hmac();
        check.update(signed);
        // Compared in constant time, against the truncated tag.
        check.verify_truncated_left(mac).map_err(|_| TokenError::Forged)?;
        let (id, expiry) = signed.split_at(ID_BYTES);
        let expiry = i64::from_be_bytes(expiry.try_into().map_err(|_| TokenError::Malformed)?);
        if now.timestamp() >= expiry {
            return Err(TokenError::Expired);
        }
        let conversation_id = Uuid::from_slice(id).map_err(|_| TokenError::Malformed)?;
        let expires_at = DateTime::from_timestamp(expiry, 0).ok_or(TokenError::Malformed)?;
        Ok(Link { conversation_id, expires_at })
    }

    fn hmac(&self) -> Hmac<Sha256> {
        Hmac::<Sha256>::new_from_slice(self.secret.expose_secret().as_bytes())
            .expect("HMAC accepts a key of any length")
    }

    fn mac(&self, signed: &[u8]) -> [u8; MAC_BYTES] {
        let mut mac = self.hmac();
        mac.update(signed);
        let full = mac.finalize().into_bytes();
        let mut truncated = [0; MAC_BYTES];
        truncated.copy_from_slice(&full[..MAC_BYTES]);
        truncated
    }
}

impl std::fmt::Debug for UploadLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadLinks").field("lifetime", &self.lifetime).field("base_url", &self.base_url).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(secret: &str) -> UploadLinks {
        UploadLinks::new(secret.to_owned().into(), TimeDelta::hours(24), "https://sms.example.test/")
    }

    fn token(link: &str) -> &str {
        link.rsplit('/').next().unwrap_or_default()
    }

    #[test]
    fn a_link_works_for_its_conversation_until_it_expires() {
        let (links, id, now) = (links("s3cret"), Uuid::now_v7(), Utc::now());
        let (link, expires_at) = links.link(id, now);
        assert!(link.starts_with("https://sms.example.test/upload/") && link.len() < 90, "{link}");
        let verified = links.verify(token(&link), now + TimeDelta::hours(23)).unwrap();
        assert_eq!((verified.conversation_id, verified.expires_at.timestamp()), (id, expires_at.timestamp()));
        assert_eq!(links.verify(token(&link), expires_at), Err(TokenError::Expired));
    }

    #[test]
    fn a_changed_or_foreign_token_is_refused() {
        let (id, now) = (Uuid::now_v7(), Utc::now());
        let (link, _) = links("s3cret").link(id, now);
        assert_eq!(links("other").verify(token(&link), now), Err(TokenError::Forged));

        let mut bytes = URL_SAFE_NO_PAD.decode(token(&link)).unwrap();
        bytes[ID_BYTES + EXPIRY_BYTES - 1] ^= 1; // a later expiry
        assert_eq!(links("s3cret").verify(&URL_SAFE_NO_PAD.encode(&bytes), now), Err(TokenError::Forged));
        for junk in ["", "abc", "../../etc/passwd", &"A".repeat(54)] {
            assert!(links("s3cret").verify(junk, now).is_err(), "{junk}");
        }
    }
}
