//! The HTTP stack every service runs behind, and serving with a bounded graceful drain.
//!
//! Layer order, outermost first: set request id → trace span (the child of an incoming
//! `traceparent`) → request id scope (for the service client) → propagate request id → catch
//! panic → metrics → error body → timeout → authenticate + tenant rate limit → idempotency →
//! handler. Layers are added with `Router::layer`, so they run after routing and see the
//! matched route template.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request, header};
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::IntoResponse;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::{Platform, health, idempotency, metrics, middleware};

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
/// Names the service that answered, so a caller (and our end-to-end tests) can tell which
/// backend the proxy routed a path to.
pub const SERVED_BY: HeaderName = HeaderName::from_static("x-served-by");

/// Wraps a service's routes with kit's routes (health, metrics, OpenAPI) and the platform stack.
pub fn service_router(
    platform: Platform,
    routes: Router,
    openapi: utoipa::openapi::OpenApi,
) -> Router {
    let spec = Arc::new(openapi.to_json().unwrap_or_else(|_| "{}".to_owned()));
    let kit_routes = Router::new()
        .route("/health", get(health::up))
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .route("/metrics", get(metrics::render))
        .route(
            "/openapi.json",
            get(move || {
                let spec = spec.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        (*spec).clone(),
                    )
                }
            }),
        )
        .with_state(platform.clone());

    let served_by = axum::http::HeaderValue::from_static(platform.service.name);
    let stack = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(make_span)
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(from_fn(middleware::request_id_scope))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            SERVED_BY, served_by,
        ))
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .layer(from_fn_with_state(platform.clone(), metrics::track))
        .layer(from_fn(middleware::error_body))
        .layer(from_fn_with_state(platform.clone(), middleware::timeout))
        .layer(from_fn_with_state(
            platform.clone(),
            middleware::authenticate_and_limit,
        ))
        .layer(from_fn_with_state(platform.clone(), idempotency::layer))
        .layer(DefaultBodyLimit::max(platform.config.body_limit_bytes));

    kit_routes
        .merge(routes)
        .fallback(|| async { middleware::not_found().await.into_response() })
        .layer(stack)
}

fn make_span<B>(req: &Request<B>) -> tracing::Span {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("unmatched", |p| p.as_str());
    let request_id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let span = tracing::info_span!(
        "request",
        method = %req.method(),
        route,
        request_id,
        tenant_id = tracing::field::Empty,
    );
    crate::telemetry::adopt_remote_parent(&span, req.headers());
    span
}

/// Serves until `shutdown` fires, then drains in-flight requests for at most `grace`.
pub async fn serve(
    router: Router,
    listener: TcpListener,
    shutdown: CancellationToken,
    grace: Duration,
) -> std::io::Result<()> {
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "listening");
    let stop = shutdown.clone();
    let server = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move { stop.cancelled().await })
    .into_future();
    tokio::pin!(server);
    tokio::select! {
        res = &mut server => res,
        () = async { shutdown.cancelled().await; tokio::time::sleep(grace).await } => {
            tracing::warn!(grace_secs = grace.as_secs(), "drain deadline passed, closing");
            Ok(())
        }
    }
}

/// The client's address: the last `X-Forwarded-For` hop (the one our HAProxy appended; it drops
/// what clients send) when `trust_forwarded`, else the socket peer.
pub fn client_ip(
    headers: &axum::http::HeaderMap,
    peer: Option<std::net::SocketAddr>,
    trust_forwarded: bool,
) -> Option<std::net::IpAddr> {
    let forwarded = trust_forwarded
        .then(|| headers.get("x-forwarded-for")?.to_str().ok())
        .flatten()
        .and_then(|v| v.rsplit(',').next())
        .and_then(|ip| ip.trim().parse().ok());
    forwarded.or(peer.map(|p| p.ip()))
}

/// Cancels the returned token on SIGTERM or Ctrl-C.
pub fn shutdown_signal() -> CancellationToken {
    let token = CancellationToken::new();
    let trigger = token.clone();
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(err) => {
                    tracing::error!(error = %err, "cannot listen for SIGTERM");
                    std::future::pending::<()>().await;
                }
            }
        };
        #[cfg(not(unix))]
        let term = std::future::pending::<()>();
        tokio::select! {
            _ = ctrl_c => {},
            () = term => {},
        }
        tracing::info!("shutdown requested, draining");
        trigger.cancel();
    });
    token
}
