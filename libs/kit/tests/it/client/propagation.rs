//! A request's id and trace travel through a service into the calls it makes, and every log
//! line of the request carries the trace id.
//!
//! These tests install kit's subscriber for their own thread only; `#[tokio::test]` runs the
//! test, the server and the target on that one thread, so all their spans are seen.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{FromRef, State};
use axum::http::StatusCode;
use axum::routing::get;
use kit::testing::TestApp;
use kit::{ApiError, Platform, TenantContext, TokenKind};
use serde_json::Value;
use shared_schemas::ids::TenantId;

use super::target::Target;
use crate::app::SVC;

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

#[derive(Clone, FromRef)]
struct CallOut {
    platform: Platform,
    target: Arc<String>,
}

/// Calls the target for the caller's tenant and answers with the target's status.
async fn call_out(
    State(platform): State<Platform>,
    State(target): State<Arc<String>>,
    ctx: TenantContext,
) -> Result<StatusCode, ApiError> {
    tracing::info!("calling the target");
    let res = platform
        .client
        .get(target.as_str())
        .for_tenant(&ctx.tenant_id)
        .send()
        .await?;
    Ok(res.status())
}

fn router(platform: Platform, target: String) -> Router {
    let state = CallOut {
        platform: platform.clone(),
        target: Arc::new(target),
    };
    let routes = Router::new()
        .route("/v1/call-out", get(call_out))
        .with_state(state);
    kit::http::service_router(platform, routes, utoipa::openapi::OpenApi::default())
}

/// Log lines written by kit's formatter, kept in memory.
#[derive(Clone, Default)]
struct Lines(Arc<Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Lines {
    type Writer = Self;
    fn make_writer(&'a self) -> Self {
        self.clone()
    }
}

impl Lines {
    /// The JSON lines logged under request id `id`.
    fn of_request(&self, id: &str) -> Vec<Value> {
        let bytes = self.0.lock().expect("lock").clone();
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).expect("every line is JSON"))
            .filter(|v| v["request_id"] == id)
            .collect()
    }
}

async fn setup() -> (Target, TestApp, Lines, tracing::dispatcher::DefaultGuard) {
    let lines = Lines::default();
    let config = kit::testing::dev_config(&SVC);
    let provider = kit::telemetry::tracer_provider(SVC.name, &config).expect("provider");
    let dispatch =
        kit::telemetry::dispatch(SVC.name, &config, &provider, lines.clone()).expect("dispatch");
    let guard = tracing::dispatcher::set_default(&dispatch);
    let target = Target::spawn(Vec::new()).await;
    let url = target.url("/v1/target");
    let app = TestApp::spawn(SVC, move |p| router(p, url)).await;
    (target, app, lines, guard)
}

/// `(trace id, parent span id)` of a `traceparent` header.
fn traceparent(headers: &axum::http::HeaderMap) -> (String, String) {
    let value = headers["traceparent"].to_str().expect("ascii");
    let parts: Vec<&str> = value.split('-').collect();
    assert_eq!(parts.len(), 4, "{value}");
    (parts[1].to_owned(), parts[2].to_owned())
}

#[tokio::test]
async fn request_id_and_caller_trace_reach_the_target_and_every_log_line() {
    let (target, app, lines, _guard) = setup().await;
    let tenant = TenantId::parse("ten_alpha").expect("tenant");
    let token = app.token(&tenant, "usr_1", TokenKind::User);
    let res = app
        .client
        .get("/v1/call-out")
        .bearer_auth(&token)
        .header("x-request-id", "req-propagated-1")
        .header("traceparent", format!("00-{TRACE}-{CALLER_SPAN}-01"))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200);

    let seen = target.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].headers["x-request-id"], "req-propagated-1");
    let (trace, parent) = traceparent(&seen[0].headers);
    assert_eq!(trace, TRACE, "the caller's trace continues");
    assert_ne!(
        parent, CALLER_SPAN,
        "the target's parent is our client span"
    );

    let logged = lines.of_request("req-propagated-1");
    assert!(
        logged.iter().any(|l| l["message"] == "calling the target"),
        "{logged:?}"
    );
    assert!(logged.iter().all(|l| l["trace_id"] == TRACE), "{logged:?}");
}

#[tokio::test]
async fn without_a_traceparent_a_request_starts_its_own_trace() {
    let (target, app, lines, _guard) = setup().await;
    let tenant = TenantId::parse("ten_alpha").expect("tenant");
    let token = app.token(&tenant, "usr_1", TokenKind::User);
    let res = app
        .client
        .get("/v1/call-out")
        .bearer_auth(&token)
        .header("x-request-id", "req-fresh-1")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200);

    let (trace, _) = traceparent(&target.seen()[0].headers);
    assert_eq!(trace.len(), 32);
    assert_ne!(trace, "0".repeat(32));
    let logged = lines.of_request("req-fresh-1");
    assert!(!logged.is_empty());
    assert!(
        logged.iter().all(|l| l["trace_id"] == trace.as_str()),
        "{logged:?}"
    );
}

#[tokio::test]
async fn a_call_outside_any_request_gets_a_request_id_of_its_own() {
    let target = Target::spawn(Vec::new()).await;
    let keys = Arc::new(kit::auth::JwtKeys::new(
        "k1",
        b"some-secret-some-secret-some-secret",
    ));
    let client =
        kit::client::ServiceClient::new("worker", keys, &Default::default()).expect("client");
    client.get(target.url("/v1/x")).send().await.expect("sent");
    kit::middleware::with_request_id("evt-42".to_owned(), async {
        client.get(target.url("/v1/x")).send().await.expect("sent");
    })
    .await;
    let seen = target.seen();
    let first = seen[0].headers["x-request-id"].to_str().expect("ascii");
    assert!(uuid::Uuid::parse_str(first).is_ok(), "{first}");
    assert_eq!(seen[1].headers["x-request-id"], "evt-42");
}
