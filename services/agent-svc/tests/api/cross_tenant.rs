//! The cross-tenant wall over every route this service serves, walked from its own OpenAPI
//! document so a new route is covered the day it is added: tenant B's credentials on tenant A's
//! agent get exactly the answer an agent that does not exist gets (404 where the request is
//! otherwise valid), never a success, and A's rows are byte-for-byte unchanged afterwards. A's
//! agent is tried by its id and by its slug (a slug names only an agent of the caller's tenant).

use kit::TokenKind;
use kit::testing::{TestApp, walk};
use serde_json::{Value, json as j};

use crate::helpers::{agent, send, spawn, tenant};

/// Every (method, path template) of the service's API that names an agent.
fn agent_routes() -> Vec<(String, String)> {
    let doc = serde_json::to_value(agent_svc::openapi()).expect("openapi");
    walk::operations(&doc, |path| {
        path.contains("{agent_id}") || path.contains("{source_id}")
    })
}

fn concrete(template: &str, agent_id: &str) -> String {
    let mut out = String::new();
    for seg in template.split('/') {
        if !out.is_empty() || template.starts_with('/') {
            out.push('/');
        }
        out.push_str(match seg {
            "{agent_id}" | "{source_id}" => agent_id,
            s if s.starts_with('{') => "x_nonexistent",
            s => s,
        });
    }
    out.replacen("//", "/", 1)
}

/// Writes carry an empty JSON object, so routes without required fields reach their handler.
async fn call(app: &TestApp, token: &str, method: &str, path: &str) -> (u16, Value) {
    let body = (method != "GET" && method != "DELETE").then(|| j!({}));
    send(app, method, path, token, body).await
}

#[tokio::test]
async fn tenant_b_learns_nothing_and_changes_nothing_on_any_agent_route() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let target = agent(&app, &a, "researcher").await;
    agent(&app, &a, "alpha-secret").await;
    let own = agent(&app, &b, "researcher").await;
    let targets = [
        (target.as_str(), "agt_doesnotexist000"),
        ("alpha-secret", "nobody-has-this-slug"),
    ];
    let b_service = app.token(&b.id, "engine-svc", TokenKind::Service);
    let before = walk::tenant_fingerprint(&app.db.admin, "agent", a.id.as_str()).await;

    let routes = agent_routes();
    assert!(routes.len() >= 15, "the walk sees the routes: {routes:?}");
    let mut exact_404 = 0;
    for (method, template) in &routes {
        for (token, (target, missing)) in [&b.token, &b_service]
            .into_iter()
            .flat_map(|t| targets.map(|pair| (t, pair)))
        {
            let (status, body) = call(&app, token, method, &concrete(template, target)).await;
            let (want, want_body) = call(&app, token, method, &concrete(template, missing)).await;
            assert!(
                !(200..300).contains(&status),
                "{method} {template}: {status} {body}"
            );
            assert_eq!(
                (status, &body["code"]),
                (want, &want_body["code"]),
                "{method} {template}: A's agent must look like no agent"
            );
            exact_404 += usize::from(status == 404);
        }
    }
    assert!(
        exact_404 >= 2 * routes.len(),
        "most routes answer 404 outright ({exact_404})"
    );
    assert_eq!(
        before,
        walk::tenant_fingerprint(&app.db.admin, "agent", a.id.as_str()).await,
        "A's rows unchanged"
    );
    // B's own agent is reachable with the same token (the walk is not failing for B generally).
    let (status, _) = send(&app, "GET", &format!("/v1/agents/{own}"), &b.token, None).await;
    assert_eq!(status, 200);
}

/// Clients (and the fuzzer) can only call what the document describes completely.
#[test]
fn every_path_parameter_is_declared() {
    let doc = serde_json::to_value(agent_svc::openapi()).expect("openapi");
    assert_eq!(walk::undeclared_path_parameters(&doc), Vec::<String>::new());
}
