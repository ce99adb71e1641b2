//! The global agent template catalog and new agents cloned from a template or from one of the
//! tenant's own agents: persona files and config are copied, nothing else.

use axum::http::StatusCode;
use kit::db::TenantTx;
use kit::{ApiError, Platform, TenantContext};

use crate::api::agents::AgentDetail;
use crate::api::templates::{CloneAgent, TemplateOut};
use crate::domain::validate;
use crate::store;
use crate::store::agents::{NewAgent, PersonaFile};

pub async fn list(platform: &Platform, ctx: &TenantContext) -> Result<Vec<TemplateOut>, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let templates = store::templates::list(&mut tx).await?;
    tx.commit().await?;
    Ok(templates.iter().map(TemplateOut::from).collect())
}

/// `source_id` is a catalog template (`researcher`) or one of the tenant's agents (`agt_…`).
pub async fn clone(
    platform: &Platform,
    ctx: &TenantContext,
    source_id: &str,
    body: CloneAgent,
) -> Result<AgentDetail, ApiError> {
    let mut tx = platform.db.begin_tenant(ctx).await?;
    let mut new = source(&mut tx, source_id).await?;
    if let Some(name) = body.name {
        new.name = name.trim().to_owned();
    }
    new.slug = body.slug.unwrap_or_else(|| validate::slugify(&new.name));
    let agent = store::agents::insert(&mut tx, &new, store::now_ms()).await?;
    tx.commit().await?;
    Ok((&agent).into())
}

async fn source(tx: &mut TenantTx, source_id: &str) -> Result<NewAgent, ApiError> {
    if source_id.starts_with("agt_") {
        let a = store::agents::get(tx, source_id).await?;
        return Ok(NewAgent {
            files: PersonaFile::ALL.map(|f| f.of(&a).map(str::to_owned)),
            config: a.config(),
            name: a.name,
            slug: String::new(),
            emoji: a.emoji,
            role: a.role,
            description: a.description,
            template_id: a.template_id,
        });
    }
    let t = store::templates::get(tx, source_id).await?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "template_not_found",
            format!(
                "no agent template `{}`",
                source_id.chars().take(128).collect::<String>()
            ),
        )
    })?;
    Ok(NewAgent {
        files: t.files(),
        config: t.config(),
        name: t.name,
        slug: String::new(),
        emoji: t.emoji,
        role: t.role,
        description: t.description,
        template_id: Some(t.id),
    })
}
