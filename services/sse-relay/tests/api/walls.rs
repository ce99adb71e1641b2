//! Tenant walls: the tenant is the token's; another tenant's ids answer 404 before any byte;
//! agent tokens watch only their own agent and run; platform logs are for platform admins.

use std::time::Duration;

use kit::testing::walk::CrossTenantWalk;
use kit::{Claims, TokenKind};
use serde_json::json;

use crate::support::{open, relay};

#[tokio::test]
async fn tenant_b_gets_404_before_any_byte_on_tenant_as_ids() {
    let r = relay().await;
    let a = r.app.tenant("a").await;
    let b = r.app.tenant("b").await;
    r.agents.add(&a.id, "agt_aaa", "alice");
    r.publish(
        &a.id,
        Some("run_secret"),
        json!({"type": "RUN_CREATED", "runId": "run_secret"}),
    )
    .await;
    r.xadd(
        &r.app.platform.keys.session_stream(&a.id, "chat_alice_1"),
        &json!({"type": "turn_end"}),
    )
    .await;
    for path in [
        "/v1/events/stream/run_secret",
        "/v1/events/stream/run_guessed",
        "/v1/events/work-locks/agt_aaa",
        "/v1/events/activity/alice",
        "/v1/events/sessions/agt_aaa",
        "/v1/events/sessions/chat_alice_1/events",
        "/v1/sessions/chat_alice_1/stream",
        "/v1/agents/alice/chat/chat_alice_1/stream",
    ] {
        let s = open(&r.url(path), &b.token).await;
        assert_eq!(s.status, 404, "{path}");
        assert_eq!(
            s.headers["content-type"], "application/json",
            "{path}: no stream began"
        );
    }
}

#[tokio::test]
async fn every_route_with_an_id_answers_tenant_b_as_if_the_id_existed_nowhere() {
    let r = relay().await;
    let a = r.app.tenant("a").await;
    let b = r.app.tenant("b").await;
    r.agents.add(&a.id, "agt_aaa", "alice");
    let keys = &r.app.platform.keys;
    r.publish(&a.id, Some("run_aaa"), json!({"type": "RUN_CREATED"}))
        .await;
    r.xadd(
        &keys.session_stream(&a.id, "sess_aaa"),
        &json!({"type": "turn_end"}),
    )
    .await;
    r.xadd(
        &keys.swarm_progress(&a.id, "swarm_aaa"),
        &json!({"type": "swarm:task_started"}),
    )
    .await;
    let doc = serde_json::to_value(sse_relay::openapi()).expect("doc");
    let b_agent = r.agent_token(&b.id, "agt_bbb", Some("run_aaa"));
    let b_service = r.app.token(&b.id, "svc:engine-svc", TokenKind::Service);
    let report = CrossTenantWalk::new(&r.app, &doc, "sse", &a.id)
        .id("run_id", "run_aaa")
        .id("agent_id", "agt_aaa")
        .id("session_id", "sess_aaa")
        .id("swarm_id", "swarm_aaa")
        .fixed("container_name", "engine-1")
        .token(&b.token)
        .token(&b_agent)
        .token(&b_service)
        .run()
        .await;
    assert!(report.walked >= 9, "{report:?}");
    assert!(report.not_found >= 20, "{report:?}");
}

#[tokio::test]
async fn a_forged_query_token_opens_nothing() {
    let r = relay().await;
    let a = r.app.tenant("a").await;
    let b = r.app.tenant("b").await;
    r.publish(&a.id, Some("run_q"), json!({"type": "RUN_CREATED"}))
        .await;
    // B's real token in the query reaches only B's namespace.
    let url = r.url(&format!("/v1/events/stream/run_q?token={}", b.token));
    assert_eq!(
        crate::support::open_with(&url, None, None).await.status,
        404
    );
    // A's token re-signed with another key, and a token claiming A's tenant unsigned.
    let forged_key = kit::auth::JwtKeys::new("k1", b"another-secret-another-secret-0123456789");
    let claims = Claims::access(
        "usr_x",
        a.id.clone(),
        TokenKind::User,
        Duration::from_secs(60),
    );
    let forged = forged_key.mint(&claims).expect("mint");
    let url = r.url(&format!("/v1/events/stream/run_q?token={forged}"));
    let s = crate::support::open_with(&url, None, None).await;
    assert_eq!(s.status, 401);
    // A's own query token works.
    let url = r.url(&format!("/v1/events/stream/run_q?token={}", a.token));
    assert_eq!(
        crate::support::open_with(&url, None, None).await.status,
        200
    );
}

