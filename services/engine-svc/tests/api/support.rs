//! The engine under test: a `TestApp` serving engine-svc's router, a fake agent-svc on a real
//! socket (agents by slug, the tenant's `maxRunningRuns`), pipelines seeded as tenant rows, and
//! a driver that plays the executor through `begin_attempt` / `finish_attempt`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use engine_svc::config::EngineConfig;
use engine_svc::flows::runs::{admission, read};
use engine_svc::flows::steps::{self, Finished, StepResult};
use engine_svc::{AppState, SERVICE};
use kit::testing::{TestApp, TestTenant};
use serde_json::{Value, json};
use shared_schemas::ids::{AgentId, TenantId};

pub const FEATURE: &str =
    include_str!("../../../../libs/shared-schemas/tests/fixtures/feature-delivery.yml");
pub const TRIAGE: &str =
    include_str!("../../../../libs/shared-schemas/tests/fixtures/bug-triage.yml");
pub const DOCS: &str =
    include_str!("../../../../libs/shared-schemas/tests/fixtures/docs-refresh.yml");

/// agent-svc as the engine asks it: each tenant (read from the service token's claims) has
/// the agents of [`SLUGS`], with ids of its own; an id or slug of another tenant is 404.
#[derive(Clone, Default)]
pub struct FakeAgents {
    pub agents: Arc<Mutex<HashMap<(String, String), String>>>,
    pub limit: Arc<Mutex<Option<i64>>>,
}

impl FakeAgents {
    /// The id of `tenant`'s agent `slug` (made on first use).
    pub fn id(&self, tenant: &TenantId, slug: &str) -> String {
        let mut agents = self.agents.lock().expect("lock");
        agents
            .entry((tenant.as_str().to_owned(), slug.to_owned()))
            .or_insert_with(|| AgentId::generate().as_str().to_owned())
            .clone()
    }

    fn lookup(&self, tenant: &str, key: &str) -> Option<String> {
        let tenant_id = TenantId::parse(tenant.to_owned()).ok()?;
        if key.starts_with("agt_") {
            let agents = self.agents.lock().expect("lock");
            return agents
                .iter()
                .find(|((t, _), id)| t == tenant && id.as_str() == key)
                .map(|(_, id)| id.clone());
        }
        SLUGS.contains(&key).then(|| self.id(&tenant_id, key))
    }
}

/// The tenant a bearer token speaks for (the fake trusts the engine's signature).
fn tenant_of(headers: &HeaderMap) -> String {
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let payload = token.split('.').nth(1).unwrap_or_default();
    let claims: Value =
        base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
    claims["tenant_id"].as_str().unwrap_or_default().to_owned()
}

async fn agent(
    State(f): State<FakeAgents>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> Result<Json<Value>, StatusCode> {
    let found = f.lookup(&tenant_of(&headers), &key);
    found
        .map(|id| Json(json!({"id": id})))
        .ok_or(StatusCode::NOT_FOUND)
}

async fn settings(State(f): State<FakeAgents>) -> Json<Value> {
    let limit = *f.limit.lock().expect("lock");
    Json(json!({"maxRunningRuns": limit.unwrap_or(5)}))
}

pub async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    format!("http://{addr}")
}

pub struct Engine {
    pub app: TestApp,
    pub state: AppState,
    pub agents: FakeAgents,
}

pub const SLUGS: [&str; 12] = [
    "planner",
    "builder",
    "reviewer",
    "tester",
    "releaser",
    "triager",
    "oncall",
    "writer",
    "a",
    "b",
    "executor-x",
    "engineer",
];

pub async fn engine() -> Engine {
    engine_with(|_| {}).await
}

pub async fn engine_with(adjust: impl FnOnce(&mut EngineConfig)) -> Engine {
    let agents = FakeAgents::default();
    let fake = axum::Router::new()
        .route("/v1/agents/{slug}", get(agent))
        .route("/v1/settings/", get(settings))
        .with_state(agents.clone());
    let mut config = EngineConfig {
        agent_svc_url: serve(fake).await,
        ..EngineConfig::default()
    };
    adjust(&mut config);
    let config = Arc::new(config);
    let for_app = config.clone();
    let app = TestApp::spawn(SERVICE, move |platform| {
        engine_svc::router(AppState::new(platform, for_app))
    })
    .await;
    let state = AppState::new(app.platform.clone(), config);
    Engine { app, state, agents }
}

