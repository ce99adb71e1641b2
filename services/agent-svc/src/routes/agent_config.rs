//! `/v1/agents/{id}/config` and `/v1/agents/{id}/files/{filename}`: what used to be config.yml
//! and the persona markdown files of the reference's AGENTS_DIR.

use axum::Json;
use axum::extract::{Path, State};
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform, TenantContext};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::domain::agent_config::{
    AgentRuntimeConfig, DEFAULT_PULSE_CONTAINER_TIMEOUT_MS, DEFAULT_PULSE_INTERVAL_MINUTES,
    ThinkingLevel, ThreadMode,
};
use crate::domain::validate::{MAX_DOCUMENT, err, finish};
use crate::flows::access::open_agent;
use crate::store::{self, agents::PersonaFile};

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_config, put_config))
        .routes(routes!(put_file))
}

/// The config as the runtime will use it: what was set, with defaults for the rest.
fn effective(stored: &AgentRuntimeConfig) -> AgentRuntimeConfig {
    let defaults = AgentRuntimeConfig {
        thinking_level: Some(ThinkingLevel::Off),
        thread_mode: Some(ThreadMode::Passive),
        pulse_enabled: Some(false),
        pulse_interval_minutes: Some(DEFAULT_PULSE_INTERVAL_MINUTES),
        pulse_offset_minutes: Some(0),
        pulse_container_timeout_ms: Some(DEFAULT_PULSE_CONTAINER_TIMEOUT_MS),
        pulse_columns: Some(Vec::new()),
        max_concurrent_steps: Some(2),
        tools: Some(["read", "write", "bash"].map(str::to_owned).to_vec()),
        ..Default::default()
    };
    defaults.merged(stored)
}

#[utoipa::path(get, path = "/v1/agents/{agent_id}/config", tag = "agents",
    responses((status = 200, body = AgentRuntimeConfig), (status = 404)))]
async fn get_config(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
) -> Result<Json<AgentRuntimeConfig>, ApiError> {
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let agent = store::agents::get(&mut tx, &agent_id).await?;
    tx.commit().await?;
    Ok(Json(effective(&agent.config())))
}

/// A partial config: the keys given replace the stored ones. Unknown keys are refused.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct ConfigPatch(pub AgentRuntimeConfig);

impl Validate for ConfigPatch {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        self.0.validate_keys(&mut errors);
        finish(errors)
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConfigUpdated {
    pub status: &'static str,
    pub config: AgentRuntimeConfig,
}

#[utoipa::path(put, path = "/v1/agents/{agent_id}/config", tag = "agents",
    request_body = AgentRuntimeConfig,
    responses((status = 200, body = ConfigUpdated), (status = 404), (status = 422)))]
async fn put_config(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(agent_id): Path<String>,
    ValidJson(ConfigPatch(patch)): ValidJson<ConfigPatch>,
) -> Result<Json<ConfigUpdated>, ApiError> {
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let merged = store::agents::config_for_update(&mut tx, &agent_id)
        .await?
        .merged(&patch);
    // Each key was valid alone; together they may not be (an offset beyond a new interval).
    let mut errors = Vec::new();
    merged.validate(&mut errors);
    finish(errors).map_err(ApiError::validation)?;
    store::agents::set_config(&mut tx, &agent_id, &merged, store::now_ms()).await?;
    tx.commit().await?;
    Ok(Json(ConfigUpdated {
        status: "updated",
        config: effective(&merged),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FileUpdate {
    pub content: String,
}

impl Validate for FileUpdate {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        if self.content.len() > MAX_DOCUMENT {
            return Err(vec![err(
                "content",
                format!("must be at most {MAX_DOCUMENT} bytes"),
            )]);
        }
        Ok(())
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FileUpdated {
    pub status: &'static str,
    pub filename: String,
    pub size: usize,
}

/// Replaces one persona file: IDENTITY, SOUL, AGENTS or DECISION (`.md` optional).
#[utoipa::path(put, path = "/v1/agents/{agent_id}/files/{filename}", tag = "agents",
    request_body = FileUpdate,
    responses((status = 200, body = FileUpdated), (status = 400), (status = 404)))]
async fn put_file(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path((agent_id, filename)): Path<(String, String)>,
    ValidJson(body): ValidJson<FileUpdate>,
) -> Result<Json<FileUpdated>, ApiError> {
    let (mut tx, agent_id) = open_agent(&platform, &ctx, &agent_id).await?;
    let file = PersonaFile::parse(&filename).ok_or_else(|| {
        ApiError::bad_request(
            "unknown_persona_file",
            "editable files are IDENTITY.md, SOUL.md, AGENTS.md and DECISION.md",
        )
    })?;
    store::agents::set_file(&mut tx, &agent_id, file, &body.content, store::now_ms()).await?;
    tx.commit().await?;
    Ok(Json(FileUpdated {
        status: "updated",
        filename: file.file_name(),
        size: body.content.len(),
    }))
}
