//! Request middleware of the platform stack (assembled in `http.rs`).

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::Platform;
use crate::auth::authenticate_request;
use crate::error::{ApiError, ErrorBody, code_for_status, internal_response};
use crate::ratelimit;

/// Largest body of a bare error response we rewrite into our error shape.
const REWRITE_LIMIT: usize = 64 * 1024;

tokio::task_local! {
    /// The id of the request this task serves, for calls it makes to other services.
    static REQUEST_ID: String;
}

/// The `x-request-id` of the request being served by this task, if any.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Runs `work` as if it served the request `id`: the service client forwards it (workers use
/// this to carry an event's request id into the calls they make).
pub async fn with_request_id<F: std::future::Future>(id: String, work: F) -> F::Output {
    REQUEST_ID.scope(id, work).await
}

/// Makes the request id (set by the layer before) available to [`current_request_id`].
pub async fn request_id_scope(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(crate::http::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    match id {
        Some(id) => with_request_id(id, next.run(req)).await,
        None => next.run(req).await,
    }
}

/// Resolves the bearer credential (JWT or API key) when one is present, checks its tenant is
/// active, hands the `TenantContext` to the extractor and counts the request against its
/// tenant's budget. Requests without a valid credential pass through with the reason attached:
/// public routes need none, and protected routes answer it from the extractor.
pub async fn authenticate_and_limit(
    State(platform): State<Platform>,
    req: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = req.into_parts();
    match authenticate_request(&platform, &parts).await {
        Ok(Some(ctx)) => {
            tracing::Span::current().record("tenant_id", ctx.tenant_id.as_str());
            if let Err(retry_after) = ratelimit::admit(&platform, &ctx.tenant_id).await {
                return ApiError::too_many_requests(retry_after).into_response();
            }
            parts.extensions.insert(ctx);
        }
        Ok(None) => {}
        Err(rejection) => {
            parts.extensions.insert(rejection);
        }
    }
    next.run(Request::from_parts(parts, body)).await
}

/// Bounds the time until response headers; a streaming body (SSE) is not cut off.
pub async fn timeout(State(platform): State<Platform>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(platform.config.request_timeout(), next.run(req)).await {
        Ok(res) => res,
        Err(_) => {
            tracing::warn!("request timed out");
            ApiError::unavailable("timeout", "request timed out").into_response()
        }
    }
}

/// Gives error responses produced outside our handlers (router 404/405, body-limit 413, axum
/// rejections in plain text) the platform's error body. 5xx never keep their text.
pub async fn error_body(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("application/json") {
        return res;
    }
    if status.is_server_error() {
        return with_status(internal_response(), status);
    }
    let (parts, body) = res.into_parts();
    let text = to_bytes(body, REWRITE_LIMIT)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let detail = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_owned()
    } else {
        text
    };
    let body = ErrorBody {
        detail,
        code: code_for_status(status).to_owned(),
        errors: Vec::new(),
    };
    let mut res = Response::from_parts(parts, Body::from(json_bytes(&body)));
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res.headers_mut().remove(header::CONTENT_LENGTH);
    res
}

fn with_status(mut res: Response, status: axum::http::StatusCode) -> Response {
    *res.status_mut() = status;
    res
}

fn json_bytes(body: &ErrorBody) -> Vec<u8> {
    serde_json::to_vec(body).unwrap_or_else(|_| br#"{"detail":"error","code":"error"}"#.to_vec())
}

/// Turns a panic in a handler into our 500 body; the panic itself is logged.
pub fn panic_response(err: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = err
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| err.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = message, "handler panicked");
    internal_response()
}

/// Answer for paths no route matches.
pub async fn not_found() -> ApiError {
    ApiError::not_found("Not Found")
}
