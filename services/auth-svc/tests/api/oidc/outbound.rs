//! Review M6: provider URLs are fetched only through `kit::outbound`, which refuses private,
//! loopback, link-local and metadata addresses after resolving the name, unless the
//! installation allow-lists them (`OUTBOUND_ALLOW`). The fake IdP of the other tests is on
//! 127.0.0.1 and allow-listed; here nothing is.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;

use super::*;
use crate::helpers::*;

/// A TCP listener on 127.0.0.1 that counts the connections it gets (and closes them).
async fn tripwire() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let hits = Arc::new(AtomicUsize::new(0));
    let seen = hits.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            seen.fetch_add(1, Ordering::SeqCst);
            drop(socket);
        }
    });
    (port, hits)
}

async fn test_provider(app: &TestApp, token: &str, id: &str) -> (u16, Value) {
    send(
        app,
        "POST",
        &format!("/v1/auth/providers/{id}/test"),
        token,
        None,
    )
    .await
}

#[tokio::test]
async fn internal_issuers_are_refused_and_never_contacted() {
    let app = spawn_oidc(json!({"outbound_allow": ""})).await;
    let idp = FakeIdp::start().await;
    let (port, hits) = tripwire().await;
    let owner = register(&app, "owner@acme.io").await;
    let t = access(&owner);
    let issuers = [
        format!("https://localhost:{port}"),
        format!("http://127.0.0.1:{port}"),
        format!("http://[::ffff:127.0.0.1]:{port}"),
        "https://10.0.0.1".to_owned(),
        "http://169.254.169.254".to_owned(),
        "https://100.64.0.1".to_owned(),
        "https://[::1]".to_owned(),
    ];
    for (n, issuer) in issuers.iter().enumerate() {
        let mut body = provider_body(&idp, &format!("p{n}"));
        body["issuerUrl"] = json!(issuer);
        let id = create_provider(&app, &t, body).await;
        let (status, report) = test_provider(&app, &t, &id).await;
        assert_eq!(
            (status, report["code"].as_str()),
            (400, Some("address_blocked")),
            "{issuer}: {report}"
        );
        let detail = report["detail"].as_str().expect("detail");
        assert!(
            !detail.contains("10.0.0.1") && !detail.contains("127.0.0.1"),
            "{detail}"
        );
        let location = hop(&format!(
            "{}/v1/auth/oidc/p{n}/authorize",
            app.client.base_url()
        ))
        .await;
        assert_eq!(
            fragment(&location).get("error").map(String::as_str),
            Some("provider_unavailable"),
            "{issuer}"
        );
    }
    // Endpoints configured by hand go through the same check.
    let mut body = provider_body(&idp, "manual");
    body["autoDiscovery"] = json!(false);
    body["issuerUrl"] = json!("https://idp.example.com");
    body["authorizationEndpoint"] = json!("https://idp.example.com/authorize");
    body["tokenEndpoint"] = json!(format!("http://127.0.0.1:{port}/token"));
    body["jwksUri"] = json!(format!("http://localhost:{port}/jwks"));
    let id = create_provider(&app, &t, body).await;
    let (status, report) = test_provider(&app, &t, &id).await;
    assert_eq!(
        (status, report["code"].as_str()),
        (400, Some("address_blocked")),
        "{report}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "no request reached 127.0.0.1"
    );
}

#[tokio::test]
async fn test_answers_fixed_codes_without_internal_details() {
    let app = spawn_oidc(json!({})).await;
    let owner = register(&app, "owner@acme.io").await;
    let t = access(&owner);
    let mut body = provider_body(&FakeIdp::start().await, "gone");
    // Port 9 (discard) is closed on test machines: the connection is refused.
    body["issuerUrl"] = json!("http://127.0.0.1:9");
    let id = create_provider(&app, &t, body).await;
    let (status, report) = test_provider(&app, &t, &id).await;
    assert_eq!(
        (status, report["code"].as_str()),
        (400, Some("connect_failed")),
        "{report}"
    );
    let detail = report["detail"]
        .as_str()
        .expect("detail")
        .to_ascii_lowercase();
    assert!(
        !detail.contains("127.0.0.1") && !detail.contains("refused"),
        "{detail}"
    );
}

#[tokio::test]
async fn provider_metadata_is_cached_between_logins() {
    let app = spawn_oidc(json!({})).await;
    let idp = FakeIdp::start().await;
    let root = platform_provider(&app, &idp, "company").await;
    let authorize = format!("{}/v1/auth/oidc/company/authorize", app.client.base_url());
    for _ in 0..3 {
        hop(&authorize).await;
    }
    assert_eq!(
        idp.discoveries(),
        1,
        "anonymous authorize requests share one fetch"
    );
    assert!(fragment(&sign_in(&app, "company").await).contains_key("accessToken"));
    assert_eq!(idp.discoveries(), 1);
    // Changing the provider, or testing it, loads it afresh.
    let r = access(&root);
    let (_, list) = send(&app, "GET", "/v1/auth/providers?scope=platform", &r, None).await;
    let path = format!("/v1/auth/providers/{}", list[0]["id"].as_str().expect("id"));
    let (status, _) = send(&app, "PUT", &path, &r, Some(json!({"name": "Renamed"}))).await;
    assert_eq!(status, 200);
    hop(&authorize).await;
    assert_eq!(idp.discoveries(), 2);
    let (status, _) = send(&app, "POST", &format!("{path}/test"), &r, None).await;
    assert_eq!(status, 200);
    assert_eq!(idp.discoveries(), 3);
}
