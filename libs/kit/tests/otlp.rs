//! With OTEL_EXPORTER_OTLP_ENDPOINT set, spans reach an OTLP/HTTP receiver. Its own test binary:
//! telemetry installs the process-global subscriber.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::HeaderMap;
use axum::routing::post;

#[test]
fn spans_are_exported_over_otlp_http() {
    let received: Arc<Mutex<Vec<(String, usize)>>> = Arc::default();
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
                    sink.lock().expect("lock").push((ct, body.len()));
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

    let mut config = kit::testing::dev_config(&kit::ServiceInfo {
        name: "otlp-test",
        default_port: 0,
        db_role: "auth_svc",
    });
    config.otel_exporter_otlp_endpoint = Some(format!("http://{addr}/"));
    let guard = kit::telemetry::init("otlp-test", &config).expect("telemetry");
    tracing::info_span!("exported-span", tenant_id = "ten_x").in_scope(|| tracing::info!("hello"));
    drop(guard); // flushes the batch

    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while received.lock().expect("lock").is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let got = received.lock().expect("lock").clone();
    assert!(!got.is_empty(), "no OTLP export received");
    assert_eq!(got[0].0, "application/x-protobuf");
    assert!(got[0].1 > 0);
}
