//! A request's API key, sent as `Authorization: Bearer <key>`: checked on every keyed resource, and the tenant it
//! speaks for (`Operator`). How keys are made and kept is `api_keys`'s.

use std::future::{Ready, ready};
use std::net::IpAddr;

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::AUTHORIZATION;
use actix_web::middleware::Next;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use smsagent_store::tenants::{self, KeyOwner};
use uuid::Uuid;

use crate::api_keys::hash;
use crate::error::ApiError;
use crate::state::AppState;

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
