//! `Idempotency-Key` for POST: the same key with the same request replays the stored response;
//! the same key with a different request is refused (422). Keys are scoped to the caller
//! (tenant + subject), held while the first request runs, and kept 24 hours once answered.
//!
//! Only a 2xx answer is stored; any other releases the key, so the client can fix the request
//! or retry it. A response that carries a secret (a new API key, a TOTP secret, recovery
//! codes) must not sit in Redis for a day: such routes add [`withhold`] (the response gets
//! `Cache-Control: no-store`), and then only the fact that the key was used is kept. A replay
//! answers 409 `idempotency_response_withheld` instead of the secret, so the operation still
//! happens at most once (security review L1).

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::Platform;
use crate::auth::TenantContext;
use crate::error::ApiError;

pub const HEADER: &str = "idempotency-key";
pub const REPLAYED_HEADER: &str = "idempotent-replayed";
const MAX_KEY_LEN: usize = 255;
const IN_PROGRESS_TTL_SECS: u64 = 60;
const DONE_TTL_SECS: u64 = 24 * 3600;
/// Responses larger than this are not stored (the key is released instead).
const MAX_STORED_BODY: usize = 1024 * 1024;

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
enum Record {
    InProgress {
        fingerprint: String,
    },
    Done {
        fingerprint: String,
        status: u16,
        content_type: Option<String>,
        body: String,
    },
    /// Answered with a secret that was not kept.
    Withheld {
        fingerprint: String,
    },
}

/// The layer a route holding secrets in its responses adds (`.route_layer(withhold())`): its
/// responses say `Cache-Control: no-store`, which this middleware honours by keeping no body.
pub fn withhold() -> tower_http::set_header::SetResponseHeaderLayer<HeaderValue> {
    tower_http::set_header::SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    )
}

fn says_no_store(res: &Response) -> bool {
    res.headers()
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|d| d.trim().eq_ignore_ascii_case("no-store"))
}

fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

pub async fn layer(State(platform): State<Platform>, req: Request, next: Next) -> Response {
    let key = req.headers().get(HEADER).cloned();
    let ctx = req.extensions().get::<TenantContext>().cloned();
    match (req.method() == Method::POST, key, ctx) {
        (true, Some(key), Some(ctx)) => match handle(&platform, &ctx, &key, req, next).await {
            Ok(res) | Err(res) => res,
        },
        _ => next.run(req).await,
    }
}

async fn handle(
    platform: &Platform,
    ctx: &TenantContext,
    key: &HeaderValue,
    req: Request,
    next: Next,
) -> Result<Response, Response> {
    let key = key
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= MAX_KEY_LEN)
        .ok_or_else(|| {
            ApiError::bad_request(
                "invalid_idempotency_key",
                format!("Idempotency-Key must be 1 to {MAX_KEY_LEN} visible characters"),
            )
            .into_response()
        })?;
    let (parts, body) = req.into_parts();
    let body = to_bytes(body, platform.config.body_limit_bytes)
        .await
        .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE.into_response())?;
    let path = parts.uri.path_and_query().map_or("", |p| p.as_str());
    let fingerprint = sha256_hex(&[parts.method.as_str().as_bytes(), path.as_bytes(), &body]);
    let redis_key = platform.keys.idempotency(
        &ctx.tenant_id,
        &sha256_hex(&[ctx.subject().as_bytes(), key.as_bytes()]),
    );
    let mut conn = platform.redis.clone();
    let internal = |e: redis::RedisError| ApiError::from(e).into_response();

    let marker = serde_json::to_string(&Record::InProgress {
        fingerprint: fingerprint.clone(),
    })
    .map_err(|e| ApiError::internal(e).into_response())?;
    let claimed: bool = redis::cmd("SET")
        .arg(&redis_key)
        .arg(&marker)
        .arg("NX")
        .arg("EX")
        .arg(IN_PROGRESS_TTL_SECS)
        .query_async::<Option<String>>(&mut conn)
        .await
        .map_err(internal)?
        .is_some();
    if !claimed {
        let stored: Option<String> = conn.get(&redis_key).await.map_err(internal)?;
        return Err(answer_existing(stored.as_deref(), &fingerprint));
    }

    let res = next.run(Request::from_parts(parts, Body::from(body))).await;
    store(&mut conn, &redis_key, fingerprint, res).await
}

