//! SQL of `project.project_templates`: the tenant's own templates plus the built-in catalog
//! (tenant_id null), which tenants read but never write (RLS, migration 0014). A global-catalog
//! table on `kit::db::catalog`; the seeder is the one writer of global rows, through the
//! `catalog_seed` policy (`app.scope = 'catalog'`).

use axum::http::StatusCode;
use kit::db::TenantTx;
use kit::db::catalog::{Catalog, Visible};
use kit::error::OnConstraint;
use kit::{ApiError, Platform};
use serde_json::{Map, Value};
use sqlx::FromRow;
use sqlx::types::Json;

use crate::config::ProjectConfig;
use crate::domain::templates::{self, ColumnDefinition, StatusSemantics, TemplateContent};

#[derive(Debug, Clone, FromRow)]
pub struct Template {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub icon: Option<String>,
    pub is_builtin: bool,
    pub board_columns: Json<Vec<ColumnDefinition>>,
    pub status_semantics: Json<StatusSemantics>,
    pub default_pipeline_id: Option<String>,
    pub onboarding_agent_chain: Option<Json<Vec<String>>>,
    pub template_metadata: Json<Map<String, Value>>,
    pub sort_order: i32,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Template {
    pub fn content(&self) -> TemplateContent {
        TemplateContent {
            name: self.name.clone(),
            description: self.description.clone(),
            icon: self.icon.clone(),
            columns: self.board_columns.0.clone(),
            status_semantics: self.status_semantics.0.clone(),
            default_pipeline_id: self.default_pipeline_id.clone(),
            onboarding_agent_chain: self.onboarding_agent_chain.as_ref().map(|c| c.0.clone()),
            metadata: self.template_metadata.0.clone(),
            sort_order: self.sort_order,
        }
    }
}

const COLUMNS: &str = "id, slug, name, description, icon, is_builtin, board_columns, \
    status_semantics, default_pipeline_id, onboarding_agent_chain, template_metadata, \
    sort_order, created_at, updated_at";

pub fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "template_not_found",
        "project template not found",
    )
}

fn builtin_read_only() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "builtin_read_only",
        "built-in templates are read-only; clone it (POST /v1/project-templates/{id}/clone) and change the copy",
    )
}

pub fn template_exists(slug: &str) -> ApiError {
    ApiError::conflict(
        "template_exists",
        format!("a template with slug `{slug}` already exists"),
    )
}

/// The catalog table: built-in rows (`tenant_id is null`) beside each tenant's own.
const TEMPLATES: Catalog = Catalog {
    table: "project.project_templates",
    key: "slug",
    id_prefix: "tpl_",
    columns: COLUMNS,
};

/// A page of the built-in templates and the tenant's, in `sort_order` (then slug) order, and
/// how many there are.
pub async fn list(
    tx: &mut TenantTx,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Template>, i64), ApiError> {
    let tenant = tx.tenant().clone();
    let total: i64 = sqlx::query_scalar(
        "select count(*) from project.project_templates where tenant_id = $1 or tenant_id is null",
    )
    .bind(tenant)
    .fetch_one(&mut **tx)
    .await?;
    let rows = TEMPLATES
        .list::<Template>(tx, "sort_order, slug, is_builtin, id", limit, offset)
        .await?;
    Ok((rows.into_iter().map(|v| v.row).collect(), total))
}

/// A template the tenant can see, by id or slug; the tenant's own shadows a built-in one with
/// the same slug (possible only when the built-in one was added after it).
pub async fn find(tx: &mut TenantTx, key: &str) -> Result<Option<Visible<Template>>, ApiError> {
    Ok(TEMPLATES.find::<Template>(tx, key).await?)
}

pub async fn require(tx: &mut TenantTx, key: &str) -> Result<Template, ApiError> {
    Ok(find(tx, key).await?.ok_or_else(not_found)?.row)
}

/// A template the tenant may change: 404 when unknown, 403 `builtin_read_only` for a built-in.
pub async fn require_own(tx: &mut TenantTx, key: &str) -> Result<Template, ApiError> {
    find(tx, key)
        .await?
        .ok_or_else(not_found)?
        .writable(builtin_read_only)
}

/// Whether the slug is taken among the tenant's templates or the built-in ones.
pub async fn slug_taken(tx: &mut TenantTx, slug: &str) -> Result<bool, ApiError> {
    Ok(TEMPLATES.key_taken(tx, slug).await?)
}

