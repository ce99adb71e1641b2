//! Run ends reported to project-svc (a recording server stands in for it): `run-completed` for
//! a task's run, the import of a planning run's breakdown, retried until acknowledged, then
//! PROJECT_PLANNING_COMPLETED once.

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use engine_svc::workers::reports;
use serde_json::{Value, json};
use shared_schemas::events::EventEnvelope;
use shared_schemas::ids::{PipelineId, ProjectId, RunId, TaskId};
use shared_schemas::runs::StartRun;

use crate::admission::entry;
use crate::support::{engine_with, ok, serve};

#[derive(Clone, Default)]
struct Recorded {
    calls: Arc<Mutex<Vec<Value>>>,
    fail_next: Arc<Mutex<u32>>,
}

async fn run_completed(
    State(r): State<Recorded>,
    Path((p, t)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> Json<Value> {
    r.calls
        .lock()
        .expect("lock")
        .push(json!({"call": "run-completed", "project": p, "task": t, "query": q}));
    Json(json!({"status": "updated"}))
}

async fn import(
    State(r): State<Recorded>,
    Path(p): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Result<(StatusCode, Json<Value>), StatusCode> {
    let mut fail = r.fail_next.lock().expect("lock");
    if *fail > 0 {
        *fail -= 1;
        return Err(StatusCode::SERVICE_UNAVAILABLE);
    }
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    r.calls
        .lock()
        .expect("lock")
        .push(json!({"call": "import", "project": p, "body": body, "key": key}));
    Ok((StatusCode::CREATED, Json(json!({"status": "imported"}))))
}

const PLANNING: &str = "id: planning\nname: Planning\nversion: '1'\nagents: [{id: planner, name: P, persona: p}]\nsteps:\n  - {id: PLAN, agent: planner, input: plan, outputs: [task_breakdown_json]}\n";

#[tokio::test]
async fn a_planning_run_reports_its_end_and_imports_its_breakdown_once_acknowledged() {
    let recorded = Recorded::default();
    *recorded.fail_next.lock().expect("lock") = 1000;
    let fake = axum::Router::new()
        .route(
            "/v1/projects/{p}/tasks/{t}/run-completed",
            post(run_completed),
        )
        .route("/v1/projects/{p}/import", post(import))
        .with_state(recorded.clone());
    let url = serve(fake).await;
    let e = engine_with(|c| c.project_svc_url = url).await;
    let t = e.app.tenant("Alpha").await;
    e.pipeline(&t.id, PLANNING).await;
    let (project, task) = (ProjectId::generate(), TaskId::generate());
    let run = RunId::generate();
    let req = StartRun {
        pipeline_id: PipelineId::parse("planning").expect("id"),
        task: "plan the project".to_owned(),
        context: None,
        project_id: Some(project.clone()),
        task_id: Some(task.clone()),
        agent_id: None,
        model_override: None,
        key_user_id: None,
    };
    engine_svc::flows::runs::start::start(&e.state, &t.id, Some(run.clone()), &req, None)
        .await
        .expect("start");
    let breakdown = r#"[{"title":"Schema","priority":"P1","estimated_hours":2,"owner":"x"},{"title":"API","dependencies":["Schema"]}]"#;
    e.act(
        &t.id,
        run.as_str(),
        ok(&[("task_breakdown_json", breakdown)]),
    )
    .await;
    assert_eq!(e.status(&t.id, run.as_str()).await, "completed");
    let complete: EventEnvelope = e
        .events(run.as_str())
        .await
        .into_iter()
        .find(|v| v["type"] == "RUN_COMPLETE")
        .map(|v| serde_json::from_value(v).expect("envelope"))
        .expect("RUN_COMPLETE");
    let first = reports::handle(e.state.clone(), entry(&complete)).await;
    assert!(first.is_err(), "an import answered 503 is not acknowledged");
    *recorded.fail_next.lock().expect("lock") = 0;
    reports::handle(e.state.clone(), entry(&complete))
        .await
        .expect("second delivery");
    reports::handle(e.state.clone(), entry(&complete))
        .await
        .expect("a redelivery");
    let calls = recorded.calls.lock().expect("lock").clone();
    let ends: Vec<_> = calls
        .iter()
        .filter(|c| c["call"] == "run-completed")
        .collect();
    assert!(!ends.is_empty());
    assert_eq!(ends[0]["task"], task.as_str());
    assert_eq!(ends[0]["query"], format!("run_id={run}&status=completed"));
    let imports: Vec<_> = calls.iter().filter(|c| c["call"] == "import").collect();
    assert_eq!(imports[0]["project"], project.as_str());
    assert_eq!(
        imports[0]["key"],
        format!("engine-import-{run}"),
        "replays are idempotent at project-svc"
    );
    assert_eq!(
        imports[0]["body"],
        json!({"tasks": [{"title": "Schema", "priority": "P1", "estimatedHours": 2.0}, {"title": "API", "dependsOn": ["Schema"]}]})
    );
    let (count,): (i64,) = sqlx::query_as(
        "select count(*) from engine.outbox where payload like '%PROJECT_PLANNING_COMPLETED%'",
    )
    .fetch_one(&e.app.db.admin)
    .await
    .expect("count");
    assert_eq!(count, 1, "published once");
}
