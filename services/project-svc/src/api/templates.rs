//! Requests and answers of `/v1/project-templates/` (snake_case rows, as the reference).

use kit::ApiError;
use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::api::page::{MAX_LIMIT, Page};
use crate::domain::templates::{self, ColumnDefinition, StatusSemantics, TemplateContent};
use crate::domain::validate::{self, finish};
use crate::store::templates::Template;

/// Rows the API answers with as they are stored.
pub use crate::store::templates::SeedReport;

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

/// The page of the template list: `limit` 1..=500 (default 500), `offset` ≥ 0.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TemplateListQuery {
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    #[param(minimum = 0)]
    pub offset: Option<i64>,
}

impl TemplateListQuery {
    pub fn page(&self) -> Page {
        Page::new(self.limit, self.offset, MAX_LIMIT)
    }
}

impl Validate for TemplateListQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        Page::check(self.limit, self.offset, &mut errors);
        finish(errors)
    }
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
    pub fn content(&self) -> TemplateContent {
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
    /// The template's content with these changes, checked as a whole.
    pub fn apply(self, mut c: TemplateContent) -> Result<TemplateContent, ApiError> {
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
