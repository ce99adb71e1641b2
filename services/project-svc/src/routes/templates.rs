//! `/v1/project-templates/`: the built-in catalog (from the repository's `project-templates/`)
//! plus the tenant's own templates (contract §1.2). Any credential of the tenant reads; users
//! write, and only the tenant's own templates. Unlike the reference, built-ins cannot be edited
//! in place (403 `builtin_read_only`): they are shared by every tenant, so a tenant clones one.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use kit::auth::scope::UserOnly;
use kit::error::FieldError;
use kit::extract::{ValidJson, Validate};
use kit::{ApiError, Platform, TenantContext, TokenKind};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::config::ProjectConfig;
use crate::domain::templates::{self, ColumnDefinition, StatusSemantics, TemplateContent};
use crate::domain::validate::{self, finish};
use crate::store::{self, templates::SeedReport, templates::Template};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(seed))
        .routes(routes!(get_one, update, delete))
        .routes(routes!(clone))
}

/// Single-segment paths under /v1/project-templates/ that are endpoints.
const RESERVED_SLUGS: [&str; 1] = ["seed"];

/// A template as the reference serialises it (snake_case), with `columns` in board order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TemplateResponse {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub icon: Option<String>,
    /// Built-in (global, read-only) rather than the tenant's own.
    pub is_builtin: bool,
    pub columns: Vec<ColumnDefinition>,
    pub status_semantics: StatusSemantics,
    pub default_pipeline_id: Option<String>,
    pub onboarding_agent_chain: Option<Vec<String>>,
    pub metadata: Map<String, Value>,
    pub sort_order: i32,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<Template> for TemplateResponse {
    fn from(t: Template) -> Self {
        Self {
            id: t.id,
            slug: t.slug,
            name: t.name,
            description: t.description,
            icon: t.icon,
            is_builtin: t.is_builtin,
            columns: t.board_columns.0,
            status_semantics: t.status_semantics.0,
            default_pipeline_id: t.default_pipeline_id,
            onboarding_agent_chain: t.onboarding_agent_chain.map(|c| c.0),
            metadata: t.template_metadata.0,
            sort_order: t.sort_order,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TemplateList {
    pub templates: Vec<TemplateResponse>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateTemplateRequest {
    pub name: String,
    /// Lower-case letters, digits and inner hyphens; unique among the tenant's templates and the
    /// built-in ones (409 `template_exists`).
    pub slug: String,
    #[serde(default)]
    pub description: String,
    pub icon: Option<String>,
    pub columns: Vec<ColumnDefinition>,
    pub status_semantics: StatusSemantics,
    pub default_pipeline_id: Option<String>,
    /// Agent ids (`agt_…`) that guide onboarding with this template, first one first.
    pub onboarding_agent_chain: Option<Vec<String>>,
    #[serde(default)]
    pub metadata: Map<String, Value>,
    #[serde(default)]
    pub sort_order: i32,
}

impl CreateTemplateRequest {
    fn content(&self) -> TemplateContent {
        TemplateContent {
            name: self.name.trim().to_owned(),
            description: self.description.trim().to_owned(),
            icon: self.icon.clone(),
            columns: templates::normalise_columns(self.columns.clone()),
            status_semantics: self.status_semantics.clone(),
            default_pipeline_id: self.default_pipeline_id.clone(),
            onboarding_agent_chain: self.onboarding_agent_chain.clone(),
            metadata: self.metadata.clone(),
            sort_order: self.sort_order,
        }
    }
}

impl Validate for CreateTemplateRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if RESERVED_SLUGS.contains(&self.slug.as_str()) {
            errors.push(validate::err(
                "slug",
                format!("`{}` is reserved", self.slug),
            ));
        }
        validate::slug("slug", &self.slug, &mut errors);
        self.content().check(&mut errors);
        finish(errors)
    }
}

/// Every field optional; the result of applying them is checked as a whole (a new column set
/// must still hold the statuses the semantics name).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateTemplateRequest {
    pub name: Option<String>,
    pub description: Option<String>,
    pub icon: Option<String>,
    pub columns: Option<Vec<ColumnDefinition>>,
    pub status_semantics: Option<StatusSemantics>,
    pub default_pipeline_id: Option<String>,
    pub onboarding_agent_chain: Option<Vec<String>>,
    pub metadata: Option<Map<String, Value>>,
    pub sort_order: Option<i32>,
}

impl Validate for UpdateTemplateRequest {}

impl UpdateTemplateRequest {
    fn apply(self, mut c: TemplateContent) -> Result<TemplateContent, ApiError> {
        macro_rules! set {
            ($($field:ident),*) => { $(if let Some(v) = self.$field { c.$field = v; })* };
        }
        set!(status_semantics, metadata, sort_order);
        if let Some(v) = self.name {
            c.name = v.trim().to_owned();
        }
        if let Some(v) = self.description {
            c.description = v.trim().to_owned();
        }
        if let Some(v) = self.columns {
            c.columns = templates::normalise_columns(v);
        }
        if self.icon.is_some() {
            c.icon = self.icon;
        }
        if self.default_pipeline_id.is_some() {
            c.default_pipeline_id = self.default_pipeline_id;
        }
        if self.onboarding_agent_chain.is_some() {
            c.onboarding_agent_chain = self.onboarding_agent_chain;
        }
        let mut errors = Vec::new();
        c.check(&mut errors);
        finish(errors).map_err(ApiError::validation)?;
        Ok(c)
    }
}

/// Built-in and tenant templates, by `sort_order`.
#[utoipa::path(get, path = "/v1/project-templates/", tag = "project_templates",
    responses((status = 200, body = TemplateList)))]
