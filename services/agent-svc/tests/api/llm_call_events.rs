//! What a run's agent token may record in the LLM call log, and the `LLM_CALL_RECORDED` event
//! each recorded call sends to the tenant's stream (through the outbox, with the row).

use serde_json::json as j;

use crate::helpers::{agent, assert_error, send, spawn, tenant};
use crate::llm_calls::{call, count};

/// A runtime's token: its agent, scoped to one run.
fn run_token(app: &kit::testing::TestApp, t: &crate::helpers::Tenant, agent_id: &str) -> String {
    let mut claims = kit::Claims::access(
        agent_id,
        t.id.clone(),
        kit::TokenKind::Agent,
        std::time::Duration::from_secs(900),
    );
    claims.agent_id = Some(agent_id.to_owned());
    claims.run_id = Some("run_0a1b2c3d4e5f6g7h".to_owned());
    app.mint(&claims)
}

#[tokio::test]
async fn a_run_token_records_only_its_run_and_each_call_reaches_the_tenant_stream() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let agent_id = agent(&app, &a, "researcher").await;
    let other = agent(&app, &a, "writer").await;
    let token = run_token(&app, &a, &agent_id);
    let mine = call(
        &agent_id,
        j!({"run_id": "run_0a1b2c3d4e5f6g7h", "request_id": "req_1", "key_masked": "sk-f...-key",
            "tool_call_count": 2, "has_thinking": true, "stop_reason": "tool_use"}),
    );
    let (status, recorded) = send(&app, "POST", "/v1/internal/llm-calls", &token, Some(mine)).await;
    assert_eq!(status, 201, "{recorded}");
    for (body, want, code) in [
        (
            call(&agent_id, j!({"run_id": "run_0a1b2c3d4e5fother"})),
            403,
            "run_scope",
        ),
        (call(&agent_id, j!({})), 403, "run_scope"),
        (
            call(&other, j!({"run_id": "run_0a1b2c3d4e5f6g7h"})),
            403,
            "agent_scope",
        ),
    ] {
        let (status, err) = send(&app, "POST", "/v1/internal/llm-calls", &token, Some(body)).await;
        assert_error(status, &err, want, code);
    }
    assert_eq!(count(&app).await, 1, "only the run's own call was written");

    let events = crate::pulses::events_of(&app, &a, "LLM_CALL_RECORDED", 1).await;
    let event = &events[0];
    assert_eq!(event["callId"], recorded["id"]);
    assert_eq!(event["runId"], "run_0a1b2c3d4e5f6g7h");
    assert_eq!(event["agentId"], agent_id.as_str());
    assert_eq!(event["requestId"], "req_1");
    assert_eq!(event["keyMasked"], "sk-f...-key");
    assert_eq!(
        (
            event["inputTokens"].clone(),
            event["outputTokens"].clone(),
            event["totalTokens"].clone()
        ),
        (j!(10), j!(5), j!(15))
    );
    assert_eq!(
        (event["toolCallCount"].clone(), event["hasThinking"].clone()),
        (j!(2), j!(true))
    );
    // Another tenant's stream carries nothing of it, and its user lists nothing of A's run.
    let b_events = crate::pulses::tenant_events(&app, &b).await;
    assert!(b_events.iter().all(|e| e["type"] != "LLM_CALL_RECORDED"));
    let (_, l) = send(
        &app,
        "GET",
        "/v1/llm-calls?run_id=run_0a1b2c3d4e5f6g7h",
        &b.token,
        None,
    )
    .await;
    assert_eq!((l["total"].clone(), l["calls"].clone()), (j!(0), j!([])));
    // The run's own token lists its calls; A's users see them by run.
    let (_, l) = send(
        &app,
        "GET",
        "/v1/llm-calls?run_id=run_0a1b2c3d4e5f6g7h",
        &token,
        None,
    )
    .await;
    assert_eq!(l["total"], 1);
}
