//! Opening a stream at the client's resume point and relaying it until it must end.
//!
//! No gap, no duplicate: the subscriber joins the hub's live feed *before* replaying from Redis,
//! so every entry is either already in Redis when the replay reads it or broadcast after the
//! join; the live side then skips every id at or below the last one sent. Ends: the client
//! leaves, the token expires, the tenant is suspended or deleted, the subscriber falls too far
//! behind (it resumes with its last id), the replica shuts down, or the stream says it is over.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use kit::auth::status::{self, Status, TenantState};
use kit::{ApiError, TenantContext};
use serde_json::json;
use tokio::sync::{broadcast, mpsc};
use tokio::time::{Instant, MissedTickBehavior, interval_at, sleep_until};

use crate::AppState;
use crate::domain::cursor::{Cursor, EntryId, missed_by_trim};
use crate::domain::frame::{Frame, comment};
use crate::domain::shape::{Entry, Shape};
use crate::flows::caps::CapGuard;
use crate::store::streams;
use crate::workers::hub::Subscription;

/// Entries per replay read.
const PAGE: usize = 500;
/// Frames queued for a client's socket before the relay waits for it.
const SOCKET_QUEUE: usize = 64;

/// What a stream sends at an idle moment.
#[derive(Debug, Clone)]
pub enum Beat {
    /// `: ping`.
    Comment,
    /// A named frame (`event: heartbeat` with its data), as the monolith's run streams sent.
    Named(&'static str, String),
}

/// One stream to open.
pub struct Plan {
    pub key: String,
    pub shape: Shape,
    pub cursor: Cursor,
    pub beat: Beat,
    /// Frames sent first (a swarm's state, a log stream's `connected`).
    pub first: Vec<Frame>,
    /// Frames sent between the replay and the live entries (a chat's `connected`).
    pub connected: Vec<Frame>,
    /// An entry after which the stream is over (a finished swarm).
    pub ends: Option<fn(&Entry) -> bool>,
}

impl Plan {
    /// A stream of `key` shown as `shape` from `cursor`, with `: ping` heartbeats.
    pub fn new(key: String, shape: Shape, cursor: Cursor) -> Self {
        Self {
            key,
            shape,
            cursor,
            beat: Beat::Comment,
            first: Vec::new(),
            connected: Vec::new(),
            ends: None,
        }
    }
}

/// Where the stream starts, decided before the response: the id after which entries are
/// replayed, and a `stream_reset` frame when the client's id is older than what is retained.
async fn starting_point(
    app: &AppState,
    key: &str,
    cursor: Cursor,
) -> redis::RedisResult<(EntryId, Option<Frame>)> {
    let redis = &app.platform.redis;
    match cursor {
        Cursor::Start => Ok((EntryId::ZERO, None)),
        Cursor::Live => Ok((streams::last_id(redis, key).await?, None)),
        Cursor::After(id) => {
            let kept = streams::retention(redis, key).await?;
            if !missed_by_trim(id, kept) {
                return Ok((id, None));
            }
            // The client missed trimmed entries: it reloads from the REST API, then follows
            // from now on. The frame carries the id to resume from after that reload.
            let now = streams::last_id(redis, key).await?;
            let data = json!({
                "type": "stream_reset",
                "lastEventId": id.to_string(),
                "firstId": kept.first.map(|f| f.to_string()),
            });
            Ok((now, Some(Frame::data(data.to_string()).with_id(now))))
        }
    }
}

/// Opens `plan` for `ctx`: refusals (caps, Redis down) are answered before any byte.
pub async fn open(
    app: &AppState,
    ctx: &TenantContext,
    mut plan: Plan,
    backfill: Vec<Frame>,
) -> Result<Response, ApiError> {
    let guard = app.caps.acquire(ctx)?;
    let unavailable = |err: redis::RedisError| {
        tracing::warn!(error = %err, "stream source unavailable");
        ApiError::unavailable(
            "stream_unavailable",
            "the event source is unavailable; retry",
        )
    };
    let sub = app.hub.subscribe(&plan.key).await.map_err(unavailable)?;
    let (after, reset) = starting_point(app, &plan.key, plan.cursor)
        .await
        .map_err(unavailable)?;
    plan.first.extend(reset);
    plan.first.extend(backfill);
    let (tx, rx) = mpsc::channel::<Bytes>(SOCKET_QUEUE);
    let pump = Pump {
        app: app.clone(),
        ctx: ctx.clone(),
        plan,
        after,
        tx,
        _guard: guard,
    };
    tokio::spawn(pump.run(sub));
    let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|b| (Ok::<_, std::convert::Infallible>(b), rx))
    }));
    let mut res = (StatusCode::OK, body).into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(res)
}

