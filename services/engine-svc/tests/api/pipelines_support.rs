//! Shared set-up of the pipeline tests: engine-svc with the repository's global pipelines, and
//! YAML documents to write.

// Shared by the pipeline test modules; not every module uses every helper.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use engine_svc::config::EngineConfig;
use engine_svc::flows::pipeline_seed::{self, SeedReport};
use engine_svc::{AppState, SERVICE};
use kit::testing::TestApp;
use serde_json::{Value, json};

/// The repository root (`pipelines/` lives there).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn config_for(dir: &Path) -> EngineConfig {
    serde_json::from_value(json!({ "pipelines_dir": dir })).expect("config")
}

/// The settings `run` reads, pointed at the repository's `pipelines/`.
pub fn repo_config() -> EngineConfig {
    config_for(&repo_root().join("pipelines"))
}

/// engine-svc on a fresh database and Redis prefix, the global pipelines seeded as at start.
pub async fn spawn() -> TestApp {
    let app = spawn_bare(repo_config()).await;
    seed(&app, &repo_config()).await;
    app
}

/// engine-svc with `config` and nothing seeded.
pub async fn spawn_bare(config: EngineConfig) -> TestApp {
    let config = Arc::new(config);
    TestApp::spawn(SERVICE, move |platform| {
        engine_svc::router(AppState::new(platform, config))
    })
    .await
}

pub async fn seed(app: &TestApp, config: &EngineConfig) -> SeedReport {
    pipeline_seed::seed(&app.platform, config)
        .await
        .expect("seed pipelines")
}

/// A small valid pipeline `id` whose first step's input is `input`.
pub fn yaml(id: &str, name: &str, input: &str) -> String {
    format!(
        "id: {id}\nname: {name}\nversion: 1.0.0\ndescription: a test pipeline\nagents:\n  \
         - {{id: engineer, name: Engineer, persona: x}}\nsteps:\n  \
         - id: WORK\n    agent: engineer\n    input: \"{input}\"\n    outputs: [summary]\n"
    )
}

pub fn body(yaml: &str) -> Value {
    json!({ "yaml_content": yaml })
}

/// Reads a fixture of the shared-schemas crate.
pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        repo_root()
            .join("libs/shared-schemas/tests/fixtures")
            .join(name),
    )
    .expect("fixture")
}

/// A fresh empty directory under the system's temporary directory.
pub fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "engine-pipelines-{tag}-{}",
        shared_schemas::ids::random_body()
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// `POST /v1/pipelines/{id}/validate` without a body: the stored pipeline.
pub async fn validate_stored(
    app: &TestApp,
    token: &str,
    id: &str,
) -> (kit::testing::StatusCode, Value) {
    let path = format!("/v1/pipelines/{id}/validate");
    app.client
        .call(kit::testing::Method::POST, &path, Some(token), None)
        .await
}
