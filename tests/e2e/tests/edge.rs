//! The edge's own walls (security review L7, issue 10): internal APIs are not reachable from
//! outside, odd spellings of a path are refused before routing, credential endpoints have their
//! own per-IP budget, and one IP cannot hold more than its share of connections.

use std::time::Duration;

use e2e::{Options, Stack};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends one raw HTTP/1.1 request line as written (clients like reqwest would normalise the
/// path first) and returns the status code HAProxy answered.
async fn raw_status(stack: &Stack, method: &str, path: &str) -> u16 {
    let addr = stack.base.trim_start_matches("http://");
    let mut conn = TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
    );
    conn.write_all(request.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).await.expect("read");
    let answer = String::from_utf8_lossy(&answer);
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("{path}: no status line in {answer:?}"))
}

#[tokio::test]
async fn internal_apis_are_refused_at_the_edge_however_they_are_spelled() {
    let stack = Stack::start(Options::default()).await;
    for path in [
        "/internal/auth/introspect",
        "/v1/internal/llm-calls",
        "/v1/internal/x",
        "/v1/internal",
        "/v1/INTERNAL/llm-calls",
        "/v1/%69nternal/llm-calls",
        "/%76%31/internal/x",
    ] {
        for method in ["GET", "POST"] {
            assert_eq!(
                raw_status(&stack, method, path).await,
                403,
                "{method} {path}"
            );
        }
    }
    for path in [
        "/v1//internal/x",
        "/v1/agents/../internal/llm-calls",
        "/v1/agents/%2e%2e/internal/llm-calls",
        "/v1/./internal/x",
    ] {
        assert_eq!(raw_status(&stack, "POST", path).await, 400, "{path}");
    }
    // The refusal carries the platform's error body.
    let res = stack.get("/v1/internal/x").send().await.expect("send");
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["code"], "forbidden");
    // Paths that merely contain the word still route.
    assert_eq!(raw_status(&stack, "GET", "/v1/agents/internal").await, 401);
}

#[tokio::test]
async fn credential_endpoints_have_their_own_per_ip_budget() {
    let stack = Stack::start(Options {
        auth_rate_limit: Some(5),
        ..Options::default()
    })
    .await;
    let login = || {
        stack
            .http
            .post(format!("{}/v1/auth/login", stack.base))
            .json(&json!({"email": "nobody@example.test", "password": "not the password"}))
            .send()
    };
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(login().await.expect("send").status().as_u16());
    }
    assert!(
        statuses[..5].iter().all(|s| *s != 429),
        "the first five fit: {statuses:?}"
    );
    let res = login().await.expect("send");
    assert_eq!(res.status(), 429, "after {statuses:?}");
    assert_eq!(
        res.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("60")
    );
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["code"], "rate_limited");
    // Other routes from the same IP keep the general budget.
    let res = stack.get("/v1/auth/status").send().await.expect("send");
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn one_ip_cannot_hold_more_connections_than_its_cap() {
    const CAP: usize = 12;
    let stack = Stack::start(Options {
        ip_conn_limit: Some(CAP as u32),
        ..Options::default()
    })
    .await;
    let addr = stack.base.trim_start_matches("http://").to_owned();
    // The stack's own client may keep a few idle connections from its start-up probes, so count
    // how many more this IP gets: never more than the cap, and the one over it is refused.
    let mut held = Vec::new();
    let mut refused = 0;
    for _ in 0..CAP + 8 {
        match open_and_ask(&addr).await {
            Some(conn) => held.push(conn),
            None => refused += 1,
        }
    }
    assert!(held.len() <= CAP, "{} connections served", held.len());
    assert!(refused >= 8, "only {refused} connections refused");
    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        open_and_ask(&addr).await.is_some(),
        "the IP gets connections again once it lets go"
    );
}

/// Opens a connection, asks for /health on it and keeps it open; `None` when the proxy refused
/// it (closed or reset before answering).
async fn open_and_ask(addr: &str) -> Option<TcpStream> {
    let mut conn = TcpStream::connect(addr).await.ok()?;
    conn.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .ok()?;
    let mut answer = [0u8; 512];
    let read = tokio::time::timeout(Duration::from_secs(5), conn.read(&mut answer))
        .await
        .expect("a refused connection is closed at once, not left hanging");
    match read {
        Ok(n) if n > 0 && answer.starts_with(b"HTTP/1.1 200") => Some(conn),
        _ => None,
    }
}
