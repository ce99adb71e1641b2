//! Through HAProxy: routing of every URL prefix, per-backend health, and the per-tenant limit.

use std::time::Duration;

use e2e::{Options, SERVICES, Stack};
use kit::auth::{Claims, JwtKeys, TokenKind};
use kit::testing::TEST_AUTH_SECRET;
use shared_schemas::ids::TenantId;

/// A path under every URL prefix of spec §3.2, and the service that must answer it.
const ROUTES: &[(&str, &str)] = &[
    ("/v1/auth/status", "auth-svc"),
    ("/v1/users/", "auth-svc"),
    ("/v1/tenants/me", "auth-svc"),
    ("/v1/waitlist/join", "auth-svc"),
    ("/v1/agents/", "agent-svc"),
    ("/v1/agents/agt_x/lifecycle", "agent-svc"),
    ("/v1/agents/agt_x/sandbox", "agent-svc"),
    ("/v1/agents/agt_x/queue", "agent-svc"),
    ("/v1/agents/agt_x/inbox", "agent-svc"),
    ("/v1/agents/agt_x/channels", "agent-svc"),
    ("/v1/agents/agt_x/tools", "agent-svc"),
    ("/v1/agents/agt_x/pulse-routines", "agent-svc"),
    ("/v1/agents/agt_x/chat/sessions", "agent-svc"),
    ("/v1/chat/sessions", "agent-svc"),
    ("/v1/secrets/", "agent-svc"),
    ("/v1/settings/providers", "agent-svc"),
    ("/v1/llm-calls", "agent-svc"),
    ("/v1/admin/llm-calls", "agent-svc"),
    ("/v1/usage/me", "agent-svc"),
    ("/v1/users/me/providers", "agent-svc"),
    ("/v1/users/me/providers/openai", "agent-svc"),
    ("/v1/admin/shared-providers", "agent-svc"),
    ("/v1/admin/shared-providers/usage", "agent-svc"),
    ("/v1/users/me/profile", "auth-svc"),
    ("/v1/pulse-routines/pr_x/record-run", "agent-svc"),
    ("/v1/user-usage/me", "agent-svc"),
    ("/v1/skills/", "agent-svc"),
    ("/v1/pulses/schedule", "agent-svc"),
    ("/v1/projects/", "project-svc"),
    ("/v1/project-templates/", "project-svc"),
    ("/v1/onboarding/sessions", "project-svc"),
    ("/v1/memory/vaults", "memory-svc"),
    ("/v1/ingest/x", "memory-svc"),
    ("/v1/memory-scores/x", "memory-svc"),
    // An agent's memory files are memory-svc's, whatever the file is called.
    ("/v1/agents/agt_x/memory", "memory-svc"),
    ("/v1/agents/agt_x/memory/notes/a.md", "memory-svc"),
    ("/v1/agents/agt_x/memory/stream", "memory-svc"),
    ("/v1/agents/agt_x/memoryx", "agent-svc"),
    ("/v1/runs/", "engine-svc"),
    ("/v1/pipelines/", "engine-svc"),
    ("/v1/sessions", "engine-svc"),
    ("/v1/status", "engine-svc"),
    ("/v1/agents/agt_x/sessions", "engine-svc"),
    ("/v1/workspaces/run_x", "engine-svc"),
    // A workspace file named `events` is a file, not an SSE stream.
    ("/v1/workspaces/run_x/logs/events", "engine-svc"),
    ("/v1/admin/notifications", "auth-svc"),
    ("/v1/admin/notifications/mark-all-read", "auth-svc"),
    ("/v1/admin/users", "auth-svc"),
    ("/v1/admin/users/usr_x", "auth-svc"),
    ("/v1/users/by-slack-id/U1", "auth-svc"),
    ("/v1/admin/pending-approvals", "agent-svc"),
    ("/v1/admin/skills/x/approve", "agent-svc"),
    ("/v1/admin/secrets/sec_x/grant-user/usr_x", "agent-svc"),
    ("/v1/users/me/secrets", "agent-svc"),
    ("/v1/agents/agt_x/projects", "project-svc"),
    ("/v1/agents/agt_x/projects/prj_x/tasks", "project-svc"),
    ("/v1/agents/agt_x/projects/prj_x/other", "agent-svc"),
    ("/v1/events/stream", "sse-relay"),
    ("/v1/agents/agt_x/activity/stream", "sse-relay"),
    ("/v1/webhooks/github", "webhook-gw"),
    ("/v1/mcp/servers", "mcp-svc"),
    ("/v1/slack/status", "slack-svc"),
];

#[tokio::test]
async fn every_url_prefix_reaches_its_service() {
    let stack = Stack::start(Options::default()).await;
    for (path, service) in ROUTES {
        let res = stack.get(path).send().await.expect("send");
        let served_by = res
            .headers()
            .get("x-served-by")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        assert_eq!(
            served_by.as_deref(),
            Some(*service),
            "{path} answered {}",
            res.status()
        );
        assert!(
            res.headers().contains_key("x-request-id"),
            "{path} has no request id"
        );
    }
    for (name, _, _) in SERVICES {
        let res = stack
            .get(&format!("/health/{name}"))
            .send()
            .await
            .expect("send");
        assert_eq!(res.status(), 200, "/health/{name}");
        let body: serde_json::Value = res.json().await.expect("json");
        assert_eq!(body["service"], *name);
        assert_eq!(body["checks"]["postgres"], "ok");
    }
    let res = stack.get("/v1/nothing-here").send().await.expect("send");
    assert_eq!(res.status(), 404);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["code"], "not_found");
}

#[tokio::test]
async fn per_tenant_limit_answers_429_with_retry_after() {
    let stack = Stack::start(Options {
        tenant_rate_limit: Some(5),
        ..Options::default()
    })
    .await;
    let keys = JwtKeys::new("k1", TEST_AUTH_SECRET.as_bytes());
    let token = |tenant: &TenantId| {
        keys.mint(&Claims::access(
            "usr_1",
            tenant.clone(),
            TokenKind::User,
            Duration::from_secs(300),
        ))
        .expect("mint")
    };
    let busy = token(&TenantId::generate());
    let quiet = token(&TenantId::generate());
    let mut limited = None;
    for _ in 0..20 {
        let res = stack
            .get("/v1/agents/")
            .bearer_auth(&busy)
            .send()
            .await
            .expect("send");
        if res.status() == 429 {
            limited = Some(res);
            break;
        }
    }
    let res = limited.expect("the busy tenant must be limited within 20 requests");
    assert!(res.headers().contains_key("retry-after"));
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["code"], "rate_limited");
    let res = stack
        .get("/v1/agents/")
        .bearer_auth(&quiet)
        .send()
        .await
        .expect("send");
    assert_ne!(res.status(), 429, "another tenant keeps its own budget");
}
