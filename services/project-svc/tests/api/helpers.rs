//! Shared set-up: project-svc with a recording engine, tenants with users, and rows made
//! directly in the database when a test needs a board without going through the API.

// Shared by the test modules; not every module uses every helper.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use kit::TokenKind;
use kit::testing::TestApp;
pub use kit::testing::assert_error;
use project_svc::config::ProjectConfig;
use project_svc::engine::{EngineError, EngineRuns, StartRun, StartedRun};
use project_svc::{AppState, SERVICE, router};
use serde_json::{Value, json as j};
use shared_schemas::ids::TenantId;

/// The repository root (project-templates/ lives there).
pub fn repo_root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn project_config() -> ProjectConfig {
    serde_json::from_value(j!({
        "engine_svc_url": "http://127.0.0.1:9",
        "project_templates_dir": repo_root().join("project-templates"),
    }))
    .expect("config")
}

/// An engine that records what it was asked and answers as told: `None` means unavailable.
#[derive(Default)]
pub struct RecordingEngine {
    pub calls: Mutex<Vec<(TenantId, StartRun)>>,
    pub available: Mutex<bool>,
}

#[async_trait::async_trait]
impl EngineRuns for RecordingEngine {
    async fn start_run(
        &self,
        tenant: &TenantId,
        run: &StartRun,
    ) -> Result<StartedRun, EngineError> {
        if !*self.available.lock().expect("lock") {
            return Err(EngineError::Unavailable("test engine is down".into()));
        }
        let mut calls = self.calls.lock().expect("lock");
        calls.push((tenant.clone(), run.clone()));
        Ok(StartedRun {
            id: format!("run_test{}", calls.len()),
            status: Some("queued".into()),
        })
    }
}

/// project-svc with the real HTTP engine client pointed at a closed port (engine absent).
pub async fn spawn() -> TestApp {
    let config = project_config();
    let app = TestApp::spawn(SERVICE, move |platform| {
        router(AppState::new(platform, config).expect("state"))
    })
    .await;
    seed_templates(&app).await;
    app
}

/// The built-in templates, as `run` seeds them at start.
pub async fn seed_templates(app: &TestApp) {
    project_svc::store::templates::seed(&app.platform, &project_config())
        .await
        .expect("seed templates");
}

/// project-svc with a recording engine (available or not).
pub async fn spawn_with_engine(available: bool) -> (TestApp, Arc<RecordingEngine>) {
    let engine = Arc::new(RecordingEngine::default());
    *engine.available.lock().expect("lock") = available;
    let config = Arc::new(project_config());
    let engine_for_app: Arc<dyn EngineRuns> = engine.clone();
    let app = TestApp::spawn(SERVICE, move |platform| {
        router(AppState {
            platform,
            config,
            engine: engine_for_app,
        })
    })
    .await;
    seed_templates(&app).await;
    (app, engine)
}

/// A tenant and a user token in it.
pub struct Tenant {
    pub id: TenantId,
    pub user: String,
    pub token: String,
}

pub async fn tenant(app: &TestApp, name: &str) -> Tenant {
    let (id, user) = app.create_tenant(name).await;
    let token = app.token(&id, user.as_str(), TokenKind::User);
    Tenant {
        id,
        user: user.to_string(),
        token,
    }
}

pub async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    app.client.send(method, path, token, body).await
}

/// A project with the columns `Backlog`, `Ready`, `In Progress`, `Done` written straight into
/// the database (for tests of one feature that need a board); returns (project, column ids).
pub async fn board(app: &TestApp, t: &Tenant, name: &str) -> (String, Vec<String>) {
    let project = format!("prj_{}", shared_schemas::ids::random_body());
    let now = 1_700_000_000_000_i64;
    sqlx::query(
        "insert into project.projects (id, tenant_id, name, created_at, updated_at)
         values ($1, $2, $3, $4, $4)",
    )
    .bind(&project)
    .bind(t.id.as_str())
    .bind(name)
    .bind(now)
    .execute(&app.db.admin)
    .await
    .expect("project");
    let mut columns = Vec::new();
    for (i, (col, statuses)) in [
        ("Backlog", j!(["backlog"])),
        ("Ready", j!(["ready"])),
        ("In Progress", j!(["in_progress"])),
        ("Done", j!(["done"])),
    ]
    .into_iter()
    .enumerate()
    {
        let id = format!("col_{}", shared_schemas::ids::random_body());
        sqlx::query(
            "insert into project.kanban_columns (id, tenant_id, project_id, name, position, task_statuses)
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(t.id.as_str())
        .bind(&project)
        .bind(col)
        .bind(i32::try_from(i).expect("position"))
        .bind(statuses)
        .execute(&app.db.admin)
        .await
        .expect("column");
        columns.push(id);
    }
    (project, columns)
}

/// A task in `column` of `project`, written straight into the database; returns its id.
pub async fn task_row(
    app: &TestApp,
    t: &Tenant,
    project: &str,
    column: &str,
    title: &str,
    status: &str,
) -> String {
    let id = format!("tsk_{}", shared_schemas::ids::random_body());
    sqlx::query(
        "insert into project.tasks (id, tenant_id, project_id, title, status, column_id,
             created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, 1700000000000, 1700000000000)",
    )
    .bind(&id)
    .bind(t.id.as_str())
    .bind(project)
    .bind(title)
    .bind(status)
    .bind(column)
    .execute(&app.db.admin)
    .await
    .expect("task");
    id
}
