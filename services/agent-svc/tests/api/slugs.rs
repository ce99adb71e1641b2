//! An agent's slug in the caller's tenant names it wherever a path takes `{agent_id}` (the
//! monolith's ids were slugs; its CLI and dashboard pass them): reads and writes act on the agent
//! the slug names, answers carry its real `agt_…` id, and another tenant's slug is 404.

use kit::testing::{TestApp, walk};
use serde_json::{Value, json as j};

use crate::creds;
use crate::helpers::{agent, assert_error, send, spawn, tenant};

#[tokio::test]
async fn an_agent_is_read_and_changed_through_its_slug() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let eric = agent(&app, &a, "eric").await;

    let (status, shown) = send(&app, "GET", "/v1/agents/eric", &a.token, None).await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(
        (shown["id"].as_str(), shown["slug"].as_str()),
        (Some(eric.as_str()), Some("eric"))
    );

    let config = j!({"model": "openrouter/moonshotai/kimi-k2.5"});
    let (status, body) = send(
        &app,
        "PUT",
        "/v1/agents/eric/config",
        &a.token,
        Some(config),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, by_id) = send(
        &app,
        "GET",
        &format!("/v1/agents/{eric}/config"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(by_id["model"], "openrouter/moonshotai/kimi-k2.5", "{by_id}");

    let message = j!({"from": "Sam", "body": "hello eric"});
    let (status, sent) = send(
        &app,
        "POST",
        "/v1/agents/eric/inbox",
        &a.token,
        Some(message),
    )
    .await;
    assert_eq!(status, 201, "{sent}");
    let (_, inbox) = send(
        &app,
        "GET",
        &format!("/v1/agents/{eric}/inbox"),
        &a.token,
        None,
    )
    .await;
    assert!(inbox.to_string().contains("hello eric"), "{inbox}");

    let (status, granted) = send(
        &app,
        "POST",
        "/v1/skills/agents/eric/code-review/grant",
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{granted}");
    let path = format!("/v1/skills/agents/{eric}/manifest");
    let (_, manifest) = send(&app, "GET", &path, &a.token, None).await;
    assert_eq!(
        manifest["skills"].as_array().map(Vec::len),
        Some(1),
        "{manifest}"
    );

    let (status, sandbox) = send(&app, "GET", "/v1/agents/eric/sandbox", &a.token, None).await;
    assert_eq!(status, 200, "{sandbox}");
    assert_eq!(
        sandbox["sandboxId"],
        eric.as_str(),
        "the sandbox is the agent's, by id"
    );

    // An agent credential reaches itself by slug and nobody else by slug.
    let own = creds::agent(&app, &a, &eric);
    let (status, _) = send(&app, "GET", "/v1/agents/eric/status", &own, None).await;
    assert_eq!(status, 200);
    agent(&app, &a, "finn").await;
    let (status, body) = send(&app, "GET", "/v1/agents/finn/inbox", &own, None).await;
    assert_error(status, &body, 403, "agent_scope");

    let (status, _) = send(&app, "DELETE", "/v1/agents/eric", &a.token, None).await;
    assert_eq!(status, 204);
    let (status, body) = send(&app, "GET", &format!("/v1/agents/{eric}"), &a.token, None).await;
    assert_error(status, &body, 404, "agent_not_found");
}

#[tokio::test]
async fn a_slug_names_only_the_callers_own_agent() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    agent(&app, &a, "alpha-only").await;
    agent(&app, &a, "researcher").await;
    let b_researcher = agent(&app, &b, "researcher").await;

    for (method, path) in [
        ("GET", "/v1/agents/alpha-only"),
        ("GET", "/v1/agents/alpha-only/config"),
        ("PUT", "/v1/agents/alpha-only/files/SOUL"),
        ("GET", "/v1/secrets/agents/alpha-only"),
        ("GET", "/v1/pulses/agents/alpha-only/schedule"),
        ("DELETE", "/v1/agents/alpha-only"),
    ] {
        let body = (method == "PUT").then(|| j!({"content": "not yours"}));
        let (status, answer) = send(&app, method, path, &b.token, body).await;
        assert_error(status, &answer, 404, "agent_not_found");
    }
    // The same slug in two tenants: each tenant's token reaches its own agent.
    let (status, shown) = send(&app, "GET", "/v1/agents/researcher", &b.token, None).await;
    assert_eq!(status, 200);
    assert_eq!(shown["id"], b_researcher.as_str());
    let (status, _) = send(&app, "GET", "/v1/agents/alpha-only", &a.token, None).await;
    assert_eq!(status, 200, "A's agent is untouched");
}

/// Every operation that names an agent answers the same for its slug as for its id: each
/// operation runs on two fresh agents made alike, one named by id and one by slug.
#[tokio::test]
async fn every_agent_route_takes_the_slug_like_the_id() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let doc = serde_json::to_value(agent_svc::openapi()).expect("openapi");
    let routes = walk::operations(&doc, |path| path.contains("{agent_id}"));
    assert!(
        routes.len() >= 50,
        "the walk sees the routes: {}",
        routes.len()
    );
    for (n, (method, template)) in routes.iter().enumerate() {
        let by_id = agent(&app, &a, &format!("by-id-{n}")).await;
        let slug = format!("by-slug-{n}");
        agent(&app, &a, &slug).await;
        let (want, want_body) = call(&app, &a.token, method, &concrete(template, &by_id)).await;
        let (got, got_body) = call(&app, &a.token, method, &concrete(template, &slug)).await;
        assert_eq!(
            (got, &got_body["code"]),
            (want, &want_body["code"]),
            "{method} {template}: by slug {got_body} / by id {want_body}"
        );
    }
}

fn concrete(template: &str, agent: &str) -> String {
    template
        .split('/')
        .map(|seg| match seg {
            "{agent_id}" => agent,
            s if s.starts_with('{') => "x_nonexistent",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn call(app: &TestApp, token: &str, method: &str, path: &str) -> (u16, Value) {
    let body = (method != "GET" && method != "DELETE").then(|| j!({}));
    send(app, method, path, token, body).await
}
