//! Security review M5: plaintext credentials (members' provider keys, granted secrets, channel
//! tokens) go only to our own services. A service API key (any tenant admin can create one) is
//! refused on the `/v1` paths; the internal paths answer only internal service tokens.

use kit::auth::status::TenantState;
use kit::testing::TestApp;
use serde_json::{Value, json as j};

use crate::helpers::{Tenant, agent, assert_error, send, spawn, tenant};
use crate::secrets::create as create_secret;
use crate::tokens::{internal_token, service_api_key, service_token};

const MEMBER_KEY: &str = "sk-member-own-0123456789abcdef";
const BOT: &str = "xoxb-1111111111-2222222222-abcdefghijklmnop";
const SECRET: &str = "ghp_plaintext0123456789abcdefghij";

/// A member's own OpenAI key, a secret granted to an agent and the agent's Slack token.
async fn credentials(app: &TestApp, a: &Tenant) -> String {
    let (status, body) = send(
        app,
        "PUT",
        "/v1/users/me/providers/openai",
        &a.token,
        Some(j!({"apiKey": MEMBER_KEY})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let agent_id = agent(app, a, "courier").await;
    let secret = create_secret(app, a, "GitHub", "github_token", SECRET).await;
    let sid = secret["id"].as_str().expect("id");
    let (status, body) = send(
        app,
        "POST",
        &format!("/v1/secrets/{sid}/grant/{agent_id}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send(
        app,
        "PUT",
        &format!("/v1/agents/{agent_id}/channels/slack"),
        &a.token,
        Some(j!({"primaryToken": BOT})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    agent_id
}

/// The three plaintext reads under `prefix` (`/v1` or an internal tenant prefix).
fn paths(prefix: &str, a: &Tenant, agent_id: &str) -> [String; 3] {
    [
        format!("{prefix}/settings/providers/keys/all?user_id={}", a.user),
        format!("{prefix}/secrets/agents/{agent_id}/env"),
        format!("{prefix}/agents/{agent_id}/channels/keys/all"),
    ]
}

fn shows_plaintext(body: &Value) -> bool {
    let text = body.to_string();
    text.contains(MEMBER_KEY) || text.contains(SECRET) || text.contains(BOT)
}

#[tokio::test]
async fn a_service_api_key_cannot_read_plaintext_credentials() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let agent_id = credentials(&app, &a).await;
    let key = service_api_key(&app, &a).await;
    // The key is a working credential: it opens the service endpoints that reveal nothing.
    let (status, body) = send(
        &app,
        "POST",
        &format!("/v1/agents/{agent_id}/queue"),
        &key,
        Some(j!({"kind": "task", "title": "t"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    for path in paths("/v1", &a, &agent_id) {
        let (status, body) = send(&app, "GET", &path, &key, None).await;
        assert_error(status, &body, 403, "service_key_refused");
        assert!(!shows_plaintext(&body), "{path}: {body}");
    }
    // What our services mint still reads the /v1 paths until engine-svc moves.
    let svc = service_token(&app, &a);
    for path in paths("/v1", &a, &agent_id) {
        let (status, body) = send(&app, "GET", &path, &svc, None).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
}

#[tokio::test]
async fn an_internal_token_reads_plaintext_on_the_internal_paths_and_nothing_else_does() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let agent_id = credentials(&app, &a).await;
    let internal = internal_token(&app, "engine-svc");
    let prefix = format!("/internal/agent/tenants/{}", a.id);
    let [keys, env, channels] = paths(&prefix, &a, &agent_id);

    let (status, body) = send(&app, "GET", &keys, &internal, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["keys"]["openai"], MEMBER_KEY, "{body}");
    let (status, body) = send(&app, "GET", &env, &internal, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        j!({"agent_id": agent_id, "env": {"GITHUB_TOKEN": SECRET}})
    );
    let (status, body) = send(&app, "GET", &channels, &internal, None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["channels"]["slack"]["primaryToken"], BOT, "{body}");

    // Tenant credentials of every kind are refused on the internal paths.
    let key = service_api_key(&app, &a).await;
    let svc = service_token(&app, &a);
    for token in [&key, &svc, &a.token] {
        for path in [&keys, &env, &channels] {
            let (status, body) = send(&app, "GET", path, token, None).await;
            assert_eq!(status, 403, "{path}: {body}");
            assert!(!shows_plaintext(&body), "{path}: {body}");
        }
    }
    let (status, _) = send(&app, "GET", &keys, "", None).await;
    assert_eq!(status, 401);

    // Another tenant named in the path sees none of A's agents or keys.
    let other = format!("/internal/agent/tenants/{}", b.id);
    let [b_keys, b_env, b_channels] = paths(&other, &a, &agent_id);
    let (status, body) = send(&app, "GET", &b_keys, &internal, None).await;
    assert_eq!(status, 200, "{body}");
    assert!(!shows_plaintext(&body), "{body}");
    for path in [&b_env, &b_channels] {
        let (status, body) = send(&app, "GET", path, &internal, None).await;
        assert_eq!(status, 404, "{path}: {body}");
    }
    let (status, body) = send(
        &app,
        "GET",
        "/internal/agent/tenants/not-a-tenant/settings/providers/keys/all",
        &internal,
        None,
    )
    .await;
    assert_error(status, &body, 422, "validation_failed");

    // A suspended tenant's runs get no keys, as its own credentials get nothing. (A tenant whose
    // status this process has not read yet: agent-svc keeps a read status for a few seconds.)
    let c = tenant(&app, "Gamma").await;
    kit::auth::status::publish(&app.platform, &c.id, TenantState::Suspended)
        .await
        .expect("suspend");
    let suspended = format!("/internal/agent/tenants/{}", c.id);
    for path in &paths(&suspended, &c, &agent_id) {
        let (status, body) = send(&app, "GET", path, &internal, None).await;
        assert_error(status, &body, 403, "tenant_suspended");
    }
}
