use std::time::Duration;

use kit::tls::redis_client_trusting;

use crate::pki::Pki;
use crate::servers::{Redis, Scratch};

async fn ping(client: &redis::Client) -> redis::RedisResult<String> {
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(5)))
        .set_response_timeout(Some(Duration::from_secs(5)));
    let mut conn = client
        .get_multiplexed_async_connection_with_config(&config)
        .await?;
    redis::cmd("PING").query_async(&mut conn).await
}

#[tokio::test]
async fn rediss_trusts_the_configured_ca_only() {
    let scratch = Scratch::new();
    let pki = Pki::create(&scratch.dir);
    let server = Redis::start(&scratch.dir, &pki);
    let url = server.url("localhost");

    let client = redis_client_trusting(&url, Some(&pki.ca)).expect("client");
    assert_eq!(ping(&client).await.expect("PING over TLS"), "PONG");

    let refusals = [
        (
            "a CA that did not sign the server",
            &url,
            Some(&pki.other_ca),
            "UnknownIssuer",
        ),
        ("the system store alone", &url, None, "UnknownIssuer"),
        (
            "a host the certificate does not name",
            &server.url("127.0.0.1"),
            Some(&pki.ca),
            "not valid for name",
        ),
    ];
    for (what, url, ca, reason) in refusals {
        let client = redis_client_trusting(url, ca.map(|p| p.as_path())).expect("client");
        let err = ping(&client).await.expect_err(what);
        assert!(err.to_string().contains(reason), "{what}: {err}");
    }
}

#[test]
fn a_redis_ca_file_without_a_certificate_is_reported_by_name() {
    let scratch = Scratch::new();
    let path = scratch.dir.join("empty.pem");
    std::fs::write(&path, "").expect("write");
    let err = redis_client_trusting("rediss://localhost:6380", Some(&path))
        .expect_err("an empty CA file is refused at start-up");
    assert!(err.to_string().contains("REDIS_CA_CERT"), "{err}");
    let err = redis_client_trusting(
        "rediss://localhost:6380",
        Some(&scratch.dir.join("nope.pem")),
    )
    .expect_err("a missing CA file is refused at start-up");
    assert!(err.to_string().contains("REDIS_CA_CERT"), "{err}");
}
