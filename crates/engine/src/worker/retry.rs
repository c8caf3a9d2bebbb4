use std::time::Duration;

/// The longest `Retry-After` honoured; a provider asking for more is retried after this.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// When a failed job runs again: exponential backoff with jitter, never sooner than the other side asked.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub base: Duration,
    pub max: Duration,
}

impl RetryPolicy {
    /// The wait after attempt `attempt` (1 for the first) failed: `base × 2^(attempt−1)`, capped at `max`,
    /// then jittered to between half and all of it so jobs that failed together do not retry together.
    pub fn delay(&self, attempt: i32, retry_after: Option<Duration>) -> Duration {
        let doublings = u32::try_from(attempt.saturating_sub(1)).unwrap_or(0).min(30);
        let backoff = self.base.saturating_mul(1 << doublings).min(self.max);
        let jittered = backoff.mul_f64(rand::random_range(0.5..=1.0));
        match retry_after {
            Some(asked) => jittered.max(asked.min(MAX_RETRY_AFTER)),
            None => jittered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RetryPolicy = RetryPolicy { base: Duration::from_secs(1), max: Duration::from_secs(60) };

    #[test]
    fn delays_double_within_their_jitter_and_stop_at_the_cap() {
        for (attempt, full) in [(1, 1), (2, 2), (3, 4), (4, 8), (7, 60), (40, 60)] {
            for _ in 0..50 {
                let delay = POLICY.delay(attempt, None);
                let full = Duration::from_secs(full);
                assert!(delay >= full / 2 && delay <= full, "attempt {attempt}: {delay:?}");
            }
        }
    }

    #[test]
    fn retry_after_is_a_floor() {
        assert!(POLICY.delay(1, Some(Duration::from_secs(30))) >= Duration::from_secs(30));
        assert!(POLICY.delay(1, Some(Duration::from_secs(86_400))) == MAX_RETRY_AFTER);
        let short = POLICY.delay(5, Some(Duration::from_millis(1)));
        assert!(short >= Duration::from_secs(8), "a short Retry-After does not shorten the backoff: {short:?}");
    }

    #[test]
    fn jitter_spreads_retries() {
        let delays: std::collections::HashSet<_> = (0..20).map(|_| POLICY.delay(4, None)).collect();
        assert!(delays.len() > 1);
    }
}