async fn list(
    State(platform): State<Platform>,
    ctx: TenantContext,
) -> Result<Json<TemplateList>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let rows = store::templates::list(&mut tx).await?;
    tx.commit().await?;
    Ok(Json(TemplateList {
        templates: rows.into_iter().map(Into::into).collect(),
    }))
}

/// One template by id (`tpl_…`) or slug.
#[utoipa::path(get, path = "/v1/project-templates/{template_id}", tag = "project_templates",
    params(("template_id" = String, Path, description = "id or slug")),
    responses((status = 200, body = TemplateResponse), (status = 404)))]
async fn get_one(
    State(platform): State<Platform>,
    ctx: TenantContext,
    Path(template_id): Path<String>,
) -> Result<Json<TemplateResponse>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let template = store::templates::require(&mut tx, &template_id).await?;
    tx.commit().await?;
    Ok(Json(template.into()))
}

/// A template of the tenant's own.
#[utoipa::path(post, path = "/v1/project-templates/", tag = "project_templates",
    request_body = CreateTemplateRequest,
    responses((status = 201, body = TemplateResponse), (status = 409), (status = 422)))]
async fn create(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    ValidJson(body): ValidJson<CreateTemplateRequest>,
) -> Result<(StatusCode, Json<TemplateResponse>), ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let now = store::now_ms();
    let template = store::templates::insert(&mut tx, &body.slug, &body.content(), now).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(template.into())))
}

/// Changes the given fields of one of the tenant's templates; 403 `builtin_read_only` for a
/// built-in (clone it instead). The slug never changes.
#[utoipa::path(put, path = "/v1/project-templates/{template_id}", tag = "project_templates",
    params(("template_id" = String, Path, description = "id or slug")),
    request_body = UpdateTemplateRequest,
    responses((status = 200, body = TemplateResponse), (status = 403), (status = 404), (status = 422)))]
async fn update(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(template_id): Path<String>,
    ValidJson(body): ValidJson<UpdateTemplateRequest>,
) -> Result<Json<TemplateResponse>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let current = store::templates::require_own(&mut tx, &template_id).await?;
    let content = body.apply(current.content())?;
    let template =
        store::templates::update(&mut tx, &current.id, &content, store::now_ms()).await?;
    tx.commit().await?;
    Ok(Json(template.into()))
}

/// Deletes one of the tenant's templates. Projects made from it keep their boards.
#[utoipa::path(delete, path = "/v1/project-templates/{template_id}", tag = "project_templates",
    params(("template_id" = String, Path, description = "id or slug")),
    responses((status = 200, description = "`{\"id\", \"status\": \"deleted\"}`"),
        (status = 403), (status = 404)))]
async fn delete(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(template_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let template = store::templates::require_own(&mut tx, &template_id).await?;
    store::templates::delete(&mut tx, &template.id).await?;
    tx.commit().await?;
    Ok(Json(
        serde_json::json!({ "id": template.id, "status": "deleted" }),
    ))
}

/// A tenant copy of any visible template: slug `<slug>-copy` (then `-copy-2`, …), name
/// `<name> (copy)`.
#[utoipa::path(post, path = "/v1/project-templates/{template_id}/clone", tag = "project_templates",
    params(("template_id" = String, Path, description = "id or slug")),
    responses((status = 201, body = TemplateResponse), (status = 404), (status = 409)))]
async fn clone(
    State(platform): State<Platform>,
    UserOnly(ctx): UserOnly,
    Path(template_id): Path<String>,
) -> Result<(StatusCode, Json<TemplateResponse>), ApiError> {
    let mut tx = platform.db.begin_tenant(&ctx).await?;
    let source = store::templates::require(&mut tx, &template_id).await?;
    let slug = free_copy_slug(&mut tx, &source.slug).await?;
    let mut content = source.content();
    content.name = copy_name(&content.name);
    let template = store::templates::insert(&mut tx, &slug, &content, store::now_ms()).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(template.into())))
}

async fn free_copy_slug(tx: &mut kit::db::TenantTx, base: &str) -> Result<String, ApiError> {
    for attempt in 1..=100 {
        let slug = templates::copy_slug(base, attempt);
        if !store::templates::slug_taken(tx, &slug).await? {
            return Ok(slug);
        }
    }
    Err(store::templates::template_exists(&format!("{base}-copy-…")))
}

fn copy_name(name: &str) -> String {
    let keep = validate::MAX_NAME - " (copy)".len();
    format!(
        "{} (copy)",
        name.chars().take(keep).collect::<String>().trim_end()
    )
}

/// Re-reads the built-in catalog from the repository's files (it is also read at every start).
/// Platform administrators only.
#[utoipa::path(post, path = "/v1/project-templates/seed", tag = "project_templates",
    responses((status = 200, body = SeedReport), (status = 403)))]
async fn seed(
    State(platform): State<Platform>,
    State(config): State<std::sync::Arc<ProjectConfig>>,
    ctx: TenantContext,
) -> Result<Json<SeedReport>, ApiError> {
    if ctx.kind() != TokenKind::User || !ctx.claims.platform_admin {
        return Err(ApiError::forbidden(
            "seeding the built-in templates is for platform administrators",
        ));
    }
    let report = store::templates::seed(&platform, &config)
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(report))
}
