//! The engine workers' consumer: RUN_REQUESTED starts a run once however often it is delivered;
//! the execute pipeline's `executor` is the requested agent; a pipeline agent the tenant lacks
//! fails the requested run with the reason; deleted agents and projects cancel their runs; a
//! deleted tenant's Redis keys go.

use engine_svc::workers::requests;
use serde_json::json;
use shared_schemas::events::platform::{AgentDeleted, TenantDeleted};
use shared_schemas::events::project::ProjectRef;
use shared_schemas::events::{Event, EventEnvelope};
use shared_schemas::ids::{AgentId, PipelineId, ProjectId, RunId, TaskId};
use shared_schemas::runs::StartRun;

use crate::admission::entry;
use crate::support::{Engine, engine, ok, pipeline};

const EXECUTE: &str = "id: execute\nname: Execute\nversion: '1'\nagents: [{id: executor, name: E, persona: p}]\nsteps:\n  - {id: EXECUTE, agent: executor, input: '{{task_description}}'}\n";

fn start_of(pipeline_id: &str, agent: Option<&AgentId>, project: Option<&ProjectId>) -> StartRun {
    StartRun {
        pipeline_id: PipelineId::parse(pipeline_id.to_owned()).expect("id"),
        task: "build it".to_owned(),
        context: None,
        project_id: project.cloned(),
        task_id: project.map(|_| TaskId::generate()),
        agent_id: agent.cloned(),
        model_override: None,
        key_user_id: None,
    }
}

async fn deliver(e: &Engine, envelope: &EventEnvelope) {
    requests::handle(e.state.clone(), entry(envelope))
        .await
        .expect("handled");
}

#[tokio::test]
async fn a_run_request_delivered_twice_starts_one_run_with_the_requested_agent() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    e.pipeline(&t.id, EXECUTE).await;
    let agent = AgentId::generate();
    let run = RunId::generate();
    let req = start_of("execute", Some(&agent), None);
    let envelope = EventEnvelope::new(t.id.clone(), Some(run.clone()), Event::RunRequested(req));
    deliver(&e, &envelope).await;
    deliver(&e, &envelope).await;
    let again = EventEnvelope::new(
        t.id.clone(),
        Some(run.clone()),
        Event::RunRequested(start_of("execute", Some(&agent), None)),
    );
    deliver(&e, &again).await;
    let (_, list) = e.app.client.bearer(&t.token).get("/v1/runs/").await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    let detail = e.run(&t.id, run.as_str()).await;
    assert_eq!(detail.status, "running");
    assert_eq!(detail.steps[0].agent_id.as_deref(), Some(agent.as_str()));
    assert_eq!(detail.agents, json!({"executor": agent.as_str()}));
}

#[tokio::test]
async fn a_requested_run_whose_agent_is_missing_fails_naming_the_slug() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    e.pipeline(
        &t.id,
        &pipeline("p", "  - {id: A, agent: a, input: x}\n")
            .replace("{id: a, name: A", "{id: ghost, name: A")
            .replace("agent: a,", "agent: ghost,"),
    )
    .await;
    let run = RunId::generate();
    let envelope = EventEnvelope::new(
        t.id.clone(),
        Some(run.clone()),
        Event::RunRequested(start_of("p", None, None)),
    );
    deliver(&e, &envelope).await;
    let detail = e.run(&t.id, run.as_str()).await;
    assert_eq!(detail.status, "failed");
    assert!(detail.error.expect("error").contains("`ghost`"));
    let missing = RunId::generate();
    let envelope = EventEnvelope::new(
        t.id.clone(),
        Some(missing.clone()),
        Event::RunRequested(start_of("nope", None, None)),
    );
    deliver(&e, &envelope).await;
    assert_eq!(e.run(&t.id, missing.as_str()).await.status, "failed");
    // Over the API the same refusals are 422 and 404, and nothing is created.
    let api = e.app.client.bearer(&t.token);
    let (status, body) = api
        .post("/v1/runs/", json!({"pipeline_id": "p", "task": "x"}))
        .await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (422, Some("agent_not_found"))
    );
    let (status, body) = api
        .post(
            "/v1/runs/",
            json!({"pipelineId": "nope", "task": "x", "projectId": "bad"}),
        )
        .await;
    assert_eq!(
        status.as_u16(),
        422,
        "camelCase accepted, a bad id refused: {body}"
    );
    let (status, body) = api
        .post("/v1/runs/", json!({"pipelineId": "nope", "task": "x"}))
        .await;
    assert_eq!(
        (status.as_u16(), body["code"].as_str()),
        (404, Some("pipeline_not_found"))
    );
    let (_, list) = api.get("/v1/runs/").await;
    assert_eq!(list.as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn deleted_agents_and_projects_cancel_their_runs_and_a_deleted_tenant_loses_its_keys() {
    let e = engine().await;
    let t = e.app.tenant("Alpha").await;
    let id = e
        .pipeline(
            &t.id,
            &pipeline(
                "p",
                "  - {id: A, agent: a, input: x, onComplete: B}\n  - {id: B, agent: b, input: y}\n",
            ),
        )
        .await;
    let by_agent = e.start(&t, &id, "t").await;
    let project = ProjectId::generate();
    let in_project = RunId::generate();
    let req = start_of(&id, None, Some(&project));
    deliver(
        &e,
        &EventEnvelope::new(
            t.id.clone(),
            Some(in_project.clone()),
            Event::RunRequested(req),
        ),
    )
    .await;
    let untouched = e.start(&t, &id, "t").await;
    e.act(&t.id, &untouched, ok(&[])).await;
    e.act(&t.id, &untouched, ok(&[])).await;
    let agent_b = AgentId::parse(e.agents.id(&t.id, "b")).expect("agent");
    let deleted = EventEnvelope::new(
        t.id.clone(),
        None,
        Event::AgentDeleted(AgentDeleted { agent_id: agent_b }),
    );
    deliver(&e, &deleted).await;
    assert_eq!(
        e.status(&t.id, &by_agent).await,
        "cancelled",
        "b is a pipeline agent of the run"
    );
    assert_eq!(e.status(&t.id, &untouched).await, "completed");
    assert_eq!(e.status(&t.id, in_project.as_str()).await, "cancelled");
    let mut conn = e.app.platform.redis.clone();
    let slots = e.app.platform.keys.tenant_run_slots(&t.id);
    let _: i64 = redis::cmd("ZADD")
        .arg(&slots)
        .arg(1)
        .arg("run_x")
        .query_async(&mut conn)
        .await
        .expect("zadd");
    deliver(
        &e,
        &EventEnvelope::new(t.id.clone(), None, Event::TenantDeleted(TenantDeleted {})),
    )
    .await;
    let left: i64 = redis::cmd("EXISTS")
        .arg(&slots)
        .query_async(&mut conn)
        .await
        .expect("exists");
    assert_eq!(left, 0);
    let project_event = EventEnvelope::new(
        t.id.clone(),
        None,
        Event::ProjectDeleted(ProjectRef {
            project_id: project,
        }),
    );
    deliver(&e, &project_event).await;
}
