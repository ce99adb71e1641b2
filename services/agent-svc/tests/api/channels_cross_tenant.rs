//! Every channel, tool, permission, queue and inbox route with tenant B's credentials on
//! tenant A's ids: 404 everywhere, and A's data exactly as it was.

use serde_json::{Value, json as j};

use crate::helpers::{Tenant, agent, assert_error, send, set_up, spawn, tenant};
use crate::tokens::{agent_token, service_token};

/// Everything A can read about its agent, to compare before and after B's attempts.
async fn snapshot(app: &kit::testing::TestApp, a: &Tenant, id: &str) -> Vec<Value> {
    let svc = service_token(app, a);
    let mut out = Vec::new();
    for (path, token) in [
        (format!("/v1/agents/{id}/channels"), &a.token),
        (format!("/v1/agents/{id}/channels/keys/all"), &svc),
        (format!("/v1/agents/{id}/tools/overrides"), &a.token),
        (format!("/v1/agents/{id}/messaging-permissions"), &a.token),
        (format!("/v1/agents/{id}/queue"), &a.token),
        (format!("/v1/agents/{id}/inbox"), &a.token),
    ] {
        let (status, body) = send(app, "GET", &path, token, None).await;
        assert_eq!(status, 200, "{path}: {body}");
        out.push(body);
    }
    out
}

#[tokio::test]
async fn tenant_b_reaches_none_of_tenant_a_agent_routes() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let id = agent(&app, &a, "eric").await;
    let b_agent = agent(&app, &b, "eric").await;
    let a_svc = service_token(&app, &a);

    let slack = j!({"primaryToken": "xoxb-1-2-abcdefgh", "secondaryToken": "xapp-1-2-abcdefgh"});
    set_up(
        &app,
        "PUT",
        &format!("/v1/agents/{id}/channels/slack"),
        &a.token,
        Some(slack.clone()),
    )
    .await;
    let off = j!({"overrides": [{"tool_name": "bash", "enabled": false}]});
    set_up(
        &app,
        "PUT",
        &format!("/v1/agents/{id}/tools/overrides"),
        &a.token,
        Some(off.clone()),
    )
    .await;
    let perm = j!({"channel": "telegram", "target": "12345"});
    let (_, perm_row) = send(
        &app,
        "POST",
        &format!("/v1/agents/{id}/messaging-permissions"),
        &a.token,
        Some(perm.clone()),
    )
    .await;
    let perm_id = perm_row["id"].as_i64().expect("id");
    let item = j!({"kind": "step", "runId": "run_1", "step": "SPEC"});
    let (_, item_row) = send(
        &app,
        "POST",
        &format!("/v1/agents/{id}/queue"),
        &a_svc,
        Some(item.clone()),
    )
    .await;
    let item_id = item_row["id"].as_str().expect("id").to_owned();
    let msg = j!({"from": "Sam", "body": "secret plans"});
    let (_, msg_row) = send(
        &app,
        "POST",
        &format!("/v1/agents/{id}/inbox"),
        &a.token,
        Some(msg.clone()),
    )
    .await;
    let msg_id = msg_row["id"].as_str().expect("id").to_owned();
    let before = snapshot(&app, &a, &id).await;

    let base = format!("/v1/agents/{id}");
    let routes: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", format!("{base}/channels"), None),
        ("GET", format!("{base}/channels/slack"), None),
        ("PUT", format!("{base}/channels/slack"), Some(slack)),
        ("DELETE", format!("{base}/channels/slack"), None),
        ("GET", format!("{base}/tools/overrides"), None),
        ("PUT", format!("{base}/tools/overrides"), Some(off)),
        ("DELETE", format!("{base}/tools/overrides/bash"), None),
        ("GET", format!("{base}/tools/disabled"), None),
        ("GET", format!("{base}/messaging-permissions"), None),
        (
            "POST",
            format!("{base}/messaging-permissions"),
            Some(j!({"channel": "signal", "target": "+1"})),
        ),
        (
            "PUT",
            format!("{base}/messaging-permissions"),
            Some(j!({"channel": "telegram", "permissions": []})),
        ),
        (
            "DELETE",
            format!("{base}/messaging-permissions/{perm_id}"),
            None,
        ),
        ("GET", format!("{base}/queue"), None),
        (
            "POST",
            format!("{base}/queue/cancel"),
            Some(j!({"itemId": item_id})),
        ),
        (
            "POST",
            format!("{base}/queue/clear"),
            Some(j!({"confirm": true})),
        ),
        ("DELETE", format!("{base}/queue/{item_id}"), None),
        ("GET", format!("{base}/inbox"), None),
        ("POST", format!("{base}/inbox"), Some(msg)),
        (
            "POST",
            format!("{base}/inbox/mark-read"),
            Some(j!({"messageIds": [msg_id]})),
        ),
        (
            "POST",
            format!("{base}/inbox/clear"),
            Some(j!({"confirm": true})),
        ),
        ("GET", format!("{base}/inbox/{msg_id}"), None),
    ];
    let b_tokens = [
        b.token.clone(),
        service_token(&app, &b),
        agent_token(&app, &b, &b_agent),
    ];
    for token in &b_tokens {
        for (method, path, body) in &routes {
            let (status, err) = send(&app, method, path, token, body.clone()).await;
            assert_error(status, &err, 404, "agent_not_found");
        }
    }
    // The service-only routes: B's services get 404 too (B's users 403 before any lookup).
    let b_svc = service_token(&app, &b);
    for (method, path, body) in [
        ("GET", format!("{base}/channels/keys/all"), None),
        ("POST", format!("{base}/queue"), Some(item)),
    ] {
        let (status, err) = send(&app, method, &path, &b_svc, body).await;
        assert_error(status, &err, 404, "agent_not_found");
    }

    // A's row ids through B's own agent find nothing either.
    let own = format!("/v1/agents/{b_agent}");
    let (_, res) = send(
        &app,
        "POST",
        &format!("{own}/queue/cancel"),
        &b.token,
        Some(j!({"itemId": item_id})),
    )
    .await;
    assert_eq!(res, j!({"cancelled": false}));
    for (method, path, code) in [
        (
            "DELETE",
            format!("{own}/queue/{item_id}"),
            "queue_item_not_found",
        ),
        ("GET", format!("{own}/inbox/{msg_id}"), "message_not_found"),
        (
            "DELETE",
            format!("{own}/messaging-permissions/{perm_id}"),
            "permission_not_found",
        ),
    ] {
        let (status, err) = send(&app, method, &path, &b.token, None).await;
        assert_error(status, &err, 404, code);
    }
    let (_, marked) = send(
        &app,
        "POST",
        &format!("{own}/inbox/mark-read"),
        &b.token,
        Some(j!({"messageIds": [msg_id]})),
    )
    .await;
    assert_eq!(marked["marked"], 0);
    // Naming A's agent as the sender of a message in B is refused.
    let (status, err) = send(
        &app,
        "POST",
        &format!("{own}/inbox"),
        &b.token,
        Some(j!({"from": "x", "fromAgentId": id, "body": "hi"})),
    )
    .await;
    assert_error(status, &err, 404, "agent_not_found");

    assert_eq!(snapshot(&app, &a, &id).await, before, "A's data unchanged");
}
