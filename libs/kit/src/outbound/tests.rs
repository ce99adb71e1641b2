use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::routing::get;

use super::addr::is_forbidden;
use super::{AllowList, Limits, OutboundClient, OutboundError};

fn ip(s: &str) -> IpAddr {
    s.parse().expect("ip")
}

#[test]
fn internal_ranges_are_forbidden_and_public_ones_are_not() {
    for internal in [
        "0.0.0.0",
        "10.0.0.1",
        "100.64.0.1",
        "100.100.100.200",
        "127.0.0.1",
        "127.255.255.254",
        "169.254.169.254",
        "172.16.0.1",
        "172.31.255.255",
        "192.0.0.192",
        "192.168.1.1",
        "198.18.0.1",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "168.63.129.16",
        "::",
        "::1",
        "::ffff:127.0.0.1",
        "::ffff:10.1.2.3",
        "::127.0.0.1",
        "64:ff9b::a00:1",
        "64:ff9b:1::1",
        "2002:7f00:1::",
        "2001::1",
        "fc00::1",
        "fd00:ec2::254",
        "fe80::1",
        "fec0::1",
        "ff02::1",
    ] {
        assert!(is_forbidden(ip(internal)), "{internal} is internal");
    }
    for public in [
        "1.1.1.1",
        "8.8.8.8",
        "100.63.255.255",
        "100.128.0.0",
        "172.32.0.1",
        "193.0.0.1",
        "2606:4700:4700::1111",
        "2a00:1450:4001::200e",
        "64:ff9b::808:808",
        "2002:808:808::",
        "::ffff:8.8.8.8",
    ] {
        assert!(!is_forbidden(ip(public)), "{public} is public");
    }
}

#[test]
fn the_allow_list_takes_networks_addresses_and_host_names() {
    let allow = AllowList::parse(" 10.20.0.0/16, 127.0.0.1\nfd12::/16 Keycloak.Internal. ")
        .expect("parses");
    assert!(allow.allows_ip(ip("10.20.3.4")));
    assert!(!allow.allows_ip(ip("10.21.0.1")));
    assert!(allow.allows_ip(ip("127.0.0.1")));
    assert!(
        allow.allows_ip(ip("::ffff:127.0.0.1")),
        "mapped form is the same address"
    );
    assert!(!allow.allows_ip(ip("127.0.0.2")));
    assert!(allow.allows_ip(ip("fd12::1")));
    assert!(allow.allows_host("keycloak.internal"));
    assert!(!allow.allows_host("keycloak.internal.evil.test"));
    assert!(AllowList::parse("").expect("empty").is_empty());
    for bad in [
        "10.0.0.0/33",
        "::1/129",
        "http://x",
        "a_b.test",
        "10.0.0.0/x",
    ] {
        assert!(AllowList::parse(bad).is_err(), "{bad}");
    }
}

fn client(allow: &str, max_body: usize) -> OutboundClient {
    OutboundClient::trusting(
        None,
        AllowList::parse(allow).expect("allow"),
        Limits {
            timeout: Duration::from_secs(2),
            max_body,
        },
        "kit-test",
    )
    .expect("client")
}

/// A local server counting its requests: `/ok`, `/big` (64 KiB), `/redirect`, `/slow`.
async fn server() -> (u16, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let app = Router::new()
        .route("/ok", get(|| async { "hello" }))
        .route("/big", get(|| async { "x".repeat(64 * 1024) }))
        .route(
            "/redirect",
            get(|| async { (axum::http::StatusCode::FOUND, [("location", "/ok")]) }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(10)).await;
                "late"
            }),
        )
        .layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                counted.fetch_add(1, Ordering::SeqCst);
                next.run(req)
            },
        ));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (port, hits)
}

fn get_req(url: &str) -> http::Request<Vec<u8>> {
    http::Request::get(url).body(Vec::new()).expect("request")
}

#[tokio::test]
async fn loopback_is_refused_by_address_and_by_name_without_a_request() {
    let (port, hits) = server().await;
    let c = client("", 1024);
    for url in [
        format!("http://127.0.0.1:{port}/ok"),
        format!("http://localhost:{port}/ok"),
        format!("http://[::ffff:127.0.0.1]:{port}/ok"),
        format!("http://0x7f.1:{port}/ok"),
        format!("http://2130706433:{port}/ok"),
        "https://10.0.0.1/".to_owned(),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
    ] {
        let err = c.execute(get_req(&url)).await.expect_err(&url);
        assert_eq!(err, OutboundError::Blocked, "{url}");
        assert_eq!(err.code(), "address_blocked");
    }
    let err = c
        .execute(get_req("ftp://example.com/"))
        .await
        .expect_err("ftp");
    assert_eq!(err, OutboundError::InvalidUrl);
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn allow_listed_hosts_are_reached_within_the_limits() {
    let (port, hits) = server().await;
    let c = client("127.0.0.1/32", 1024);
    let ok = c
        .execute(get_req(&format!("http://127.0.0.1:{port}/ok")))
        .await
        .expect("allowed");
    assert_eq!(
        (ok.status().as_u16(), ok.body().as_slice()),
        (200, &b"hello"[..])
    );
    // By name too: localhost resolves to 127.0.0.1 (and maybe ::1, which is not allowed).
    let by_host = client("localhost", 1024)
        .execute(get_req(&format!("http://localhost:{port}/ok")))
        .await;
    assert!(
        matches!(by_host, Ok(_) | Err(OutboundError::Connect)),
        "{by_host:?}"
    );
    let redirect = c
        .execute(get_req(&format!("http://127.0.0.1:{port}/redirect")))
        .await
        .expect("redirect answer");
    assert_eq!(
        redirect.status().as_u16(),
        302,
        "redirects are not followed"
    );
    let big = c
        .execute(get_req(&format!("http://127.0.0.1:{port}/big")))
        .await;
    assert_eq!(big.err(), Some(OutboundError::TooLarge));
    let slow = c
        .execute(get_req(&format!("http://127.0.0.1:{port}/slow")))
        .await;
    assert_eq!(slow.err(), Some(OutboundError::Timeout));
    let closed = c.execute(get_req("http://127.0.0.1:9/")).await;
    assert_eq!(closed.err(), Some(OutboundError::Connect));
    assert!(hits.load(Ordering::SeqCst) >= 4);
}