/// What to answer when the key is already taken.
fn answer_existing(stored: Option<&str>, fingerprint: &str) -> Response {
    let reused = || {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "Idempotency-Key was already used with a different request",
        )
        .into_response()
    };
    match stored.and_then(|s| serde_json::from_str::<Record>(s).ok()) {
        Some(Record::Done {
            fingerprint: f,
            status,
            content_type,
            body,
        }) if f == fingerprint => replay(status, content_type, body),
        Some(Record::Withheld { fingerprint: f }) if f == fingerprint => ApiError::conflict(
            "idempotency_response_withheld",
            "a request with this Idempotency-Key already succeeded; its response held a secret \
             and was not kept",
        )
        .into_response(),
        Some(Record::InProgress { fingerprint: f }) if f == fingerprint => ApiError::conflict(
            "idempotency_in_progress",
            "a request with this Idempotency-Key is still being processed",
        )
        .into_response(),
        Some(_) => reused(),
        // Expired between SET NX and GET: tell the client to retry rather than guess.
        None => ApiError::conflict("idempotency_in_progress", "retry the request").into_response(),
    }
}

fn replay(status: u16, content_type: Option<String>, body: String) -> Response {
    let mut res = Response::new(Body::from(body));
    *res.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    if let Some(ct) = content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
        res.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    res.headers_mut()
        .insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    res
}

async fn store(
    conn: &mut redis::aio::ConnectionManager,
    redis_key: &str,
    fingerprint: String,
    res: Response,
) -> Result<Response, Response> {
    let status = res.status();
    // Buffered bodies (JSON) know their size; streams do not and are never stored.
    let small = axum::body::HttpBody::size_hint(res.body())
        .upper()
        .is_some_and(|len| len <= MAX_STORED_BODY as u64);
    if status.is_success() && says_no_store(&res) {
        let record = serde_json::to_string(&Record::Withheld { fingerprint });
        let saved = match record {
            Ok(json) => {
                conn.set_ex::<_, _, ()>(redis_key, json, DONE_TTL_SECS)
                    .await
            }
            Err(_) => conn.del::<_, ()>(redis_key).await,
        };
        if let Err(err) = saved {
            tracing::warn!(error = %err, "could not record idempotent response");
        }
        return Ok(res);
    }
    if !status.is_success() || !small {
        // Not replayable (not a success, or a body we will not buffer): free the key.
        if let Err(err) = conn.del::<_, ()>(redis_key).await {
            tracing::warn!(error = %err, "could not release idempotency key");
        }
        return Ok(res);
    }
    let (parts, body) = res.into_parts();
    let bytes = to_bytes(body, MAX_STORED_BODY).await.map_err(|e| {
        ApiError::internal(anyhow::anyhow!("buffering response: {e}")).into_response()
    })?;
    let record = std::str::from_utf8(&bytes).ok().map(|text| Record::Done {
        fingerprint,
        status: status.as_u16(),
        content_type: parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: text.to_owned(),
    });
    let saved = match record.and_then(|r| serde_json::to_string(&r).ok()) {
        Some(json) => {
            conn.set_ex::<_, _, ()>(redis_key, json, DONE_TTL_SECS)
                .await
        }
        None => conn.del::<_, ()>(redis_key).await,
    };
    if let Err(err) = saved {
        tracing::warn!(error = %err, "could not record idempotent response");
    }
    Ok(Response::from_parts(parts, Body::from(bytes)))
}
