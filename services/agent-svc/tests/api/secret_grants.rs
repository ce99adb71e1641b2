//! Secret grants: plaintext only to the tenant's engine service and only for granted secrets,
//! grants that go with their agent or secret, and the cross-tenant matrix over every route.

use kit::TokenKind;
use serde_json::json as j;

use crate::helpers::{agent, assert_error, send, set_up, spawn, tenant};
use crate::secrets::{PLAIN, admin_token, create, env_of, id, stored};
use crate::skill_grants::agent_token;

#[tokio::test]
async fn the_engine_gets_plaintext_for_granted_secrets_only() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let agent_id = agent(&app, &a, "researcher").await;
    let gh = id(&create(&app, &a, "GitHub", "GITHUB_TOKEN", PLAIN).await);
    create(&app, &a, "Unused", "OTHER_KEY", "not-granted-value").await;
    let engine = app.token(&a.id, "engine-svc", TokenKind::Service);

    let (status, env) = env_of(&app, &engine, &agent_id).await;
    assert_eq!((status, &env["env"]), (200, &j!({})));
    set_up(
        &app,
        "POST",
        &format!("/v1/secrets/{gh}/grant/{agent_id}"),
        &a.token,
        None,
    )
    .await;
    let (status, env) = env_of(&app, &engine, &agent_id).await;
    assert_eq!(status, 200);
    assert_eq!(
        env,
        j!({"agent_id": agent_id, "env": {"GITHUB_TOKEN": PLAIN}})
    );

    // Rotation reaches the engine; the stored ciphertext changes with it.
    let before = stored(&app, &gh).await;
    let (status, rotated) = send(
        &app,
        "PUT",
        &format!("/v1/secrets/{gh}"),
        &a.token,
        Some(j!({"value": "ghp_rotated_value_0000000000"})),
    )
    .await;
    assert_eq!(status, 200, "{rotated}");
    assert_eq!(rotated["masked_preview"], "...0000");
    assert_ne!(stored(&app, &gh).await, before);
    let (_, env) = env_of(&app, &engine, &agent_id).await;
    assert_eq!(env["env"]["GITHUB_TOKEN"], "ghp_rotated_value_0000000000");

    // Users and agents are refused, even the agent itself.
    let (status, err) = env_of(&app, &a.token, &agent_id).await;
    assert_error(status, &err, 403, "forbidden");
    let (status, err) = env_of(&app, &agent_token(&app, &a, &agent_id), &agent_id).await;
    assert_error(status, &err, 403, "forbidden");

    let (status, _) = send(
        &app,
        "DELETE",
        &format!("/v1/secrets/{gh}/grant/{agent_id}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (_, env) = env_of(&app, &engine, &agent_id).await;
    assert_eq!(env["env"], j!({}), "revoked");
    let (status, err) = send(
        &app,
        "DELETE",
        &format!("/v1/secrets/{gh}/grant/{agent_id}"),
        &a.token,
        None,
    )
    .await;
    assert_error(status, &err, 404, "grant_not_found");
}

#[tokio::test]
async fn deleting_the_agent_or_the_secret_removes_the_grants() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let first = agent(&app, &a, "first").await;
    let second = agent(&app, &a, "second").await;
    let sid = id(&create(&app, &a, "GitHub", "GITHUB_TOKEN", PLAIN).await);
    for agent_id in [&first, &second] {
        set_up(
            &app,
            "POST",
            &format!("/v1/secrets/{sid}/grant/{agent_id}"),
            &a.token,
            None,
        )
        .await;
    }
    let count = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from agent.agent_secret_grants")
            .fetch_one(&app.db.admin)
            .await
            .expect("count")
    };
    assert_eq!(count().await, 2);
    set_up(
        &app,
        "DELETE",
        &format!("/v1/agents/{first}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(count().await, 1);
    let (_, secret) = send(&app, "GET", &format!("/v1/secrets/{sid}"), &a.token, None).await;
    assert_eq!(secret["granted_agents"], j!([second]));
    let (status, _) = send(
        &app,
        "DELETE",
        &format!("/v1/secrets/{sid}"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(count().await, 0);
    let (status, err) = send(&app, "GET", &format!("/v1/secrets/{sid}"), &a.token, None).await;
    assert_error(status, &err, 404, "secret_not_found");
}

#[tokio::test]
async fn tenant_b_reaches_none_of_tenant_a_secret_routes() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let a_agent = agent(&app, &a, "researcher").await;
    let b_agent = agent(&app, &b, "researcher").await;
    let sid = id(&create(&app, &a, "GitHub", "GITHUB_TOKEN", PLAIN).await);
    set_up(
        &app,
        "POST",
        &format!("/v1/secrets/{sid}/grant/{a_agent}"),
        &a.token,
        None,
    )
    .await;
    let before = send(&app, "GET", &format!("/v1/secrets/{sid}"), &a.token, None).await;

    let b_admin = admin_token(&app, &b, b.user.as_str());
    for (method, path, body, code) in [
        (
            "GET",
            format!("/v1/secrets/{sid}"),
            None,
            "secret_not_found",
        ),
        (
            "PUT",
            format!("/v1/secrets/{sid}"),
            Some(j!({"value": "stolen-value"})),
            "secret_not_found",
        ),
        (
            "DELETE",
            format!("/v1/secrets/{sid}"),
            None,
            "secret_not_found",
        ),
        (
            "POST",
            format!("/v1/secrets/{sid}/grant/{b_agent}"),
            None,
            "secret_not_found",
        ),
        (
            "DELETE",
            format!("/v1/secrets/{sid}/grant/{b_agent}"),
            None,
            "secret_not_found",
        ),
        (
            "POST",
            format!("/v1/secrets/{sid}/grant/{a_agent}"),
            None,
            "agent_not_found",
        ),
        (
            "DELETE",
            format!("/v1/secrets/{sid}/grant/{a_agent}"),
            None,
            "agent_not_found",
        ),
        (
            "GET",
            format!("/v1/secrets/agents/{a_agent}"),
            None,
            "agent_not_found",
        ),
        (
            "GET",
            format!("/v1/secrets/agents/{a_agent}/env"),
            None,
            "agent_not_found",
        ),
    ] {
        let (status, err) = send(&app, method, &path, &b_admin, body).await;
        assert_error(status, &err, 404, code);
    }
    let b_service = app.token(&b.id, "engine-svc", TokenKind::Service);
    let b_agent_token = agent_token(&app, &b, &b_agent);
    for token in [&b_service, &b_agent_token] {
        let (status, err) = env_of(&app, token, &a_agent).await;
        assert_error(status, &err, 404, "agent_not_found");
        let (status, err) = send(
            &app,
            "GET",
            &format!("/v1/secrets/agents/{a_agent}"),
            token,
            None,
        )
        .await;
        assert_error(status, &err, 404, "agent_not_found");
    }
    let (_, b_list) = send(&app, "GET", "/v1/secrets/", &b.token, None).await;
    assert_eq!(b_list, j!([]));
    let after = send(&app, "GET", &format!("/v1/secrets/{sid}"), &a.token, None).await;
    assert_eq!(before, after, "A's secret unchanged");
    let engine = app.token(&a.id, "engine-svc", TokenKind::Service);
    let (_, env) = env_of(&app, &engine, &a_agent).await;
    assert_eq!(env["env"]["GITHUB_TOKEN"], PLAIN);
}
