//! Rate limits on the operators' API: per API key (every call) and per contact number (texts sent to one
//! person), answered with 429 and `Retry-After`. In memory, per process: behind a load balancer each
//! instance allows the rate, which bounds abuse without a shared store.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use uuid::Uuid;

use crate::error::ApiError;

pub struct RateLimits {
    per_key: DefaultKeyedRateLimiter<Uuid>,
    per_contact: DefaultKeyedRateLimiter<(Uuid, String)>,
}

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits").finish_non_exhaustive()
    }
}

impl RateLimits {
    /// `per_key_per_minute` calls per key, `per_contact_per_minute` texts to one contact per tenant; each
    /// may come in a burst up to the whole minute's worth.
    pub fn new(per_key_per_minute: u32, per_contact_per_minute: u32) -> Self {
        let quota = |n: u32| Quota::per_minute(NonZeroU32::new(n.max(1)).unwrap_or(NonZeroU32::MIN));
        RateLimits {
            per_key: RateLimiter::keyed(quota(per_key_per_minute)),
            per_contact: RateLimiter::keyed(quota(per_contact_per_minute)),
        }
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

    /// Drops keys whose limit has fully recovered, so memory follows the active keys, not all ever seen.
    fn forget_idle(&self) {
        if self.per_key.len() > 10_000 {
            self.per_key.retain_recent();
        }
        if self.per_contact.len() > 10_000 {
            self.per_contact.retain_recent();
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
        let limits = RateLimits::new(3, 2);
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
    }
}
