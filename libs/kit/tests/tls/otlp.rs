//! Spans reach an OTLP collector behind a private CA when `HTTPS_CA_CERT` names that CA, and
//! never one whose certificate no trusted CA signed.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::routing::post;
use opentelemetry::trace::{Tracer as _, TracerProvider as _};

use crate::https::serve_https_app;
use crate::pki::{Pki, SERVER_NAME};
use crate::servers::Scratch;

/// Exports one span to a collector served with the PKI's server certificate, trusting `ca`;
/// returns how many export requests the collector received.
async fn export_one_span(pki: &Pki, ca: &std::path::Path) -> usize {
    let hits = Arc::new(AtomicUsize::new(0));
    let app = Router::new().route(
        "/v1/traces",
        post({
            let hits = hits.clone();
            move || async move {
                hits.fetch_add(1, Ordering::SeqCst);
                ""
            }
        }),
    );
    let port = serve_https_app(pki, app).await;
    let mut config = kit::testing::dev_config(&kit::ServiceInfo {
        name: "otlp-test",
        default_port: 0,
        db_role: "auth_svc",
    });
    config.otel_exporter_otlp_endpoint = Some(format!("https://{SERVER_NAME}:{port}"));
    config.https_ca_cert = Some(ca.to_owned());
    let provider = kit::telemetry::tracer_provider("otlp-test", &config).expect("provider");
    // The exporter blocks its thread while it sends: keep it off the runtime serving the collector.
    tokio::task::spawn_blocking(move || {
        provider.tracer("otlp-test").in_span("exported", |_| {});
        let _ = provider.force_flush();
        let _ = provider.shutdown();
    })
    .await
    .expect("flushed");
    hits.load(Ordering::SeqCst)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_go_to_a_collector_signed_by_the_configured_ca_and_nowhere_else() {
    let scratch = Scratch::new();
    let pki = Pki::create(&scratch.dir);
    assert!(
        export_one_span(&pki, &pki.ca).await >= 1,
        "exported with HTTPS_CA_CERT"
    );
    assert_eq!(
        export_one_span(&pki, &pki.other_ca).await,
        0,
        "a CA that did not sign the collector is not trusted"
    );
}

#[test]
fn an_unreadable_ca_stops_the_service_at_start() {
    let mut config = kit::testing::dev_config(&kit::ServiceInfo {
        name: "otlp-test",
        default_port: 0,
        db_role: "auth_svc",
    });
    config.otel_exporter_otlp_endpoint = Some("https://collector.invalid".to_owned());
    config.https_ca_cert = Some("/nonexistent/ca.pem".into());
    let err = kit::telemetry::tracer_provider("otlp-test", &config).expect_err("refused");
    assert!(err.to_string().contains("HTTPS_CA_CERT"), "{err}");
}
