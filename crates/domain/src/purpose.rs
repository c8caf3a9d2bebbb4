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
        }
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
