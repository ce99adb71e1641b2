//! An agent's runtime config (what used to be config.yml) and its persona markdown files.

use kit::{ApiError, Platform, TenantContext};

use crate::api::agent_config::{ConfigUpdated, FileUpdated};
use crate::domain::agent_config::{
    AgentRuntimeConfig, DEFAULT_PULSE_CONTAINER_TIMEOUT_MS, DEFAULT_PULSE_INTERVAL_MINUTES,
    ThinkingLevel, ThreadMode,
};
use crate::domain::validate::finish;
use crate::flows::access::open_agent;
use crate::store::{self, agents::PersonaFile};

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

pub async fn get(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
) -> Result<AgentRuntimeConfig, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_ref).await?;
    let agent = store::agents::get(&mut tx, &agent_id).await?;
    tx.commit().await?;
    Ok(effective(&agent.config()))
}

/// Merges `patch` into the stored config; 422 when the merged config is invalid.
pub async fn update(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
    patch: &AgentRuntimeConfig,
) -> Result<ConfigUpdated, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_ref).await?;
    let merged = store::agents::config_for_update(&mut tx, &agent_id)
        .await?
        .merged(patch);
    // Each key was valid alone; together they may not be (an offset beyond a new interval).
    let mut errors = Vec::new();
    merged.validate(&mut errors);
    finish(errors).map_err(ApiError::validation)?;
    store::agents::set_config(&mut tx, &agent_id, &merged, store::now_ms()).await?;
    tx.commit().await?;
    Ok(ConfigUpdated {
        status: "updated",
        config: effective(&merged),
    })
}

/// Replaces one persona file; 400 `unknown_persona_file` for any other name.
pub async fn put_file(
    platform: &Platform,
    ctx: &TenantContext,
    agent_ref: &str,
    filename: &str,
    content: &str,
) -> Result<FileUpdated, ApiError> {
    let (mut tx, agent_id) = open_agent(platform, ctx, agent_ref).await?;
    let file = PersonaFile::parse(filename).ok_or_else(|| {
        ApiError::bad_request(
            "unknown_persona_file",
            "editable files are IDENTITY.md, SOUL.md, AGENTS.md and DECISION.md",
        )
    })?;
    store::agents::set_file(&mut tx, &agent_id, file, content, store::now_ms()).await?;
    tx.commit().await?;
    Ok(FileUpdated {
        status: "updated",
        filename: file.file_name(),
        size: content.len(),
    })
}