/// Why a stream ended (logged; the client learns it from a named `error` frame where useful).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Left,
    Expired,
    TenantClosed,
    Lagged,
    Shutdown,
    Over,
    SourceFailed,
}

struct Pump {
    app: AppState,
    ctx: TenantContext,
    plan: Plan,
    after: EntryId,
    tx: mpsc::Sender<Bytes>,
    _guard: CapGuard,
}

impl Pump {
    async fn run(mut self, mut sub: Subscription) {
        let end = self.relay(&mut sub).await;
        let notice = match end {
            End::Expired => Some((
                "token_expired",
                "the token expired; reconnect with a fresh one",
            )),
            End::TenantClosed => Some(("tenant_closed", "this tenant is suspended or deleted")),
            End::Lagged => Some(("lagged", "the client fell behind; resume from the last id")),
            End::SourceFailed => Some(("stream_unavailable", "the event source failed; resume")),
            End::Left | End::Shutdown | End::Over => None,
        };
        if let Some((code, detail)) = notice {
            let data = json!({ "code": code, "detail": detail }).to_string();
            let _ = self.tx.try_send(Frame::named("error", data).encode());
        }
        tracing::debug!(tenant = %self.ctx.tenant_id, key = %self.plan.key, ?end, "stream ended");
    }

    async fn send(&self, bytes: Bytes) -> Result<(), End> {
        tokio::select! {
            sent = self.tx.send(bytes) => sent.map_err(|_| End::Left),
            () = self.app.shutdown.cancelled() => Err(End::Shutdown),
        }
    }

    /// Sends `entry` if it is new and shown here; `Err(Over)` after a closing entry.
    async fn entry(&mut self, entry: &Entry) -> Result<(), End> {
        if entry.id <= self.after {
            return Ok(());
        }
        self.after = entry.id;
        if let Some(frame) = self.plan.shape.frame(entry) {
            self.send(frame.encode()).await?;
        }
        if self.plan.ends.is_some_and(|ends| ends(entry)) {
            return Err(End::Over);
        }
        Ok(())
    }

    async fn replay(&mut self) -> Result<(), End> {
        for frame in std::mem::take(&mut self.plan.first) {
            self.send(frame.encode()).await?;
        }
        loop {
            let page = streams::after(&self.app.platform.redis, &self.plan.key, self.after, PAGE)
                .await
                .map_err(|_| End::SourceFailed)?;
            for entry in &page {
                self.entry(entry).await?;
            }
            if page.len() < PAGE {
                break;
            }
        }
        for frame in std::mem::take(&mut self.plan.connected) {
            self.send(frame.encode()).await?;
        }
        Ok(())
    }

    async fn relay(&mut self, sub: &mut Subscription) -> End {
        if let Err(end) = self.replay().await {
            return end;
        }
        let config = self.app.config.clone();
        let start = Instant::now();
        let mut beat = interval_at(start + config.heartbeat(), config.heartbeat());
        let mut check = interval_at(start + config.status_check(), config.status_check());
        beat.set_missed_tick_behavior(MissedTickBehavior::Delay);
        check.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let expiry = start + until(self.ctx.claims.exp);
        loop {
            let step = tokio::select! {
                biased;
                () = self.app.shutdown.cancelled() => Err(End::Shutdown),
                () = self.tx.closed() => Err(End::Left),
                () = sleep_until(expiry) => Err(End::Expired),
                _ = check.tick() => self.tenant_open().await,
                received = sub.rx.recv() => match received {
                    Ok(entry) => self.entry(&entry).await,
                    Err(broadcast::error::RecvError::Lagged(_)) => Err(End::Lagged),
                    Err(broadcast::error::RecvError::Closed) => Err(End::SourceFailed),
                },
                _ = beat.tick() => {
                    let bytes = match &self.plan.beat {
                        Beat::Comment => comment("ping"),
                        Beat::Named(name, data) => Frame::named(name, data.clone()).encode(),
                    };
                    self.send(bytes).await
                }
            };
            if let Err(end) = step {
                return end;
            }
        }
    }

    async fn tenant_open(&self) -> Result<(), End> {
        match status::state(&self.app.platform, &self.ctx.tenant_id).await {
            Status::Known(TenantState::Suspended | TenantState::Deleted) => Err(End::TenantClosed),
            _ => Ok(()),
        }
    }
}

/// Time left until `exp` (seconds since the epoch).
fn until(exp: u64) -> Duration {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    Duration::from_secs(exp.saturating_sub(now))
}
