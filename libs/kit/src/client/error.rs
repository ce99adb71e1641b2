//! Why a call to another service failed. The caller's client learns only that a dependency is
//! unavailable (503 with `Retry-After`); the cause is logged with the request id.

use std::time::Duration;

use axum::http::StatusCode;

use crate::error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("{target}: circuit open for another {retry_after:?}")]
    CircuitOpen {
        target: String,
        retry_after: Duration,
    },
    #[error("{target}: no answer in time")]
    Timeout { target: String },
    #[error("{target}: {source}")]
    Transport {
        target: String,
        source: reqwest::Error,
    },
    #[error("{target} answered {status}")]
    Server { target: String, status: StatusCode },
    /// An answer the caller did not expect (a non-2xx to `send_json`, an unreadable body).
    #[error("{target}: {detail} ({status:?})")]
    Unexpected {
        target: String,
        status: Option<StatusCode>,
        detail: String,
    },
    /// The call could not be built (URL, body, token); a bug on our side, not the target's.
    #[error("service call could not be built: {0:#}")]
    Build(anyhow::Error),
}

impl CallError {
    /// An answer below 500 is the target's word; everything else is a failure of the target.
    pub(crate) fn from_outcome(
        target: &str,
        outcome: Result<reqwest::Response, reqwest::Error>,
    ) -> Result<reqwest::Response, Self> {
        let target = target.to_owned();
        match outcome {
            Ok(res) if res.status().is_server_error() => Err(Self::Server {
                target,
                status: res.status(),
            }),
            Ok(res) => Ok(res),
            Err(err) if err.is_timeout() => Err(Self::Timeout { target }),
            Err(err) => Err(Self::Transport {
                target,
                source: err.without_url(),
            }),
        }
    }

    /// When the caller's client should try again.
    pub fn retry_after(&self) -> Duration {
        match self {
            Self::CircuitOpen { retry_after, .. } => *retry_after,
            _ => Duration::from_secs(1),
        }
    }
}

impl From<ApiError> for CallError {
    fn from(err: ApiError) -> Self {
        Self::Build(anyhow::anyhow!("{err}"))
    }
}

impl From<CallError> for ApiError {
    fn from(err: CallError) -> Self {
        if let CallError::Build(cause) = err {
            return ApiError::Internal(cause);
        }
        tracing::warn!(error = %err, "dependency unavailable");
        // Whole seconds, rounded up: a client told 0 would hammer the breaker.
        let secs = err.retry_after().as_millis().div_ceil(1000).max(1);
        ApiError::Client {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "unavailable",
            detail: "a service this request needs is unavailable; try again shortly".to_owned(),
            errors: Vec::new(),
            retry_after: Some(u64::try_from(secs).unwrap_or(u64::MAX)),
        }
    }
}
