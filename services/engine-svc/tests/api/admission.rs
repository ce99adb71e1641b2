//! The per-tenant limit of running runs: the 6th run waits `queued` and starts when a slot
//! frees; a slot left by a dead replica heals when its lease passes; a suspended tenant starts
//! nothing.

use std::time::Duration;

use engine_svc::flows::runs::start;
use engine_svc::workers::requests;
use kit::auth::status::{TenantState, publish};
use kit::testing::StatusCode;
use serde_json::json;
use shared_schemas::events::platform::{TenantStatus, TenantStatusChanged};
use shared_schemas::events::{Event, EventEnvelope};
use shared_schemas::ids::PipelineId;
use shared_schemas::runs::StartRun;

use crate::support::{engine, engine_with, ok, pipeline};

const ONE: &str = "  - {id: A, agent: a, input: go}\n";

#[tokio::test]
async fn the_sixth_run_waits_queued_and_starts_when_one_ends() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let other = e.app.tenant("Beta").await;
    let id = e.pipeline(&t.id, &pipeline("one", ONE)).await;
    let mut runs = Vec::new();
    for n in 0..6 {
        runs.push(e.start(&t, &id, &format!("run {n}")).await);
    }
    for run in &runs[..5] {
        assert_eq!(e.status(&t.id, run).await, "running");
    }
    assert_eq!(e.status(&t.id, &runs[5]).await, "queued");
    assert_eq!(
        e.queued(&t.id, &runs[5]).await,
        None,
        "no step queued before admission"
    );
    // Another tenant's runs are not held back by this one's.
    let theirs = e.pipeline(&other.id, &pipeline("one", ONE)).await;
    let run_b = e.start(&other, &theirs, "b").await;
    assert_eq!(e.status(&other.id, &run_b).await, "running");
    e.act(&t.id, &runs[0], ok(&[])).await;
    assert_eq!(e.status(&t.id, &runs[0]).await, "completed");
    assert_eq!(
        e.status(&t.id, &runs[5]).await,
        "running",
        "the freed slot went to the waiting run"
    );
    let (_, status) = e.app.client.bearer(&t.token).get("/v1/status").await;
    assert_eq!(status["active_runs"], 5);
    assert_eq!(status["total_pipelines"], 1);
    assert_eq!(status["max_running_runs"], 5);
}

#[tokio::test]
async fn the_tenant_setting_and_the_cap_bound_the_limit_and_the_oldest_run_goes_first() {
    let e = engine_with(|c| c.max_running_runs_cap = 2).await;
    *e.agents.limit.lock().expect("lock") = Some(50);
    let t = e.app.tenant("Alpha").await;
    let id = e.pipeline(&t.id, &pipeline("one", ONE)).await;
    let first = e.start(&t, &id, "1").await;
    let second = e.start(&t, &id, "2").await;
    let third = e.start(&t, &id, "3").await;
    let fourth = e.start(&t, &id, "4").await;
    assert_eq!(e.status(&t.id, &third).await, "queued", "capped at 2");
    let (status, _) = e
        .app
        .client
        .bearer(&t.token)
        .post(&format!("/v1/runs/{first}/cancel"), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(e.status(&t.id, &third).await, "running", "FIFO");
    assert_eq!(e.status(&t.id, &fourth).await, "queued");
    assert_eq!(e.status(&t.id, &second).await, "running");
}

#[tokio::test]
async fn a_slot_left_behind_heals_when_its_lease_passes() {
    let e = engine_with(|c| c.max_running_runs_cap = 1).await;
    let t = e.app.tenant("Alpha").await;
    let id = e.pipeline(&t.id, &pipeline("one", ONE)).await;
    // A replica died holding a slot for a run that no longer exists.
    let key = e.app.platform.keys.tenant_run_slots(&t.id);
    let mut conn = e.app.platform.redis.clone();
    let expiry = e.app.platform.clock.now_ms() + 60_000;
    let _: i64 = redis::cmd("ZADD")
        .arg(&key)
        .arg(expiry)
        .arg("run_ghost")
        .query_async(&mut conn)
        .await
        .expect("zadd");
    let run = e.start(&t, &id, "t").await;
    assert_eq!(e.status(&t.id, &run).await, "queued");
    e.app.clock.advance(Duration::from_secs(121));
    let started = engine_svc::workers::admission::sweep(&e.state)
        .await
        .expect("sweep");
    assert_eq!(started, 1);
    assert_eq!(e.status(&t.id, &run).await, "running");
}

#[tokio::test]
async fn a_suspended_tenant_starts_nothing_until_it_is_active_again() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let id = e.pipeline(&t.id, &pipeline("one", ONE)).await;
    // auth-svc publishes statuses: an admin connection stands in for it (the engine's own Redis
    // user may not write them).
    let mut auth = e.app.platform.clone();
    auth.redis = kit::platform::connect_redis(&kit::testing::redis_url())
        .await
        .expect("redis");
    publish(&auth, &t.id, TenantState::Suspended)
        .await
        .expect("publish");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let req = StartRun {
        pipeline_id: PipelineId::parse(id).expect("id"),
        task: "t".to_owned(),
        context: None,
        project_id: None,
        task_id: None,
        agent_id: None,
        model_override: None,
        key_user_id: None,
    };
    let run = start::start(&e.state, &t.id, None, &req, None)
        .await
        .expect("start");
    assert_eq!(run.status, "queued", "kept waiting while suspended");
    publish(&auth, &t.id, TenantState::Active)
        .await
        .expect("publish");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let active = EventEnvelope::new(
        t.id.clone(),
        None,
        Event::TenantStatusChanged(TenantStatusChanged {
            status: TenantStatus::Active,
        }),
    );
    requests::handle(e.state.clone(), entry(&active))
        .await
        .expect("handled");
    assert_eq!(e.status(&t.id, &run.id).await, "running");
}

pub fn entry(envelope: &EventEnvelope) -> bus::StreamEntry {
    bus::StreamEntry {
        id: "1-0".to_owned(),
        fields: [(
            "data".to_owned(),
            serde_json::to_string(envelope).expect("json"),
        )]
        .into(),
    }
}
