use uuid::Uuid;

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// A row holds a value the schema's checks should have refused.
    #[error("invalid value in the database: {0}")]
    Corrupt(String),
    /// The job's lease ran out and another worker took it over; this worker must not finish it.
    #[error("job {0} is no longer held by this worker")]
    LeaseLost(Uuid),
}

impl StoreError {
    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        StoreError::Corrupt(what.to_string())
    }
}
