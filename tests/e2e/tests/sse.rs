//! Live streams end to end: through HAProxy, the real sse-relay, agent-svc (agent lookups) and
//! engine-svc producing a run's events while a real runtime executes it against the fake LLM.

mod engine_support;

use std::time::Duration;

use engine_support::sse::{Frame, open};
use engine_support::{
    create_pipeline, model, pipeline, slow_completes, stack, start_run, tenant, wait_end,
};
use llm_fake::LlmFake;
use serde_json::Value;

#[tokio::test]
async fn a_run_streams_live_through_haproxy_resumes_and_stays_in_its_tenant() {
    let fake = LlmFake::start().await;
    let stack = stack(&fake, 0, &[]).await;
    let a = tenant(&stack, "ada@example.com", &fake, &["engineer"]).await;
    let b = tenant(&stack, "bob@example.com", &fake, &["engineer"]).await;
    let m = model();
    fake.script(&m, slow_completes(2, 300));
    create_pipeline(&stack, &a, &pipeline("two-steps", &m, 2)).await;

    let mut a_all = open(&stack, "/v1/events/stream", &a.token, None).await;
    let mut b_all = open(&stack, "/v1/events/stream", &b.token, None).await;
    assert_eq!((a_all.status, b_all.status), (200, 200));
    let run = start_run(&stack, &a, "two-steps", "stream me").await;

    // The run's stream from its start (since=0), live until RUN_COMPLETE.
    let mut live = None;
    for _ in 0..50 {
        let s = open(
            &stack,
            &format!("/v1/events/stream/{run}?since=0"),
            &a.token,
            None,
        )
        .await;
        if s.status == 200 {
            live = Some(s);
            break;
        }
        assert_eq!(
            s.status, 404,
            "before its first event a run has no stream yet"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut live = live.expect("the run's stream opened");
    let frames = live.until("RUN_COMPLETE").await;
    assert_eq!(frames[0].json()["type"], "RUN_CREATED", "{frames:?}");
    assert!(
        frames
            .iter()
            .all(|f| f.event.as_deref() == Some("message") && f.id.is_some())
    );
    let types: Vec<String> = frames
        .iter()
        .map(|f| f.json()["type"].as_str().unwrap_or("").to_owned())
        .collect();
    for want in ["STEP_QUEUED", "STEP_STARTED", "STEP_COMPLETE"] {
        assert!(types.iter().any(|t| t == want), "{want} in {types:?}");
    }
    assert_eq!(
        wait_end(&stack, &a, &run, Duration::from_secs(60)).await["status"],
        "completed"
    );

    // Resume after the third frame: exactly the rest, in order.
    let mut resumed = open(
        &stack,
        &format!("/v1/events/stream/{run}?since=0"),
        &a.token,
        frames[2].id.as_deref(),
    )
    .await;
    assert_eq!(resumed.status, 200);
    let rest = resumed.until("RUN_COMPLETE").await;
    assert_eq!(rest, frames[3..].to_vec());

    // The tenant streams: A saw its run, B saw nothing of it.
    let a_frames = a_all.until("RUN_COMPLETE").await;
    assert!(
        a_frames
            .iter()
            .all(|f| f.json()["tenantId"] == a.id.as_str())
    );
    while let Some(f) = b_all.next(Duration::from_millis(500)).await {
        assert_ne!(
            f.json()["tenantId"],
            a.id.as_str(),
            "B received A's frame {f:?}"
        );
    }

    // Tenant walls through HAProxy, with the real agent-svc behind the agent lookups.
    let a_agent = a.agent("engineer");
    for path in [
        format!("/v1/events/stream/{run}"),
        format!("/v1/events/work-locks/{a_agent}"),
        format!("/v1/events/activity/{a_agent}"),
        "/v1/events/sessions/chat_x_1/events".to_owned(),
    ] {
        assert_eq!(
            open(&stack, &path, &b.token, None).await.status,
            404,
            "{path}"
        );
    }
    // HAProxy sends every stream path of the relay there: the chat alias under /v1/agents, the
    // platform logs under /v1/admin (refused by the relay itself), the MCP logs under /v1/mcp.
    let chat = open(
        &stack,
        "/v1/agents/engineer/chat/chat_nowhere_1/stream",
        &a.token,
        None,
    )
    .await;
    assert_eq!(chat.status, 404);
    let logs = open(&stack, "/v1/admin/logs/stream/merged", &a.token, None).await;
    assert_eq!(logs.status, 403);
    let body: Value = logs.res.json().await.expect("json");
    assert_eq!(body["code"], "platform_admin_only");
    let mut mcp = open(&stack, "/v1/mcp/logs/stream", &a.token, None).await;
    assert_eq!(mcp.status, 200);
    let connected = mcp.next(Duration::from_secs(5)).await.and_then(|f| f.event);
    assert_eq!(connected.as_deref(), Some("connected"));

    let mut activity = open(
        &stack,
        "/v1/events/activity/engineer?limit=200",
        &a.token,
        None,
    )
    .await;
    assert_eq!(activity.status, 200, "A's agent by slug");
    let opening = activity.until("connected").await;
    assert!(
        opening.iter().any(|f| f.json()["phase"] == "backfill"),
        "{opening:?}"
    );
    assert_eq!(
        opening.last().map(Frame::json).unwrap_or_default()["agentId"],
        a_agent
    );
}
