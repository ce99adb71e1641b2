//! Global catalogs rewritten from the repository's files at every start: agent templates
//! (`AGENT_TEMPLATES_DIR`) and skills (`SKILLS_DIR`). Idempotent, so replicas starting together
//! and restarts are harmless.

use kit::Platform;

use crate::config::AgentConfig;
use crate::store;
use crate::store::{skill_library, template_files as templates};

pub async fn seed(platform: &Platform, config: &AgentConfig) -> anyhow::Result<()> {
    let catalog = templates::load_dir(&config.agent_templates_dir)?;
    store::templates::replace_all(platform.db.pool(), &catalog, store::now_ms()).await?;
    tracing::info!(templates = catalog.len(), "agent template catalog loaded");
    seed_skills(platform, config).await
}

/// The global skill library from `SKILLS_DIR/<slug>/SKILL.md`. A missing directory changes
/// nothing (rather than deleting every global skill and the tenants' grants of them).
async fn seed_skills(platform: &Platform, config: &AgentConfig) -> anyhow::Result<()> {
    let dir = config.skills_dir.clone();
    let library = tokio::task::spawn_blocking(move || skill_library::load(&dir)).await??;
    let Some(library) = library else {
        tracing::warn!(dir = %config.skills_dir.display(), "skills directory not found; global skills left as they are");
        return Ok(());
    };
    let report = store::skills::seed_global(platform.db.pool(), &library, store::now_ms()).await?;
    for problem in &report.invalid {
        tracing::error!(problem, "skipped an invalid global skill");
    }
    tracing::info!(
        upserted = report.upserted,
        unchanged = report.unchanged,
        removed = report.removed,
        invalid = report.invalid.len(),
        "global skills seeded"
    );
    Ok(())
}
