//! What some streams send before their live entries: a log stream's last lines, an agent
//! activity feed's last events. Both return the frames and the id the stream continues after.

use kit::ApiError;
use serde_json::{Value, json};

use crate::AppState;
use crate::domain::cursor::{Cursor, EntryId};
use crate::domain::frame::Frame;
use crate::domain::shape::{Entry, Shape, about_agent};
use crate::store::streams;

/// Entries read per page while looking back for an agent's events.
const PAGE: usize = 500;
/// The most entries of the tenant's stream looked at for one agent's backfill.
const SCAN_LIMIT: usize = 10_000;

fn unavailable(err: redis::RedisError) -> ApiError {
    tracing::warn!(error = %err, "stream source unavailable");
    ApiError::unavailable(
        "stream_unavailable",
        "the event source is unavailable; retry",
    )
}

fn continue_after(top: Option<EntryId>) -> Cursor {
    top.map_or(Cursor::Start, Cursor::After)
}

/// The last `n` entries of `key` as `shape` frames, oldest first.
pub async fn tail(
    app: &AppState,
    key: &str,
    n: usize,
    shape: &Shape,
) -> Result<(Vec<Frame>, Cursor), ApiError> {
    let mut newest_first = streams::before(&app.platform.redis, key, None, n.max(1))
        .await
        .map_err(unavailable)?;
    let top = newest_first.first().map(|e| e.id);
    if n == 0 {
        newest_first.clear();
    }
    let frames = newest_first
        .iter()
        .rev()
        .filter_map(|e| shape.frame(e))
        .collect();
    Ok((frames, continue_after(top)))
}

/// The agent's last `limit` events in the tenant's stream, oldest first with
/// `"phase": "backfill"`, then its current state (`current_state`, from its last
/// `AGENT_STATE_CHANGED` among them) — the monolith activity feed's opening.
pub async fn activity(
    app: &AppState,
    key: &str,
    agent: &str,
    limit: usize,
) -> Result<(Vec<Frame>, Cursor), ApiError> {
    let redis = &app.platform.redis;
    let mut found: Vec<Entry> = Vec::new();
    let mut state: Option<Value> = None;
    let mut top = None;
    let mut before = None;
    let mut scanned = 0;
    while found.len() < limit && scanned < SCAN_LIMIT {
        let page = streams::before(redis, key, before, PAGE)
            .await
            .map_err(unavailable)?;
        top = top.or(page.first().map(|e| e.id));
        scanned += page.len();
        for entry in &page {
            if !about_agent(&entry.json, agent, true) {
                continue;
            }
            if state.is_none() && entry.json["type"] == "AGENT_STATE_CHANGED" {
                state = Some(json!({
                    "state": entry.json.get("newState").cloned().unwrap_or(Value::Null),
                    "since": entry.json.get("timestamp").cloned().unwrap_or(Value::Null),
                }));
            }
            if found.len() < limit {
                found.push(entry.clone());
            }
        }
        match page.last() {
            Some(last) if page.len() == PAGE => before = Some(last.id),
            _ => break,
        }
    }
    let mut frames: Vec<Frame> = found
        .iter()
        .rev()
        .map(|e| {
            let mut json = e.json.clone();
            if let Some(object) = json.as_object_mut() {
                object.insert("phase".into(), json!("backfill"));
            }
            Frame::data(json.to_string()).with_id(e.id)
        })
        .collect();
    let current = json!({"type": "current_state", "phase": "backfill", "data": state});
    frames.push(Frame::data(current.to_string()));
    Ok((frames, continue_after(top)))
}
