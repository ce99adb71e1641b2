//! Shared set-up: project-svc, tenants with users, the run requests it handed to engine-svc,
//! and rows made directly in the database when a test needs a board without going through the
//! API.

// Shared by the test modules; not every module uses every helper.
#![allow(dead_code)]

use kit::TokenKind;
use kit::testing::TestApp;
pub use kit::testing::assert_error;
use project_svc::config::ProjectConfig;
use project_svc::{AppState, SERVICE, router};
use serde_json::{Value, json as j};
use shared_schemas::ids::TenantId;

/// The repository root (project-templates/ lives there).
pub fn repo_root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn project_config() -> ProjectConfig {
    serde_json::from_value(j!({
        "project_templates_dir": repo_root().join("project-templates"),
    }))
    .expect("config")
}

/// project-svc on a fresh database and Redis prefix, with the built-in templates.
pub async fn spawn() -> TestApp {
    let config = project_config();
    let app = TestApp::spawn(SERVICE, move |platform| {
        router(AppState::new(platform, config))
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

/// Waits (up to 10 s) until the outbox relay has published every committed event: the
/// events of a change reach Redis shortly after its commit, not before the response.
pub async fn outbox_drained(app: &TestApp) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let unsent: i64 = sqlx::query_scalar(
            "select count(*) from project.outbox where sent_at is null and last_error is null",
        )
        .fetch_one(&app.db.admin)
        .await
        .expect("outbox");
        if unsent == 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{unsent} events still unsent"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Every entry of `stream`, oldest first, once the outbox is drained.
async fn stream(app: &TestApp, stream: String) -> Vec<Value> {
    outbox_drained(app).await;
    let mut redis = app.platform.redis.clone();
    let entries: Vec<(String, Vec<(String, String)>)> = redis::cmd("XRANGE")
        .arg(stream)
        .arg("-")
        .arg("+")
        .query_async(&mut redis)
        .await
        .expect("xrange");
    entries
        .iter()
        .flat_map(|(_, fields)| fields.iter().map(|(_, v)| v))
        .map(|v| serde_json::from_str::<Value>(v).expect("json"))
        .collect()
}

/// Every event on the tenant's stream, oldest first.
pub async fn tenant_events(app: &TestApp, t: &Tenant) -> Vec<Value> {
    stream(app, app.platform.keys.tenant_events(&t.id)).await
}

/// Every `RUN_REQUESTED` on the global stream (what engine-svc consumes), oldest first.
pub async fn run_requests(app: &TestApp) -> Vec<Value> {
    stream(app, app.platform.keys.global_events())
        .await
        .into_iter()
        .filter(|e| e["type"] == "RUN_REQUESTED")
        .collect()
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

/// project-svc with `config` (a test of a limit sets it low), and the built-in templates.
pub async fn spawn_with(config: ProjectConfig) -> TestApp {
    let app = TestApp::spawn(SERVICE, move |platform| {
        router(AppState::new(platform, config))
    })
    .await;
    seed_templates(&app).await;
    app
}

/// The configuration of [`spawn`] with some fields changed (`{"max_tasks_per_project": 3}`).
pub fn config_with(changes: Value) -> ProjectConfig {
    let mut config = j!({
        "project_templates_dir": repo_root().join("project-templates"),
    });
    for (k, v) in changes.as_object().expect("object") {
        config[k] = v.clone();
    }
    serde_json::from_value(config).expect("config")
}

/// `GET path` with the status, the headers and the raw body (a test of size reads its bytes).
pub async fn get_raw(
    app: &TestApp,
    path: &str,
    token: &str,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let res = app
        .client
        .get(path)
        .bearer_auth(token)
        .send()
        .await
        .expect("send");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.bytes().await.expect("body").to_vec();
    (status, headers, body)
}
