//! Starting runs in engine-svc (`POST /v1/runs/`), behind a trait so tests can watch what
//! project-svc asks for. The HTTP client speaks as a service of the caller's tenant; when
//! engine-svc is absent or cannot start runs, callers answer 503 `engine_unavailable`.

use std::time::Duration;

use kit::auth::{Claims, JwtKeys};
use kit::{ApiError, TokenKind};
use serde::{Deserialize, Serialize};
use shared_schemas::ids::TenantId;

/// What project-svc asks engine-svc to run (the reference's `POST /v1/runs/` body).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StartRun {
    pub pipeline_id: String,
    pub task: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_override: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_user_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct StartedRun {
    pub id: String,
    #[serde(default)]
    pub status: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("engine-svc is not available: {0}")]
    Unavailable(String),
    #[error("engine-svc refused the run: {0}")]
    Refused(String),
}

impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Unavailable(_) => ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "engine_unavailable",
                "the engine cannot start runs right now; nothing was started",
            ),
            EngineError::Refused(detail) => ApiError::bad_request("run_refused", detail),
        }
    }
}

#[async_trait::async_trait]
pub trait EngineRuns: Send + Sync {
    async fn start_run(&self, tenant: &TenantId, run: &StartRun)
    -> Result<StartedRun, EngineError>;
}

/// engine-svc over HTTP with a one-minute service token of the tenant.
pub struct HttpEngine {
    http: reqwest::Client,
    base: String,
    keys: std::sync::Arc<JwtKeys>,
}

impl HttpEngine {
    pub fn new(
        base: &str,
        timeout: Duration,
        keys: std::sync::Arc<JwtKeys>,
    ) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder().timeout(timeout).build()?;
        Ok(Self {
            http,
            base: base.trim_end_matches('/').to_owned(),
            keys,
        })
    }
}

#[async_trait::async_trait]
impl EngineRuns for HttpEngine {
    async fn start_run(
        &self,
        tenant: &TenantId,
        run: &StartRun,
    ) -> Result<StartedRun, EngineError> {
        let claims = Claims::access(
            "svc:project-svc",
            tenant.clone(),
            TokenKind::Service,
            Duration::from_secs(60),
        );
        let token = self
            .keys
            .mint(&claims)
            .map_err(|_| EngineError::Unavailable("cannot sign a service token".into()))?;
        let res = self
            .http
            .post(format!("{}/v1/runs/", self.base))
            .bearer_auth(token)
            .json(run)
            .send()
            .await
            .map_err(|e| EngineError::Unavailable(e.without_url().to_string()))?;
        let status = res.status();
        if status.is_success() {
            return res
                .json()
                .await
                .map_err(|e| EngineError::Unavailable(format!("unreadable answer: {e}")));
        }
        // 404/405: an engine-svc without the runs API yet; 5xx: it cannot take runs now.
        if status.is_server_error() || status.as_u16() == 404 || status.as_u16() == 405 {
            return Err(EngineError::Unavailable(format!(
                "engine-svc answered {status}"
            )));
        }
        let body = res.text().await.unwrap_or_default();
        Err(EngineError::Refused(body.chars().take(500).collect()))
    }
}
