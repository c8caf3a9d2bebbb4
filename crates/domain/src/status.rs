use std::fmt;

/// A message's delivery status, in Twilio's vocabulary; other providers' statuses are mapped onto it.
///
/// Providers report statuses late, twice and out of order. A status only ever moves forward: see
/// [`MessageStatus::can_become`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageStatus {
    /// Outbound, waiting to be sent (by us or by the provider).
    Queued,
    /// Outbound, accepted by a messaging service.
    Accepted,
    /// Outbound, scheduled for later by the provider.
    Scheduled,
    Sending,
    Sent,
    PartiallyDelivered,
    Delivered,
    Undelivered,
    Failed,
    Canceled,
    /// Seen by the recipient (WhatsApp and RCS only).
    Read,
    /// Inbound, still arriving.
    Receiving,
    /// Inbound, arrived.
    Received,
}

#[derive(Debug, thiserror::Error)]
#[error("unknown message status {0:?}")]
pub struct UnknownStatus(pub String);

impl MessageStatus {
    pub const ALL: [MessageStatus; 13] = [
        MessageStatus::Queued,
        MessageStatus::Accepted,
        MessageStatus::Scheduled,
        MessageStatus::Sending,
        MessageStatus::Sent,
        MessageStatus::PartiallyDelivered,
        MessageStatus::Delivered,
        MessageStatus::Undelivered,
        MessageStatus::Failed,
        MessageStatus::Canceled,
        MessageStatus::Read,
        MessageStatus::Receiving,
        MessageStatus::Received,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Queued => "queued",
            MessageStatus::Accepted => "accepted",
            MessageStatus::Scheduled => "scheduled",
            MessageStatus::Sending => "sending",
            MessageStatus::Sent => "sent",
            MessageStatus::PartiallyDelivered => "partially_delivered",
            MessageStatus::Delivered => "delivered",
            MessageStatus::Undelivered => "undelivered",
            MessageStatus::Failed => "failed",
            MessageStatus::Canceled => "canceled",
            MessageStatus::Read => "read",
            MessageStatus::Receiving => "receiving",
            MessageStatus::Received => "received",
        }
    }

    pub fn parse(value: &str) -> Result<Self, UnknownStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == value).ok_or_else(|| UnknownStatus(value.to_owned()))
    }

    /// How far along the lifecycle a status is. Statuses of equal rank are alternatives (delivered or
    /// undelivered), so the first one reported wins.
    fn rank(self) -> u8 {
        match self {
            MessageStatus::Scheduled | MessageStatus::Receiving => 0,
            MessageStatus::Queued | MessageStatus::Accepted | MessageStatus::Received => 1,
            MessageStatus::Sending => 2,
            MessageStatus::Sent => 3,
            MessageStatus::PartiallyDelivered => 4,
            MessageStatus::Delivered | MessageStatus::Undelivered | MessageStatus::Failed | MessageStatus::Canceled => {
                5
            }
            MessageStatus::Read => 6,
        }
    }

    /// Whether nothing can follow this status: the message is done, one way or the other.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            MessageStatus::Undelivered | MessageStatus::Failed | MessageStatus::Canceled | MessageStatus::Read
        )
    }

    /// Whether a message in this status may move to `next`. Only forward moves are allowed, and nothing
    /// follows a failure: a late `sent` after `delivered`, or a `delivered` after `failed`, is ignored.
    pub fn can_become(self, next: MessageStatus) -> bool {
        !self.is_final() && next.rank() > self.rank()
    }

    /// Every status that may move to `next`; lets the database apply the rule in one conditional update.
    pub fn predecessors_of(next: MessageStatus) -> Vec<MessageStatus> {
        Self::ALL.into_iter().filter(|s| s.can_become(next)).collect()
    }
}

impl fmt::Display for MessageStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::MessageStatus::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_status_round_trips_through_its_name() {
        for status in MessageStatus::ALL {
            assert_eq!(MessageStatus::parse(status.as_str()).unwrap(), status);
        }
        assert!(MessageStatus::parse("Delivered").is_err());
    }

    #[test]
    fn the_usual_lifecycle_moves_forward() {
        let path = [Queued, Sending, Sent, Delivered, Read];
        for pair in path.windows(2) {
            assert!(pair[0].can_become(pair[1]), "{} -> {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn late_and_repeated_statuses_are_ignored() {
        let ignored = [
            (Delivered, Sent),
            (Delivered, Sending),
            (Delivered, Delivered),
            (Sent, Queued),
            (Failed, Delivered),
            (Undelivered, Delivered),
            (Delivered, Undelivered),
            (Read, Delivered),
        ];
        for (from, to) in ignored {
            assert!(!from.can_become(to), "{from} -> {to} must be ignored");
        }
    }

    #[test]
    fn a_queued_message_can_fail_before_it_is_sent() {
        assert!(Queued.can_become(Failed));
        assert!(Accepted.can_become(Undelivered));
    }

    #[test]
    fn predecessors_are_exactly_the_statuses_that_can_move_on() {
        let before_delivered = MessageStatus::predecessors_of(Delivered);
        assert!(before_delivered.contains(&Sent));
        assert!(before_delivered.contains(&Queued));
        assert!(!before_delivered.contains(&Delivered));
        assert!(!before_delivered.contains(&Failed));
    }

    fn any_status() -> impl Strategy<Value = MessageStatus> {
        proptest::sample::select(MessageStatus::ALL.to_vec())
    }

    proptest! {
        /// Applying reports in any order ends at the same place as applying them in the order they happened,
        /// as long as the true lifecycle has one outcome.
        #[test]
        fn any_order_of_reports_ends_at_the_furthest_status(
            outcome in proptest::sample::select(vec![Delivered, Undelivered, Failed]),
            shuffle in Just(vec![Queued, Sending, Sent]).prop_shuffle(),
            position in 0usize..4,
        ) {
            let mut reports = shuffle;
            reports.insert(position, outcome);
            let mut status = Queued;
            for report in reports {
                if status.can_become(report) {
                    status = report;
                }
            }
            prop_assert_eq!(status, outcome);
        }

        #[test]
        fn moves_never_go_backwards(a in any_status(), b in any_status()) {
            prop_assert!(!(a.can_become(b) && b.can_become(a)));
        }
    }
}
