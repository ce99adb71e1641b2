//! What a run's LLM calls leave behind: one record per model turn in agent-svc's call log,
//! sent by the real agent-runtime with the agent token engine-svc minted for the run, listed
//! through HAProxy by the tenant's users and by nobody else; the token records for its own agent
//! and run only.

mod engine_support;

use std::time::{Duration, Instant};

use engine_support::*;
use kit::auth::JwtKeys;
use kit::testing::TEST_AUTH_SECRET;
use kit::{Claims, TokenKind};
use llm_fake::{LlmFake, Reply};
use serde_json::{Value, json};

/// The tenant's calls of `run`, once there are `want` of them (the runtime sends its records
/// off the step's path, so they may land just after the step ends).
async fn calls_of(stack: &e2e::Stack, t: &Tenant, run: &str, want: usize) -> Value {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let path = format!("/v1/llm-calls?run_id={run}");
        let (status, body) = call(stack, &t.token, "GET", &path, None).await;
        assert_eq!(status, 200, "{body}");
        if body["total"].as_i64().unwrap_or(0) >= want as i64 {
            return body;
        }
        if Instant::now() >= deadline {
            let (_, logs) = call(
                stack,
                &t.token,
                "GET",
                &format!("/v1/steps/{run}/S1/logs"),
                None,
            )
            .await;
            panic!("fewer than {want} calls: {body}\nS1's runtime log: {logs}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// An agent token for `agent` of `tenant`, scoped to `run`, as engine-svc mints one.
fn run_token(tenant: &str, agent: &str, run: &str) -> String {
    let mut claims = Claims::access(
        agent,
        shared_schemas::ids::TenantId::parse(tenant).expect("tenant id"),
        TokenKind::Agent,
        Duration::from_secs(300),
    );
    claims.agent_id = Some(agent.to_owned());
    claims.run_id = Some(run.to_owned());
    JwtKeys::new("k1", TEST_AUTH_SECRET.as_bytes())
        .mint(&claims)
        .expect("mint")
}

#[tokio::test]
async fn every_model_turn_of_a_run_is_recorded_and_only_its_tenant_sees_it() {
    let fake = LlmFake::start().await;
    let stack = stack(&fake, 0, &[]).await;
    let a = tenant(
        &stack,
        "usage-a@example.com",
        &fake,
        &["engineer", "writer"],
    )
    .await;
    let b = tenant(&stack, "usage-b@example.com", &fake, &["engineer"]).await;
    let model = model();
    // S1 takes two turns (a command, then `complete`), S2 one.
    fake.script(
        &model,
        vec![
            Reply::tool_call("bash", json!({"command": "echo hi > hi.txt"})),
            Reply::tool_call("complete", json!({"outputs": {"summary": "one"}})),
            Reply::tool_call("complete", json!({"outputs": {"summary": "two"}})),
        ],
    );
    create_pipeline(&stack, &a, &pipeline("usage", &model, 2)).await;
    let run = start_run(&stack, &a, "usage", "count the calls").await;
    let done = wait_end(&stack, &a, &run, Duration::from_secs(60)).await;
    assert_eq!(done["status"], "completed", "{done}");

    let list = calls_of(&stack, &a, &run, 3).await;
    assert_eq!(list["total"], 3, "one record per model turn: {list}");
    let calls = list["calls"].as_array().expect("calls");
    let engineer = a.agent("engineer");
    let mut requests = std::collections::BTreeSet::new();
    for c in calls {
        assert_eq!(c["run_id"], run.as_str(), "{c}");
        assert_eq!(c["agent_id"], engineer, "the platform agent id: {c}");
        assert_eq!(
            (c["provider"].as_str(), c["model"].as_str()),
            (Some("custom-fake"), Some(model.as_str()))
        );
        let (input, output) = (
            c["input_tokens"].as_i64().unwrap_or(0),
            c["output_tokens"].as_i64().unwrap_or(0),
        );
        assert!(input > 0 && output > 0, "the fake's usage: {c}");
        assert_eq!(c["total_tokens"].as_i64(), Some(input + output), "{c}");
        assert_eq!(c["tool_call_count"], 1, "{c}");
        assert_eq!(c["stop_reason"], "tool_calls", "{c}");
        assert!(c["context_window_tokens"].as_i64().unwrap_or(0) > 0, "{c}");
        assert!(
            c["key_masked"]
                .as_str()
                .is_some_and(|k| !k.contains("sk-fake-key")),
            "{c}"
        );
        assert_eq!(c["key_source"], "instance", "the run's key resolution: {c}");
        requests.insert(c["request_id"].as_str().expect("request id").to_owned());
    }
    assert_eq!(requests.len(), 2, "one request per step: {requests:?}");
    let summary_tokens: i64 = calls
        .iter()
        .filter_map(|c| c["total_tokens"].as_i64())
        .sum();
    assert_eq!(
        list["summary"]["totalTokens"].as_i64(),
        Some(summary_tokens)
    );

    // Another tenant sees none of it, by run or in its own log.
    let (status, other) = call(
        &stack,
        &b.token,
        "GET",
        &format!("/v1/llm-calls?run_id={run}"),
        None,
    )
    .await;
    assert_eq!(
        (status, other["total"].clone(), other["calls"].clone()),
        (200, json!(0), json!([]))
    );
    let (_, other) = call(&stack, &b.token, "GET", "/v1/llm-calls", None).await;
    assert_eq!(other["total"], 0, "{other}");
    // The recording path is internal: HAProxy does not serve it, even to the tenant's owner.
    let forged = json!({"agent_id": engineer, "run_id": run, "provider": "x", "model": "y"});
    let (status, _) = call(
        &stack,
        &a.token,
        "POST",
        "/v1/internal/llm-calls",
        Some(forged.clone()),
    )
    .await;
    assert_eq!(status, 403);

    // A run's agent token (as the engine mints it) records for its own agent and run only.
    let agent_svc = stack.service_url("agent-svc").to_owned();
    let record = |token: String, body: Value| {
        let http = stack.http.clone();
        let url = format!("{agent_svc}/v1/internal/llm-calls");
        async move {
            let res = http
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("send");
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let token = run_token(&a.id, engineer, &run);
    let as_writer =
        json!({"agent_id": a.agent("writer"), "run_id": run, "provider": "x", "model": "y"});
    let (status, body) = record(token.clone(), as_writer).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("agent_scope")),
        "{body}"
    );
    let other_run = json!({"agent_id": engineer, "run_id": "run_0a1b2c3d4e5f6g7h", "provider": "x", "model": "y"});
    let (status, body) = record(token, other_run).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("run_scope")),
        "{body}"
    );
    let b_token = run_token(&b.id, b.agent("engineer"), &run);
    let (status, _) = record(b_token, forged).await;
    assert_eq!(status, 404, "tenant B's agent token cannot reach A's agent");
    let (_, after) = call(
        &stack,
        &a.token,
        "GET",
        &format!("/v1/llm-calls?run_id={run}"),
        None,
    )
    .await;
    assert_eq!(after["total"], 3, "nothing was added: {after}");
}