impl Engine {
    /// Stores `yaml` as the tenant's own pipeline (its id is the YAML's).
    pub async fn pipeline(&self, tenant: &TenantId, yaml: &str) -> String {
        let parsed = shared_schemas::pipeline::parse_pipeline(yaml).expect("pipeline parses");
        let id = parsed.id.as_str().to_owned();
        sqlx::query(
            "insert into engine.pipelines (tenant_id, id, is_global, name, description, version,
                 yaml_content, content_hash, created_at, updated_at)
             values ($1, $2, false, $3, '', $4, $5, 'test', 1, 1)",
        )
        .bind(tenant.as_str())
        .bind(&id)
        .bind(&parsed.name)
        .bind(&parsed.version)
        .bind(yaml)
        .execute(&self.app.db.admin)
        .await
        .expect("pipeline row");
        id
    }

    /// Starts a run over HTTP; returns its id.
    pub async fn start(&self, t: &TestTenant, pipeline: &str, task: &str) -> String {
        let (status, body) = self
            .app
            .client
            .bearer(&t.token)
            .post("/v1/runs/", json!({"pipeline_id": pipeline, "task": task}))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["id"].as_str().expect("id").to_owned()
    }

    pub async fn run(&self, tenant: &TenantId, run: &str) -> engine_svc::api::runs::RunDetail {
        read::detail(&self.state, tenant, run).await.expect("run")
    }

    pub async fn status(&self, tenant: &TenantId, run: &str) -> String {
        self.run(tenant, run).await.status
    }

    /// The step queued for execution, with its attempt.
    pub async fn queued(&self, tenant: &TenantId, run: &str) -> Option<(String, i32)> {
        let detail = self.run(tenant, run).await;
        detail
            .steps
            .iter()
            .find(|s| s.status == "queued")
            .map(|s| (s.step_id.clone(), s.attempt))
    }

    /// Plays the executor for the queued step: begins its attempt and reports `result`.
    pub async fn act(
        &self,
        tenant: &TenantId,
        run: &str,
        result: StepResult,
    ) -> (String, Finished) {
        let (step, attempt) = self.queued(tenant, run).await.expect("a queued step");
        let (work, finished) = self.act_on(tenant, run, &step, attempt, result).await;
        assert!(work.is_some(), "attempt {attempt} of {step} could be begun");
        (step, finished)
    }

    pub async fn act_on(
        &self,
        tenant: &TenantId,
        run: &str,
        step: &str,
        attempt: i32,
        result: StepResult,
    ) -> (Option<steps::StepWork>, Finished) {
        let db = &self.app.platform.db;
        let now = self.app.platform.clock.now_ms();
        let work = steps::begin_attempt(db, tenant, run, step, attempt, 7, "test-instance", now)
            .await
            .expect("begin");
        let finished = steps::finish_attempt(db, tenant, run, step, attempt, 7, result, now)
            .await
            .expect("finish");
        if finished == (Finished::Routed { ended: true }) {
            admission::after_end(&self.state, tenant, run).await;
        }
        (work, finished)
    }

    /// The types of the events the run appended to the outbox, in order.
    pub async fn events(&self, run: &str) -> Vec<Value> {
        let rows: Vec<(String,)> =
            sqlx::query_as("select payload from engine.outbox where run_id = $1 order by seq")
                .bind(run)
                .fetch_all(&self.app.db.admin)
                .await
                .expect("outbox");
        rows.into_iter()
            .map(|(p,)| serde_json::from_str(&p).expect("json"))
            .collect()
    }

    pub async fn event_types(&self, run: &str) -> Vec<String> {
        self.events(run)
            .await
            .iter()
            .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

pub fn ok(outputs: &[(&str, &str)]) -> StepResult {
    StepResult {
        success: true,
        outputs: outputs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
        ..StepResult::default()
    }
}

pub fn failed(error: &str) -> StepResult {
    StepResult {
        success: false,
        error: Some(error.to_owned()),
        ..StepResult::default()
    }
}

/// A pipeline over agents `a` and `b` with the given steps (YAML list items).
pub fn pipeline(id: &str, steps: &str) -> String {
    format!(
        "id: {id}\nname: {id}\nversion: '1'\nagents: [{{id: a, name: A, persona: p}}, {{id: b, name: B, persona: p}}]\nsteps:\n{steps}"
    )
}
