//! SQL of `project.project_templates`: the tenant's own templates plus the built-in catalog
//! (tenant_id null), which tenants read but never write (RLS, migration 0014). The seeder is the
//! one writer of global rows, through the `catalog_seed` policy (`app.scope = 'catalog'`).

use axum::http::StatusCode;
use kit::db::{LookupTx, TenantTx};
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

/// The built-in templates and the tenant's, in `sort_order` (then slug) order.
pub async fn list(tx: &mut TenantTx) -> Result<Vec<Template>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from project.project_templates
          where tenant_id = $1 or tenant_id is null
          order by sort_order, slug, is_builtin, id"
    ))
    .bind(tenant)
    .fetch_all(&mut **tx)
    .await?)
}

/// A template the tenant can see, by id or slug; the tenant's own shadows a built-in one with
/// the same slug (possible only when the built-in one was added after it).
pub async fn find(tx: &mut TenantTx, key: &str) -> Result<Option<Template>, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_as(&format!(
        "select {COLUMNS} from project.project_templates
          where (id = $2 or slug = $2) and (tenant_id = $1 or tenant_id is null)
          order by is_builtin, (id = $2) desc limit 1"
    ))
    .bind(tenant)
    .bind(key)
    .fetch_optional(&mut **tx)
    .await?)
}

pub async fn require(tx: &mut TenantTx, key: &str) -> Result<Template, ApiError> {
    find(tx, key).await?.ok_or_else(not_found)
}

/// A template the tenant may change: 404 when unknown, 403 `builtin_read_only` for a built-in.
pub async fn require_own(tx: &mut TenantTx, key: &str) -> Result<Template, ApiError> {
    let template = require(tx, key).await?;
    if template.is_builtin {
        return Err(builtin_read_only());
    }
    Ok(template)
}

/// Whether the slug is taken among the tenant's templates or the built-in ones.
pub async fn slug_taken(tx: &mut TenantTx, slug: &str) -> Result<bool, ApiError> {
    let tenant = tx.tenant().to_string();
    Ok(sqlx::query_scalar(
        "select exists (select 1 from project.project_templates
                         where slug = $2 and (tenant_id = $1 or tenant_id is null))",
    )
    .bind(tenant)
    .bind(slug)
    .fetch_one(&mut **tx)
    .await?)
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
    let tenant = tx.tenant().to_string();
    sqlx::query_as(&format!(
        "insert into project.project_templates (id, tenant_id, slug, name, description, icon,
             is_builtin, board_columns, status_semantics, default_pipeline_id,
             onboarding_agent_chain, template_metadata, sort_order, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, false, $7, $8, $9, $10, $11, $12, $13, $13)
         returning {COLUMNS}"
    ))
    .bind(crate::store::new_id("tpl_"))
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
    let tenant = tx.tenant().to_string();
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
    let tenant = tx.tenant().to_string();
    let done =
        sqlx::query("delete from project.project_templates where tenant_id = $1 and id = $2")
            .bind(tenant)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    if done.rows_affected() == 0 {
        return Err(not_found());
    }
    Ok(())
}

/// What a seeding changed.
#[derive(Debug, Default, serde::Serialize, utoipa::ToSchema)]
pub struct SeedReport {
    /// Built-ins inserted or changed.
    pub upserted: usize,
    /// Built-ins already as their file says.
    pub unchanged: usize,
    /// Built-ins whose file is gone.
    pub removed: usize,
    /// `<slug>: <reason>` for each file that could not be used (its row, if any, is kept).
    pub invalid: Vec<String>,
}

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
    let mut tx = LookupTx::begin(platform.db.pool(), "app.scope", "catalog").await?;
    let mut report = SeedReport::default();
    for entry in &catalog {
        let c = match &entry.content {
            Ok(c) => c,
            Err(reason) => {
                report.invalid.push(format!("{}: {reason}", entry.slug));
                continue;
            }
        };
        let changed = sqlx::query(
            "insert into project.project_templates as t (id, tenant_id, slug, name, description,
                 icon, is_builtin, board_columns, status_semantics, default_pipeline_id,
                 onboarding_agent_chain, template_metadata, sort_order, created_at, updated_at)
             values ($1, null, $2, $3, $4, $5, true, $6, $7, $8, $9, $10, $11, $12, $12)
             on conflict (slug) where tenant_id is null do update
                set name = excluded.name, description = excluded.description,
                    icon = excluded.icon, board_columns = excluded.board_columns,
                    status_semantics = excluded.status_semantics,
                    default_pipeline_id = excluded.default_pipeline_id,
                    onboarding_agent_chain = excluded.onboarding_agent_chain,
                    template_metadata = excluded.template_metadata,
                    sort_order = excluded.sort_order, updated_at = excluded.updated_at
              where (t.name, t.description, t.icon, t.board_columns, t.status_semantics,
                     t.default_pipeline_id, t.onboarding_agent_chain, t.template_metadata,
                     t.sort_order)
                    is distinct from (excluded.name, excluded.description, excluded.icon,
                     excluded.board_columns, excluded.status_semantics,
                     excluded.default_pipeline_id, excluded.onboarding_agent_chain,
                     excluded.template_metadata, excluded.sort_order)",
        )
        .bind(crate::store::new_id("tpl_"))
        .bind(&entry.slug)
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
        .execute(&mut *tx)
        .await?;
        if changed.rows_affected() > 0 {
            report.upserted += 1;
        } else {
            report.unchanged += 1;
        }
    }
    let present: Vec<&str> = catalog.iter().map(|e| e.slug.as_str()).collect();
    let removed = sqlx::query(
        "delete from project.project_templates where tenant_id is null and not (slug = any($1))",
    )
    .bind(&present)
    .execute(&mut *tx)
    .await?;
    report.removed = usize::try_from(removed.rows_affected()).unwrap_or(usize::MAX);
    tx.commit().await?;
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
