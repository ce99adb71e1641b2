//! Global catalogs rewritten from the repository's files at every start: agent templates
//! (`AGENT_TEMPLATES_DIR`) and skills (`SKILLS_DIR`). Idempotent, so replicas starting together
//! and restarts are harmless.

use kit::Platform;

use crate::config::AgentConfig;
use crate::domain::templates;
use crate::store;

pub async fn seed(platform: &Platform, config: &AgentConfig) -> anyhow::Result<()> {
    let catalog = templates::load_dir(&config.agent_templates_dir)?;
    store::templates::replace_all(platform.db.pool(), &catalog, store::now_ms()).await?;
    tracing::info!(templates = catalog.len(), "agent template catalog loaded");
    Ok(())
}
