//! Rate limits on the operators' API: per API key (every call), per contact number (texts sent to one
//! person) and per chat (messages typed into a chat or a test conversation), answered with 429 and
//! `Retry-After`. In memory, per process: behind a load balancer each
//! instance allows the rate, which bounds abuse without a shared store.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use uuid::Uuid;

use crate::error::ApiError;

pub struct RateLimits {
    per_key: DefaultKeyedRateLimiter<Uuid>,
    per_contact: DefaultKeyedRateLimiter<(Uuid, String)>,
    per_chat: DefaultKeyedRateLimiter<(Uuid, String)>,
    failed_keys: FailedKeys,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits").finish_non_exhaustive()
    }
}

impl RateLimits {
    /// `per_key_per_minute` calls per key, `per_contact_per_minute` texts to one contact per tenant,
    /// `per_chat_per_minute` messages from one chat; each may come in a burst up to the whole minute's worth.
    pub fn new(per_key_per_minute: u32, per_contact_per_minute: u32, per_chat_per_minute: u32) -> Self {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN));
        RateLimits {
            per_key: RateLimiter::keyed(quota(per_key_per_minute)),
            per_contact: RateLimiter::keyed(quota(per_contact_per_minute)),
            per_chat: RateLimiter::keyed(quota(per_chat_per_minute)),
            failed_keys: FailedKeys::default(),
        }
    }

    /// Whether a key from `client` may be looked up: not after [`FAILED_KEYS_PER_MINUTE`] wrong ones from
    /// the same address in the last minute. Refused before the database is asked, so guessing keys is slow
    /// and costs the database nothing. The key counts as wrong until [`RateLimits::key_found`].
    pub fn key_lookup(&self, client: IpAddr) -> Result<(), ApiError> {
        self.failed_keys
            .reserve(client, Instant::now())
            .map_err(|wait| too_many("too many wrong API keys from this address", wait))
    }

    /// The key `client` presented turned out valid: it does not count against the address.
    pub fn key_found(&self, client: IpAddr) {
        self.failed_keys.release(client);
    }

    /// A call with the key `key_id` (the tenant's id stands in for the bootstrap key).
    pub fn call(&self, key_id: Uuid) -> Result<(), ApiError> {
        self.per_key.check_key(&key_id).map_err(|not_until| {
            too_many("too many calls with this API key", not_until.wait_time_from(DefaultClock::default().now()))
        })?;
        self.forget_idle();
        Ok(())
    }

    /// A text from `tenant_id` to `contact`.
    pub fn text_to(&self, tenant_id: Uuid, contact: &str) -> Result<(), ApiError> {
        self.per_contact.check_key(&(tenant_id, contact.to_owned())).map_err(|not_until| {
            too_many("too many texts to this contact", not_until.wait_time_from(DefaultClock::default().now()))
        })
    }

    /// A message typed by `contact` (a chat session, or an operator's test contact) to `tenant_id`'s
    /// assistant: a person answering a form, who writes more often than a business may text anyone.
    pub fn message_from(&self, tenant_id: Uuid, contact: &str) -> Result<(), ApiError> {
        self.per_chat.check_key(&(tenant_id, contact.to_owned())).map_err(|not_until| {
            too_many("too many messages in this chat", not_until.wait_time_from(DefaultClock::default().now()))
        })
    }

    /// Drops keys whose limit has fully recovered, so memory follows the active keys, not all ever seen.
    fn forget_idle(&self) {
        if self.per_key.len() > 10_000 {
            self.per_key.retain_recent();
        }
        if self.per_contact.len() > 10_000 {
            self.per_contact.retain_recent();
        }
        if self.per_chat.len() > 10_000 {
            self.per_chat.retain_recent();
        }
    }
}

/// Wrong API keys one client address may present in a minute.
pub const FAILED_KEYS_PER_MINUTE: u32 = 20;

/// Wrong keys per client address, in fixed one-minute windows.
#[derive(Debug, Default)]
struct FailedKeys {
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl FailedKeys {
    const WINDOW: Duration = Duration::from_secs(60);
    /// Addresses kept before the ones whose minute is over are dropped.
    const ADDRESSES: usize = 10_000;

    /// Counts a lookup from `client` as a wrong key, unless the address has used up its minute.
    fn reserve(&self, client: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Memory follows the addresses failing now, not every one ever seen.
        if windows.len() >= Self::ADDRESSES && !windows.contains_key(&client) {
            windows.retain(|_, (started, _)| now < *started + Self::WINDOW);
        }
        let window = windows.entry(client).or_insert((now, 0));
        if now >= window.0 + Self::WINDOW {
            *window = (now, 0);
        }
        if window.1 >= FAILED_KEYS_PER_MINUTE {
            return Err(window.0 + Self::WINDOW - now);
        }
        window.1 += 1;
        Ok(())
    }

    /// Takes back a lookup counted by [`FailedKeys::reserve`]: the key was good.
    fn release(&self, client: IpAddr) {
        let mut windows = self.windows.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(window) = windows.get_mut(&client) {
            window.1 = window.1.saturating_sub(1);
        }
    }
}

fn too_many(what: &str, wait: Duration) -> ApiError {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    ApiError::too_many_requests(format!("{what}; try again in {seconds} s"), seconds.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_minute_then_waits_and_others_are_unaffected() {
        let limits = RateLimits::new(3, 2, 4);
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        for _ in 0..3 {
            assert!(limits.call(a).is_ok());
        }
        assert!(limits.call(a).is_err());
        assert!(limits.call(b).is_ok());
        assert!(limits.text_to(a, "+15551234567").is_ok());
        assert!(limits.text_to(a, "+15551234567").is_ok());
        assert!(limits.text_to(a, "+15551234567").is_err());
        assert!(limits.text_to(a, "+15557654321").is_ok());
        for _ in 0..4 {
            assert!(limits.message_from(a, "+15551234567").is_ok(), "a chat's messages are counted apart");
        }
        assert!(limits.message_from(a, "+15551234567").is_err());
    }

    #[test]
    fn an_address_that_keeps_presenting_wrong_keys_waits_out_the_minute() {
        let failed = FailedKeys::default();
        let (guesser, other) = ("203.0.113.9".parse().unwrap(), "198.51.100.7".parse().unwrap());
        let start = Instant::now();
        for _ in 0..FAILED_KEYS_PER_MINUTE {
            assert!(failed.reserve(guesser, start).is_ok());
        }
        assert!(failed.reserve(guesser, start + Duration::from_secs(30)).is_err());
        for _ in 0..2 * FAILED_KEYS_PER_MINUTE {
            assert!(failed.reserve(other, start).is_ok(), "another address's good keys never count");
            failed.release(other);
        }
        assert!(failed.reserve(guesser, start + Duration::from_secs(61)).is_ok(), "a new minute");
    }
}