#[tokio::test]
async fn an_agent_token_watches_only_its_own_agent_and_run() {
    let r = relay().await;
    let a = r.app.tenant("a").await;
    r.agents.add(&a.id, "agt_mine", "mine");
    r.agents.add(&a.id, "agt_peer", "peer");
    r.publish(&a.id, Some("run_mine"), json!({"type": "RUN_CREATED"}))
        .await;
    r.publish(&a.id, Some("run_peer"), json!({"type": "RUN_CREATED"}))
        .await;
    let token = r.agent_token(&a.id, "agt_mine", Some("run_mine"));
    assert_eq!(
        open(&r.url("/v1/events/stream/run_mine"), &token)
            .await
            .status,
        200
    );
    assert_eq!(
        open(&r.url("/v1/events/work-locks/mine"), &token)
            .await
            .status,
        200
    );
    assert_eq!(
        open(&r.url("/v1/events/stream/run_peer"), &token)
            .await
            .status,
        404
    );
    let peer = open(&r.url("/v1/events/work-locks/agt_peer"), &token).await;
    assert_eq!(peer.status, 403);
    assert_eq!(peer.error_body().await["code"], "agent_scope");
    for tenant_wide in [
        "/v1/events/stream",
        "/v1/events/events",
        "/v1/events/llm-calls",
        "/v1/events/sessions",
        "/v1/mcp/logs/stream",
    ] {
        assert_eq!(
            open(&r.url(tenant_wide), &token).await.status,
            403,
            "{tenant_wide}"
        );
    }
}

#[tokio::test]
async fn platform_logs_refuse_everyone_but_platform_admins() {
    let r = relay().await;
    let a = r.app.tenant("a").await;
    let keys = &r.app.platform.keys;
    r.xadd_fields(
        &keys.container_logs("engine-1"),
        &[
            ("line", "old"),
            ("level", "info"),
            ("ts", "1"),
            ("container", "engine-1"),
            ("service", "engine-svc"),
        ],
    )
    .await;
    let mut tenant_admin = Claims::access(
        "usr_ta",
        a.id.clone(),
        TokenKind::User,
        Duration::from_secs(60),
    );
    tenant_admin.is_admin = true;
    let tenant_admin = r.app.mint(&tenant_admin);
    let service = r.app.token(&a.id, "svc:x", TokenKind::Service);
    for token in [&a.token, &tenant_admin, &service] {
        for path in [
            "/v1/admin/logs/stream/merged",
            "/v1/admin/logs/stream/engine-1",
        ] {
            let s = open(&r.url(path), token).await;
            assert_eq!(s.status, 403, "{path}");
            assert_eq!(s.error_body().await["code"], "platform_admin_only");
        }
    }
    let mut admin = Claims::access(
        "usr_root",
        a.id.clone(),
        TokenKind::User,
        Duration::from_secs(60),
    );
    admin.platform_admin = true;
    let admin = r.app.mint(&admin);
    let mut s = open(&r.url("/v1/admin/logs/stream/engine-1?tail=5"), &admin).await;
    assert_eq!(s.status, 200);
    assert_eq!(
        s.next(Duration::from_secs(5))
            .await
            .expect("connected")
            .event
            .as_deref(),
        Some("connected")
    );
    let old = s.next(Duration::from_secs(5)).await.expect("tail");
    assert_eq!(
        (old.event.as_deref(), old.json()["line"].as_str()),
        (Some("log"), Some("old"))
    );
    r.xadd_fields(
        &keys.container_logs("engine-1"),
        &[
            ("line", "new"),
            ("level", "warn"),
            ("ts", "2"),
            ("container", "engine-1"),
            ("service", "engine-svc"),
        ],
    )
    .await;
    assert_eq!(
        s.next(Duration::from_secs(5)).await.expect("live").json()["line"],
        "new"
    );
    assert_eq!(
        open(&r.url("/v1/admin/logs/stream/nowhere"), &admin)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn an_agents_chat_path_never_opens_another_agents_chat() {
    let r = relay().await;
    let a = r.app.tenant("a").await;
    r.agents.add(&a.id, "agt_aaa", "alice");
    r.agents.add(&a.id, "agt_bbb", "bob");
    r.agents.chat(&a.id, "agt_aaa", "chat_alice_1");
    r.xadd(
        &r.app.platform.keys.session_stream(&a.id, "chat_alice_1"),
        &json!({"type": "turn_end"}),
    )
    .await;
    let own = open(
        &r.url("/v1/agents/alice/chat/chat_alice_1/stream"),
        &a.token,
    )
    .await;
    assert_eq!(own.status, 200);
    let other = open(&r.url("/v1/agents/bob/chat/chat_alice_1/stream"), &a.token).await;
    assert_eq!(other.status, 404, "alice's chat under bob's path");
    let bob = r.agent_token(&a.id, "agt_bbb", None);
    let as_bob = open(&r.url("/v1/agents/bob/chat/chat_alice_1/stream"), &bob).await;
    assert_eq!(as_bob.status, 404, "bob's own token on alice's chat");
}
