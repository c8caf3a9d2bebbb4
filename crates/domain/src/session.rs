//! Sessions: a conversation is one long thread per contact, cut into sessions by pauses and goodbyes.
//!
//! A contact who writes after a pause longer than the session window (30 minutes unless the assistant says
//! otherwise), or after the assistant said goodbye, starts a new session, and the first reply of a session
//! is the assistant's greeting. The rule is computed from the messages themselves, so there is no session
//! state to keep in step.

use chrono::{DateTime, TimeDelta, Utc};

use crate::Direction;

/// The pause that ends a session when an assistant does not set its own.
pub const DEFAULT_WINDOW: TimeDelta = TimeDelta::minutes(30);

/// A message as the session rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Turn {
    pub direction: Direction,
    pub at: DateTime<Utc>,
    /// The business said goodbye: whatever comes next is a new session.
    pub closes_session: bool,
}

impl Turn {
    pub fn new(direction: Direction, at: DateTime<Utc>) -> Turn {
        Turn { direction, at, closes_session: false }
    }
}

/// The turns of the current session: the newest run of `turns` (oldest first) with no pause longer than
/// `window` between neighbours and no goodbye before its last turn.
pub fn current(turns: &[Turn], window: TimeDelta) -> &[Turn] {
    let start = turns
        .windows(2)
        .rposition(|pair| pair[1].at - pair[0].at > window || pair[0].closes_session)
        .map_or(0, |cut| cut + 1);
    &turns[start..]
}

/// Whether the business has not written yet in the current session, so its next message is the greeting.
pub fn awaits_greeting(turns: &[Turn], window: TimeDelta) -> bool {
    current(turns, window).iter().all(|turn| turn.direction == Direction::Inbound)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Direction::{Inbound, Outbound};

    fn at(minute: i64) -> DateTime<Utc> {
        DateTime::UNIX_EPOCH + TimeDelta::minutes(minute)
    }

    fn turns(spec: &[(Direction, i64)]) -> Vec<Turn> {
        spec.iter().map(|&(direction, minute)| Turn::new(direction, at(minute))).collect()
    }

    #[test]
    fn a_first_message_awaits_the_greeting() {
        assert!(awaits_greeting(&turns(&[(Inbound, 0)]), DEFAULT_WINDOW));
    }

    #[test]
    fn a_reply_within_the_window_continues_the_session() {
        let history = turns(&[(Inbound, 0), (Outbound, 1), (Inbound, 20)]);
        assert!(!awaits_greeting(&history, DEFAULT_WINDOW));
        assert_eq!(current(&history, DEFAULT_WINDOW).len(), 3);
    }

    #[test]
    fn a_message_after_a_long_pause_starts_a_new_session() {
        let history = turns(&[(Inbound, 0), (Outbound, 1), (Inbound, 32)]);
        assert!(awaits_greeting(&history, DEFAULT_WINDOW));
        assert_eq!(current(&history, DEFAULT_WINDOW).len(), 1);
    }

    #[test]
    fn exactly_the_window_is_still_the_same_session() {
        let history = turns(&[(Inbound, 0), (Outbound, 1), (Inbound, 31)]);
        assert!(!awaits_greeting(&history, DEFAULT_WINDOW));
    }

    #[test]
    fn a_burst_of_texts_before_any_reply_shares_one_greeting() {
        let history = turns(&[(Outbound, 0), (Inbound, 90), (Inbound, 91), (Inbound, 92)]);
        assert!(awaits_greeting(&history, DEFAULT_WINDOW));
        assert_eq!(current(&history, DEFAULT_WINDOW).len(), 3);
    }

    #[test]
    fn an_operator_message_in_the_session_counts_as_the_business_writing() {
        let history = turns(&[(Outbound, 0), (Inbound, 5)]);
        assert!(!awaits_greeting(&history, DEFAULT_WINDOW));
    }

    #[test]
    fn a_text_after_a_goodbye_starts_a_new_session() {
        let mut history = turns(&[(Inbound, 0), (Outbound, 1), (Inbound, 2), (Outbound, 3), (Inbound, 5)]);
        history[3].closes_session = true;
        assert!(awaits_greeting(&history, DEFAULT_WINDOW));
        assert_eq!(current(&history, DEFAULT_WINDOW).len(), 1);
    }

    #[test]
    fn a_custom_window_is_respected() {
        let history = turns(&[(Inbound, 0), (Outbound, 1), (Inbound, 12)]);
        assert!(awaits_greeting(&history, TimeDelta::minutes(10)));
        assert!(!awaits_greeting(&history, TimeDelta::minutes(15)));
    }
}
