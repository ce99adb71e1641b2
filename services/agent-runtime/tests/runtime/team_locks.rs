//! The work-lock tools against the real agent-svc: one run of the agent takes a lock, another
//! run of the same agent is refused and told who holds it, the holder releases it; the changes
//! reach the tenant's event stream. A step that names its tools gets only those.

use llm_fake::{LlmFake, Reply, ToolCall};
use serde_json::json;
use shared_schemas::ids::RunId;

use crate::common::{Harness, check_order, fake_env, offered, tool_ends};
use crate::services::Services;

fn call(name: &str, args: serde_json::Value) -> Reply {
    Reply::tool_calls(vec![ToolCall::new(name, args)])
}

#[tokio::test]
async fn a_lock_is_held_against_another_run_until_released() {
    let svc = Services::start().await;
    let (tenant, owner) = svc.tenant("Alpha").await;
    let coder = svc.agent(&owner, "coder").await;
    let fake = LlmFake::start().await;
    let done = || call("complete", json!({"outputs": {}}));
    fake.script(
        "m-first",
        vec![
            call(
                "acquire_work_lock",
                json!({"key": "repo:src/lib.rs", "summary": "refactor the parser",
                "ttlSeconds": 120}),
            ),
            done(),
            call("release_work_lock", json!({"key": "repo:src/lib.rs"})),
            done(),
        ],
    );
    fake.script(
        "m-second",
        vec![
            call(
                "acquire_work_lock",
                json!({"key": "repo:src/lib.rs", "summary": "also the parser"}),
            ),
            call(
                "acquire_work_lock",
                json!({"key": "repo:README.md", "summary": "docs",
                "ttlSeconds": 99999}),
            ),
            done(),
        ],
    );
    let (run1, run2) = (RunId::generate(), RunId::generate());
    let env = |run: &RunId| {
        let mut env = fake_env(&fake);
        env.extend(svc.runtime_env(&coder, svc.agent_token(&tenant, &coder, run)));
        env
    };
    let mut first = Harness::start_as(
        tenant.clone(),
        run1.clone(),
        "custom-fake/m-first",
        &env(&run1),
    )
    .await;
    let mut second = Harness::start_as(
        tenant.clone(),
        run2.clone(),
        "custom-fake/m-second",
        &env(&run2),
    )
    .await;
    let step = |id: &str, tools: serde_json::Value| json!({"type": "agentStep", "requestId": id, "prompt": "work", "tools": tools, "timestamp": 1});

    first.send(step("a1", json!([]))).await;
    let ends = tool_ends(&first.until_idle("a1").await);
    assert!(ends[0].2 && ends[0].1.contains("acquired"), "{ends:?}");

    second
        .send(step("b1", json!(["acquire_work_lock", "read"])))
        .await;
    let messages = second.until_idle("b1").await;
    assert!(check_order(&messages, "b1").success);
    let ends = tool_ends(&messages);
    assert!(!ends[0].2, "{ends:?}");
    assert!(
        ends[0].1.contains("held by run")
            && ends[0].1.contains(run1.as_str())
            && ends[0].1.contains("refactor the parser"),
        "{ends:?}"
    );
    assert!(
        ends[1].2 && ends[1].1.contains("for 3600s"),
        "the ttl is capped: {ends:?}"
    );
    // A step naming its tools gets those (and complete/fail), no other team tool.
    let mut tools = offered(&fake, "m-second", 0);
    tools.sort();
    assert_eq!(tools, ["acquire_work_lock", "complete", "fail", "read"]);

    // The ledger shows both live locks; the holder releases its own.
    let ledger_url = format!("{}/v1/agents/{coder}/work-ledger", svc.agent_svc);
    let (_, ledger) = svc.call("GET", ledger_url.clone(), &owner, None).await;
    assert_eq!(ledger["count"], 2, "{ledger}");
    first.send(step("a2", json!([]))).await;
    let ends = tool_ends(&first.until_idle("a2").await);
    assert!(ends[0].2 && ends[0].1.contains("released"), "{ends:?}");
    let (_, ledger) = svc.call("GET", ledger_url, &owner, None).await;
    assert_eq!(ledger["count"], 1, "{ledger}");

    let events: Vec<(String, String)> = svc
        .tenant_events(&tenant)
        .await
        .into_iter()
        .filter(|e| e["type"].as_str().unwrap_or("").starts_with("WORK_LOCK_"))
        .map(|e| {
            (
                e["type"].as_str().unwrap_or("").to_owned(),
                e["lockId"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        events,
        [
            (
                "WORK_LOCK_ACQUIRED".to_owned(),
                "repo:src/lib.rs".to_owned()
            ),
            ("WORK_LOCK_ACQUIRED".to_owned(), "repo:README.md".to_owned()),
            (
                "WORK_LOCK_RELEASED".to_owned(),
                "repo:src/lib.rs".to_owned()
            ),
        ]
    );
    first.shutdown().await;
    second.shutdown().await;
}
