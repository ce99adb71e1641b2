use std::time::Duration;

/// Everything the bus can fail with.
///
/// Callers usually only need to tell three cases apart: Redis misbehaved (retry later, or map to
/// an internal error), a value did not (de)serialize (a bug or a foreign writer), or a lease is no
/// longer ours (stop touching what it protected).
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),

    #[error("event JSON: {0}")]
    Json(#[from] serde_json::Error),

    #[error("stream entry {id} has no `{field}` field")]
    MissingField { id: String, field: &'static str },

    #[error("lease `{key}` is no longer held by `{holder}`")]
    LeaseLost { key: String, holder: String },

    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
}

impl BusError {
    /// The Redis error code (`NOGROUP`, `WRONGTYPE`, …) when Redis itself refused the command.
    pub fn redis_code(&self) -> Option<&str> {
        match self {
            Self::Redis(err) => err.code(),
            _ => None,
        }
    }
}
