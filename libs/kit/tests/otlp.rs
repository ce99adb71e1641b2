//! With OTEL_EXPORTER_OTLP_ENDPOINT set, spans reach an OTLP/HTTP receiver, and a request that
//! carries a `traceparent` is exported in the caller's trace. Its own test binary: telemetry
//! installs the process-global subscriber.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;

const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const CALLER_SPAN: &str = "b7ad6b7169203331";

#[test]
fn spans_are_exported_over_otlp_http_in_the_callers_trace() {
    let received: Arc<Mutex<Vec<(String, Bytes)>>> = Arc::default();
    let sink = received.clone();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let addr = rt.block_on(async move {
        let app = Router::new().route(
            "/v1/traces",
            post(move |headers: HeaderMap, body: Bytes| {
                let sink = sink.clone();
                async move {
                    let ct = headers
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("")
                        .to_owned();
                    sink.lock().expect("lock").push((ct, body));
                    ""
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    });

    let service = kit::ServiceInfo {
        name: "otlp-test",
        default_port: 0,
        db_role: "auth_svc",
    };
    let mut config = kit::testing::dev_config(&service);
    config.otel_exporter_otlp_endpoint = Some(format!("http://{addr}/"));
    let guard = kit::telemetry::init("otlp-test", &config).expect("telemetry");
    tracing::info_span!("exported-span", tenant_id = "ten_x").in_scope(|| tracing::info!("hello"));

    let app = rt.block_on(kit::testing::TestApp::spawn(service, |platform| {
        kit::http::service_router(platform, Router::new(), utoipa::openapi::OpenApi::default())
    }));
    let res = rt
        .block_on(
            app.client
                .get("/health")
                .header("traceparent", format!("00-{TRACE}-{CALLER_SPAN}-01"))
                .send(),
        )
        .expect("request");
    assert_eq!(res.status(), 200);
    rt.block_on(res.bytes()).expect("body");
    // The server closes the request span just after it wrote the body; give it that moment
    // before the guard's flush.
    std::thread::sleep(Duration::from_millis(200));
    drop(guard); // flushes the batch

    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while received.lock().expect("lock").is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let got = received.lock().expect("lock").clone();
    assert!(!got.is_empty(), "no OTLP export received");
    assert!(got.iter().all(|(ct, _)| ct == "application/x-protobuf"));
    // Protobuf keeps `bytes` fields as they are, so the exported request span's trace id and
    // parent span id appear verbatim in the body.
    let all: Vec<u8> = got.iter().flat_map(|(_, body)| body.to_vec()).collect();
    assert!(
        contains(&all, &hex_bytes(TRACE)),
        "no span in the caller's trace"
    );
    assert!(
        contains(&all, &hex_bytes(CALLER_SPAN)),
        "no span parented by the caller"
    );
    assert!(contains(&all, b"exported-span"));
    drop(app);
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
