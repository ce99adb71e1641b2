//! memory-svc through HAProxy with the real agent-svc: an agent's notes written, found and
//! deleted through the memory and agent-memory paths; another tenant reaches none of them.

use std::time::Duration;

use e2e::{Options, Stack};
use kit::auth::{Claims, JwtKeys, TokenKind};
use kit::testing::TEST_AUTH_SECRET;
use serde_json::{Value, json};
use shared_schemas::ids::TenantId;

fn token(tenant: &TenantId) -> String {
    JwtKeys::new("k1", TEST_AUTH_SECRET.as_bytes())
        .mint(&Claims::access(
            "usr_1",
            tenant.clone(),
            TokenKind::User,
            Duration::from_secs(300),
        ))
        .expect("mint")
}

async fn call(
    stack: &Stack,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = stack
        .http
        .request(method, format!("{}{path}", stack.base))
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.expect("send");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_agents_notes_through_the_edge() {
    let stack = Stack::start(Options::default()).await;
    let (a, _) = stack.db.create_tenant("alpha").await;
    let (b, _) = stack.db.create_tenant("beta").await;
    let (ta, tb) = (token(&a), token(&b));
    use reqwest::Method;
    let (status, agent) = call(
        &stack,
        Method::POST,
        "/v1/agents/",
        &ta,
        Some(json!({"name": "eric", "slug": "eric"})),
    )
    .await;
    assert_eq!(status, 201, "{agent}");
    let (status, body) = call(
        &stack,
        Method::POST,
        "/v1/memory/vaults/eric/files",
        &ta,
        Some(json!({"filename": "people/alice.md", "content": "# Alice\nLoves [[kayaks]]."})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let on_disk = stack
        .data
        .join("tenants")
        .join(a.as_str())
        .join("vaults")
        .join(agent["id"].as_str().expect("id"))
        .join("people/alice.md");
    assert!(on_disk.exists(), "{}", on_disk.display());

    let (status, body) = call(
        &stack,
        Method::GET,
        "/v1/agents/eric/memory/people/alice.md",
        &ta,
        None,
    )
    .await;
    assert_eq!(
        (status, body["content"].clone()),
        (200, json!("# Alice\nLoves [[kayaks]]."))
    );
    let (_, hits) = call(&stack, Method::GET, "/v1/memory/search?q=kayaks", &ta, None).await;
    assert_eq!(hits[0]["filename"], "people/alice.md", "{hits}");
    let (_, graph) = call(
        &stack,
        Method::GET,
        "/v1/memory/vaults/eric/graph",
        &ta,
        None,
    )
    .await;
    assert_eq!(graph["stats"]["nodeTypeCounts"]["unresolved"], 1, "{graph}");

    // Tenant B: A's agent is unknown, A's notes unfindable.
    for path in [
        "/v1/agents/eric/memory/people/alice.md",
        "/v1/memory/vaults/eric/people/alice.md",
        &format!(
            "/v1/memory/vaults/{}/graph",
            agent["id"].as_str().expect("id")
        ),
    ] {
        let (status, body) = call(&stack, Method::GET, path, &tb, None).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    let (status, _) = call(
        &stack,
        Method::DELETE,
        "/v1/agents/eric/memory/people/alice.md",
        &tb,
        None,
    )
    .await;
    assert_eq!(status, 404);
    let (_, hits) = call(&stack, Method::GET, "/v1/memory/search?q=kayaks", &tb, None).await;
    assert_eq!(hits, json!([]));
    assert!(on_disk.exists());

    let (status, body) = call(
        &stack,
        Method::DELETE,
        "/v1/agents/eric/memory/people/alice.md",
        &ta,
        None,
    )
    .await;
    assert_eq!(
        (status, body["deleted"].clone()),
        (200, json!(true)),
        "{body}"
    );
    assert!(!on_disk.exists());
}