/// A new template of the tenant; 409 `template_exists` when the slug is taken (checked against
/// the built-ins here, against the tenant's own by the unique index, which also settles races).
pub async fn insert(
    tx: &mut TenantTx,
    slug: &str,
    c: &TemplateContent,
    now: i64,
) -> Result<Template, ApiError> {
    if slug_taken(tx, slug).await? {
        return Err(template_exists(slug));
    }
    let tenant = tx.tenant().clone();
    sqlx::query_as(&format!(
        "insert into project.project_templates (id, tenant_id, slug, name, description, icon,
             is_builtin, board_columns, status_semantics, default_pipeline_id,
             onboarding_agent_chain, template_metadata, sort_order, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, false, $7, $8, $9, $10, $11, $12, $13, $13)
         returning {COLUMNS}"
    ))
    .bind(TEMPLATES.new_id())
    .bind(tenant)
    .bind(slug)
    .bind(&c.name)
    .bind(&c.description)
    .bind(&c.icon)
    .bind(Json(&c.columns))
    .bind(Json(&c.status_semantics))
    .bind(&c.default_pipeline_id)
    .bind(c.onboarding_agent_chain.as_ref().map(Json))
    .bind(Json(&c.metadata))
    .bind(c.sort_order)
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .on_constraint("uq_project_templates_tenant_slug", || template_exists(slug))
}

/// Rewrites one of the tenant's templates with `c` (the merged, checked content).
pub async fn update(
    tx: &mut TenantTx,
    id: &str,
    c: &TemplateContent,
    now: i64,
) -> Result<Template, ApiError> {
    let tenant = tx.tenant().clone();
    sqlx::query_as(&format!(
        "update project.project_templates
            set name = $3, description = $4, icon = $5, board_columns = $6,
                status_semantics = $7, default_pipeline_id = $8, onboarding_agent_chain = $9,
                template_metadata = $10, sort_order = $11, updated_at = $12
          where tenant_id = $1 and id = $2
          returning {COLUMNS}"
    ))
    .bind(tenant)
    .bind(id)
    .bind(&c.name)
    .bind(&c.description)
    .bind(&c.icon)
    .bind(Json(&c.columns))
    .bind(Json(&c.status_semantics))
    .bind(&c.default_pipeline_id)
    .bind(c.onboarding_agent_chain.as_ref().map(Json))
    .bind(Json(&c.metadata))
    .bind(c.sort_order)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(not_found)
}

pub async fn delete(tx: &mut TenantTx, id: &str) -> Result<(), ApiError> {
    if TEMPLATES.delete_own(tx, id).await? {
        Ok(())
    } else {
        Err(not_found())
    }
}

pub use kit::db::catalog::SeedReport;

/// The content columns of a built-in template, as the seed writes them.
const CONTENT: [&str; 9] = [
    "name",
    "description",
    "icon",
    "board_columns",
    "status_semantics",
    "default_pipeline_id",
    "onboarding_agent_chain",
    "template_metadata",
    "sort_order",
];

/// Rewrites the built-in templates from `project_templates_dir/<slug>.yml`: upserts by slug
/// (ids survive), deletes built-ins whose file disappeared, in one transaction. Idempotent, so
/// replicas starting together are harmless. A missing folder changes nothing.
pub async fn seed(platform: &Platform, config: &ProjectConfig) -> anyhow::Result<SeedReport> {
    let dir = config.project_templates_dir.clone();
    let Some(catalog) =
        tokio::task::spawn_blocking(move || templates::load_catalog(&dir)).await??
    else {
        tracing::warn!(dir = %config.project_templates_dir.display(), "project template folder not found; built-in templates left as they are");
        return Ok(SeedReport::default());
    };
    let now = crate::store::now_ms();
    let fixed = [("is_builtin", "true")];
    let mut seed = TEMPLATES
        .begin_seed(platform.db.pool(), &CONTENT, &fixed, now)
        .await?;
    for entry in &catalog {
        match &entry.content {
            Ok(c) => {
                let content = serde_json::json!({
                    "name": c.name,
                    "description": c.description,
                    "icon": c.icon,
                    "board_columns": c.columns,
                    "status_semantics": c.status_semantics,
                    "default_pipeline_id": c.default_pipeline_id,
                    "onboarding_agent_chain": c.onboarding_agent_chain,
                    "template_metadata": c.metadata,
                    "sort_order": c.sort_order,
                });
                seed.upsert(&entry.slug, &content).await?;
            }
            Err(reason) => seed.invalid(&entry.slug, reason),
        }
    }
    let report = seed.finish().await?;
    for problem in &report.invalid {
        tracing::error!(problem, "skipped an invalid built-in project template");
    }
    tracing::info!(
        upserted = report.upserted,
        unchanged = report.unchanged,
        removed = report.removed,
        invalid = report.invalid.len(),
        "built-in project templates seeded"
    );
    Ok(report)
}
