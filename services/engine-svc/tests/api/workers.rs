//! The workers as they run in the service: RUN_REQUESTED published on the global stream starts
//! the run through the `cg:engine-workers` group, and the RUN_COMPLETE the outbox relay
//! publishes reaches project-svc through `cg:engine-reports`, with no call in between.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use axum::routing::post;
use serde_json::{Value, json};
use shared_schemas::events::{Event, EventEnvelope};
use shared_schemas::ids::{PipelineId, ProjectId, RunId, TaskId};
use shared_schemas::runs::StartRun;
use tokio_util::sync::CancellationToken;

use crate::support::{engine_with, ok, pipeline, serve};

type Calls = Arc<Mutex<Vec<String>>>;

async fn ended(State(calls): State<Calls>, Path((p, t)): Path<(String, String)>) -> Json<Value> {
    calls.lock().expect("lock").push(format!("{p}/{t}"));
    Json(json!({"status": "updated"}))
}

#[tokio::test]
async fn a_published_request_runs_and_its_end_reaches_project_svc() {
    let calls = Calls::default();
    let fake = axum::Router::new()
        .route("/v1/projects/{p}/tasks/{t}/run-completed", post(ended))
        .with_state(calls.clone());
    let url = serve(fake).await;
    let e = engine_with(|c| c.project_svc_url = url).await;
    let stop = CancellationToken::new();
    engine_svc::workers::spawn(e.state.clone(), stop.clone());
    let t = e.app.tenant("Alpha").await;
    let id = e
        .pipeline(&t.id, &pipeline("one", "  - {id: A, agent: a, input: x}\n"))
        .await;
    let (project, task, run) = (ProjectId::generate(), TaskId::generate(), RunId::generate());
    let req = StartRun {
        pipeline_id: PipelineId::parse(id).expect("id"),
        task: "t".to_owned(),
        context: None,
        project_id: Some(project.clone()),
        task_id: Some(task.clone()),
        agent_id: None,
        model_override: None,
        key_user_id: None,
    };
    let envelope = EventEnvelope::new(t.id.clone(), Some(run.clone()), Event::RunRequested(req));
    e.app
        .platform
        .publisher()
        .publish_event(&envelope)
        .await
        .expect("publish");
    let mut started = false;
    for _ in 0..100 {
        let found = engine_svc::flows::runs::read::detail(&e.state, &t.id, run.as_str()).await;
        if found.is_ok_and(|r| r.steps.iter().any(|s| s.status == "queued")) {
            started = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(started, "the consumer group started the run");
    e.act(&t.id, run.as_str(), ok(&[])).await;
    let mut reported = Vec::new();
    for _ in 0..100 {
        reported = calls.lock().expect("lock").clone();
        if !reported.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.cancel();
    assert_eq!(reported, vec![format!("{project}/{task}")]);
}
