use std::fmt;

/// What an outbound text was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// The assistant answering.
    Reply,
    /// The one confirmation of an opt-out; the only text an opted-out contact may receive.
    OptOutConfirmation,
    OptInConfirmation,
    Help,
    /// Ends the session: the contact's next text is greeted afresh.
    Goodbye,
    /// Written by a person and sent through the operators' API.
    Operator,
    /// The link to upload an ID photo.
    UploadLink,
    /// Confirms an ID photo arrived.
    UploadReceipt,
    /// An appointment's reminder, texted before it.
    Reminder,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Reply => "reply",
            Purpose::OptOutConfirmation => "opt_out_confirmation",
            Purpose::OptInConfirmation => "opt_in_confirmation",
            Purpose::Help => "help",
            Purpose::Goodbye => "goodbye",
            Purpose::Operator => "operator",
            Purpose::UploadLink => "upload_link",
            Purpose::UploadReceipt => "upload_receipt",
            Purpose::Reminder => "reminder",
        }
    }

    /// A text the business starts (an operator's, an upload link) rather than an answer to the contact's:
    /// it waits out the recipient's quiet hours, unless it answers their text of the last day.
    pub fn started_by_business(self) -> bool {
        matches!(self, Purpose::Operator | Purpose::UploadLink | Purpose::Reminder)
    }

    /// The only text an opted-out contact may still receive.
    pub fn reaches_the_opted_out(self) -> bool {
        self == Purpose::OptOutConfirmation
    }

    pub fn parse(value: &str) -> Option<Self> {
        [
            Purpose::Reply,
            Purpose::OptOutConfirmation,
            Purpose::OptInConfirmation,
            Purpose::Help,
            Purpose::Goodbye,
            Purpose::Operator,
            Purpose::UploadLink,
            Purpose::UploadReceipt,
            Purpose::Reminder,
        ]
        .into_iter()
        .find(|p| p.as_str() == value)
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
