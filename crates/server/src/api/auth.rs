//! API keys: made at random, shown once, kept as SHA-256, sent as `Authorization: Bearer <key>`.

use std::fmt::Write;
use std::future::{Ready, ready};
use std::net::IpAddr;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::AUTHORIZATION;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use smsagent_store::tenants::{self, KeyOwner};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;

/// What every key starts with, so a leaked one is easy to recognise (and to scan for).
const KEY_PREFIX: &str = "sk_smsagent_";
/// Characters of a key kept in the clear to tell keys apart.
const SHOWN_CHARACTERS: usize = KEY_PREFIX.len() + 6;

/// A key as made: the key itself, to show once, and what is stored.
#[derive(Debug)]
pub struct NewKey {
    pub key: SecretString,
    pub hash: [u8; 32],
    pub prefix: String,
}

/// A new key: 256 random bits.
pub fn new_key() -> NewKey {
    let bytes: [u8; 32] = rand::random();
    let mut key = String::from(KEY_PREFIX);
    for byte in bytes {
        let _ = write!(key, "{byte:02x}");
    }
    NewKey { hash: hash(&key), prefix: key[..SHOWN_CHARACTERS].to_owned(), key: key.into() }
}

/// What is stored for a key, and looked up when one is presented.
pub fn hash(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// API_BOOTSTRAP_KEY's hash, compared in memory: the key needs no row (the service starts without its
/// database, and a replaced key stops working with the restart that replaces it).
#[derive(Clone)]
pub struct BootstrapKey([u8; 32]);

impl BootstrapKey {
    pub fn new(key: &SecretString) -> Self {
        BootstrapKey(hash(key.expose_secret()))
    }

    fn matches(&self, presented: &[u8; 32]) -> bool {
        self.0.ct_eq(presented).into()
    }
}

impl std::fmt::Debug for BootstrapKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BootstrapKey(…)")
    }
}

/// The tenant a request speaks for, from its API key, as [`authenticate`] found it.
#[derive(Debug, Clone, Copy)]
pub struct Operator(pub KeyOwner);

impl Operator {
    pub fn tenant_id(&self) -> Uuid {
        self.0.tenant_id
    }
}

impl FromRequest for Operator {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let owner = req.extensions().get::<KeyOwner>().copied();
        ready(owner.map(Operator).ok_or_else(|| {
            ApiError::internal(anyhow::anyhow!("{} takes an Operator but is not behind authenticate", req.path()))
        }))
    }
}

/// Wraps every operators' API resource: the key is checked, and the key's rate, before anything else of the
/// request is read or validated, so a caller without a valid key learns nothing but 401 (never whether its
/// path, query or body would have passed). Wrong keys from one address are limited before the database is
/// asked ([`crate::api::limits::RateLimits::key_lookup`]).
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("no application state")))?;
    let presented = hash(&bearer(req.request())?);
    let owner = if state.bootstrap_key.as_ref().is_some_and(|key| key.matches(&presented)) {
        KeyOwner { tenant_id: tenants::DEFAULT_TENANT, key_id: None }
    } else {
        // Counted as wrong until the lookup says otherwise: lookups at once cannot outrun the limit.
        let client = client_address(req.request(), &state.trusted_proxies);
        state.limits.key_lookup(client)?;
        let owner = tenants::key_owner(&state.pool, &presented).await.map_err(ApiError::from)?;
        let Some(owner) = owner else {
            return Err(ApiError::unauthorized("the API key is not valid (unknown or revoked)").into());
        };
        state.limits.key_found(client);
        owner
    };
    state.limits.call(owner.key_id.unwrap_or(owner.tenant_id))?;
    req.extensions_mut().insert(owner);
    next.call(req).await
}

/// Who is calling, for limits: the peer, or, when the peer is one of our proxies (TRUSTED_PROXIES), the
/// address it says it saw (the last X-Forwarded-For entry, the one the proxy appended; earlier ones are the
/// caller's own say).
fn client_address(req: &HttpRequest, trusted_proxies: &[IpAddr]) -> IpAddr {
    let peer = req.peer_addr().map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip());
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    req.headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<IpAddr>().ok())
        .last()
        .unwrap_or(peer)
}

fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let missing = || ApiError::unauthorized("send an API key as \"Authorization: Bearer <key>\"");
    let header = req.headers().get(AUTHORIZATION).ok_or_else(missing)?;
    let value = header.to_str().map_err(|_| missing())?;
    let (scheme, key) = value.split_once(' ').ok_or_else(missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") || key.trim().is_empty() {
        return Err(missing());
    }
    Ok(key.trim().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_and_only_their_hash_identifies_them() {
        let (a, b) = (new_key(), new_key());
        assert_ne!(a.key.expose_secret(), b.key.expose_secret());
        assert_eq!(a.key.expose_secret().len(), KEY_PREFIX.len() + 64);
        assert_eq!(hash(a.key.expose_secret()), a.hash);
        assert!(a.key.expose_secret().starts_with(&a.prefix));
        assert_eq!(a.prefix.len(), SHOWN_CHARACTERS);
    }
}
