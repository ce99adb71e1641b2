//! Activity from bus events, fleet status, work ledger and wake stats — per tenant.

use std::time::Duration;

use kit::testing::TestApp;
use redis::AsyncCommands;
use serde_json::{Value, json as j};
use shared_schemas::events::run::AgentStateChanged;
use shared_schemas::events::{Event, EventEnvelope};
use shared_schemas::ids::{AgentId, RunId, StepId};
use tokio_util::sync::CancellationToken;

use crate::helpers::{Tenant, agent, assert_error, send, spawn, tenant};

fn state_change(t: &Tenant, agent_id: &str, new_state: &str) -> EventEnvelope {
    EventEnvelope::new(
        t.id.clone(),
        Some(RunId::parse("run_1").expect("run")),
        Event::AgentStateChanged(AgentStateChanged {
            agent_id: agent_id.to_owned(),
            previous_state: "idle".into(),
            new_state: new_state.into(),
            step_id: StepId::parse("build").expect("step"),
        }),
    )
}

async fn timeline(app: &TestApp, t: &Tenant, id: &str, want: usize) -> Value {
    for _ in 0..100 {
        let (status, body) = send(
            app,
            "GET",
            &format!("/v1/agents/{id}/activity"),
            &t.token,
            None,
        )
        .await;
        assert_eq!(status, 200, "{body}");
        if body["timeline"].as_array().is_some_and(|l| l.len() >= want) {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("activity never reached {want} entries");
}

#[tokio::test]
async fn events_naming_an_agent_become_its_activity_in_its_tenant_only() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let id = agent(&app, &a, "coder").await;
    let stop = CancellationToken::new();
    tokio::spawn(agent_svc::workers::activity::run(
        app.platform.clone(),
        stop.clone(),
    ));

    let publisher = app.platform.publisher();
    let working = state_change(&a, &id, "working");
    publisher.publish_event(&working).await.expect("publish");
    // Twice (a redelivery): recorded once.
    publisher.publish_event(&working).await.expect("publish");
    // Tenant B's event naming A's agent is not A's activity.
    publisher
        .publish_event(&state_change(&b, &id, "hijacked"))
        .await
        .expect("publish");
    publisher
        .publish_event(&state_change(&a, &id, "thinking"))
        .await
        .expect("publish");

    let body = timeline(&app, &a, &id, 2).await;
    let timeline = body["timeline"].as_array().expect("timeline");
    assert_eq!(timeline.len(), 2, "{body}");
    assert_eq!(timeline[0]["summary"], "idle → thinking");
    assert_eq!(timeline[0]["runId"], "run_1");

    let (_, fleet) = send(&app, "GET", "/v1/agents/status", &a.token, None).await;
    assert_eq!(fleet["agents"][0]["state"], "thinking");
    assert_eq!(fleet["summary"]["total"], 1);
    let (_, fleet_b) = send(&app, "GET", "/v1/agents/status", &b.token, None).await;
    assert_eq!(fleet_b["agents"], j!([]));
    let (status, stats) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/activity/stats"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(stats["sessionsToday"], 1);
    assert_eq!(stats["errorCount"], 0);
    assert_eq!(stats["totalTokens"], 0);

    // Spend comes from the LLM call log; queue depth from the work queue.
    let svc = crate::creds::service(&app, &a);
    for tokens in [100, 23] {
        let call = j!({"agent_id": id, "provider": "openai", "model": "m", "total_tokens": tokens,
                       "cost_total": 0.25});
        let (status, _) = send(&app, "POST", "/v1/internal/llm-calls", &svc, Some(call)).await;
        assert_eq!(status, 201);
    }
    let item = j!({"kind": "task", "title": "review PR"});
    let (status, body) = send(
        &app,
        "POST",
        &format!("/v1/agents/{id}/queue"),
        &svc,
        Some(item),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (_, stats) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/activity/stats"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(
        (stats["totalTokens"].clone(), stats["totalCost"].clone()),
        (j!(123), j!(0.5))
    );
    let (_, life) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/lifecycle"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(life["queueDepth"], 1);
    stop.cancel();
}

#[tokio::test]
async fn work_locks_and_wakes_are_read_from_the_tenant_namespace() {
    let app = spawn().await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let id = agent(&app, &a, "coder").await;
    let agent_id = AgentId::parse(id.as_str()).expect("id");
    let mut redis = app.platform.redis.clone();
    let now = kit_now();
    let locks = app.platform.keys.agent_work_locks(&a.id, &agent_id);
    let _: () = redis
        .hset(
            &locks,
            "l1",
            j!({"runId": "run_9", "acquiredAt": now, "expiresAt": now + 60_000}).to_string(),
        )
        .await
        .expect("hset");
    let _: () = redis
        .hset(
            &locks,
            "stale",
            j!({"runId": "run_0", "acquiredAt": 1, "expiresAt": 2}).to_string(),
        )
        .await
        .expect("hset");
    let date = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let _: () = redis
        .set(app.platform.keys.agent_wakes(&a.id, &agent_id, &date), 3)
        .await
        .expect("set");

    let (status, ledger) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/work-ledger"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(status, 200, "{ledger}");
    assert_eq!(ledger["count"], 1, "expired locks are not live work");
    assert_eq!(ledger["locks"][0]["lockId"], "l1");
    let (_, st) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/status"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(st["current_run"], "run_9");
    assert_eq!(st["active_steps"], 1);
    let (_, wakes) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/wake-stats"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(wakes["wakesToday"], 3);
    assert_eq!(wakes["date"], date);
    let (_, life) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/lifecycle"),
        &a.token,
        None,
    )
    .await;
    assert_eq!(life["state"], "idle");
    assert_eq!(life["currentWork"][0]["runId"], "run_9");

    for path in [
        "status",
        "lifecycle",
        "activity",
        "activity/stats",
        "wake-stats",
        "work-ledger",
    ] {
        let (status, body) = send(
            &app,
            "GET",
            &format!("/v1/agents/{id}/{path}"),
            &b.token,
            None,
        )
        .await;
        assert_error(status, &body, 404, "agent_not_found");
    }
    let (status, body) = send(
        &app,
        "GET",
        &format!("/v1/agents/{id}/activity?limit=0"),
        &a.token,
        None,
    )
    .await;
    assert_error(status, &body, 422, "validation_failed");
}

fn kit_now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
