//! `/v1/agents/templates` and `/v1/agents/{id}/clone` (spec §4.1): the global template catalog
//! and new agents made from a template — or from one of the tenant's own agents.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::auth::scope::UserOnly;
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform, TenantContext};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::domain::agent_config::AgentRuntimeConfig;
use crate::domain::validate::{self, MAX_NAME, finish};
use crate::routes::agents::AgentDetail;
use crate::store::agents::{NewAgent, PersonaFile};
use crate::store::{self, templates::TemplateRow};

/// Every route of this file, declared once with its OpenAPI operation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(clone))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TemplateOut {
    pub id: String,
    pub name: String,
    pub emoji: Option<String>,
    pub role: Option<String>,
    pub description: String,
    pub persona_files: Vec<String>,
    pub config: AgentRuntimeConfig,
}

impl From<&TemplateRow> for TemplateOut {
    fn from(t: &TemplateRow) -> Self {
        let files = t.files();
        Self {
            id: t.id.clone(),
            name: t.name.clone(),
            emoji: t.emoji.clone(),
            role: t.role.clone(),
            description: t.description.clone(),
            persona_files: PersonaFile::ALL
                .into_iter()
                .filter(|f| files[*f as usize].is_some())
                .map(PersonaFile::file_name)
                .collect(),
            config: t.config(),
        }
    }
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CloneAgent {
    /// Defaults to the template's (or source agent's) name.
    pub name: Option<String>,
    /// Defaults to one made from the name; 409 `slug_taken` if the tenant has it.
    pub slug: Option<String>,
}

impl Validate for CloneAgent {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(name) = &self.name {
            validate::name("name", name, MAX_NAME, &mut errors);
        }
        if let Some(slug) = &self.slug {
            validate::slug("slug", slug, &mut errors);
        }
        finish(errors)
    }
}

/// The catalog every tenant can clone from.
#[utoipa::path(get, path = "/v1/agents/templates", tag = "agents",
    responses((status = 200, body = [TemplateOut])))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
) -> Result<Json<Vec<TemplateOut>>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let templates = store::templates::list(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(templates.iter().map(TemplateOut::from).collect()))
}

/// A new agent of the tenant from a catalog template (`researcher`) or from one of the
/// tenant's agents (`agt_…`): persona files and config are copied, nothing else.
#[utoipa::path(post, path = "/v1/agents/{source_id}/clone", tag = "agents",
    request_body = CloneAgent,
    responses((status = 201, body = AgentDetail), (status = 404), (status = 409)))]
async fn clone(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(source_id): Path<String>,
    body: Option<ValidJson<CloneAgent>>,
) -> Result<(StatusCode, Json<AgentDetail>), ApiError> {
    let body = body.map(|ValidJson(b)| b).unwrap_or_default();
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let mut new = source(&mut tx, &source_id).await?;
    if let Some(name) = body.name {
        new.name = name.trim().to_owned();
    }
    new.slug = body.slug.unwrap_or_else(|| validate::slugify(&new.name));
    let agent = store::agents::insert(&mut tx, &new, store::now_ms()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json((&agent).into())))
}

async fn source(tx: &mut kit::db::TenantTx, source_id: &str) -> Result<NewAgent, ApiError> {
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
