//! Use cases: the only layer that decides what happens. File work runs off the async threads,
//! through directory handles (`kit::beneath`); index changes run in one tenant transaction.

pub mod cleanup;
pub mod files;
pub mod graph;
pub mod index;
pub mod scores;
pub mod search;
pub mod shared;
pub mod vault;

use kit::ApiError;

/// Runs file-system work on the blocking pool.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
