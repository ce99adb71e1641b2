//! `/v1/pipelines` as the HTTP API shows it (CONTRACTS §1.5): the reference's
//! `PipelineResponse {id, name, description, version, steps, agents}` plus where the pipeline
//! comes from, and the 422 that lists every problem of a YAML file with its line.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kit::ApiError;
use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};
use shared_schemas::pipeline::{PipelineAgent, PipelineConfig, PipelineError, StepConfig};

use crate::store::pipelines::PipelineRow;

/// A pipeline as the tenant sees it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PipelineResponse {
    pub id: String,
    pub name: String,
    pub description: String,
    pub version: String,
    /// The steps of the YAML, in order (the first is the entry point).
    pub steps: Vec<StepConfig>,
    pub agents: Vec<PipelineAgent>,
    /// A pipeline shipped with the platform: read-only (a PUT makes the tenant's own copy).
    pub is_global: bool,
    /// `global` or `tenant`.
    pub source: String,
    pub created_at: i64,
    pub updated_at: i64,
}

impl PipelineResponse {
    /// `config` is `None` only for a stored YAML that no longer parses; steps and agents are
    /// then empty (validate names the problem).
    pub fn new(row: PipelineRow, config: Option<PipelineConfig>) -> Self {
        let (steps, agents) = config.map(|c| (c.steps, c.agents)).unwrap_or_default();
        Self {
            source: source_of(&row).to_owned(),
            id: row.id,
            name: row.name,
            description: row.description,
            version: row.version,
            steps,
            agents,
            is_global: row.is_global,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn source_of(row: &PipelineRow) -> &'static str {
    if row.is_global { "global" } else { "tenant" }
}

/// The whole YAML of a pipeline (create, update).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PipelineYamlRequest {
    pub yaml_content: String,
}

impl Validate for PipelineYamlRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        if self.yaml_content.trim().is_empty() {
            return Err(vec![kit::validate::err(
                "yaml_content",
                "must not be empty",
            )]);
        }
        Ok(())
    }
}

/// The answer of `PUT`: the reference's `{status, pipeline_id, file}` and the pipeline.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PipelineWritten {
    /// `updated` (the tenant's own pipeline) or `created` (the tenant's copy of a global one).
    pub status: String,
    pub pipeline_id: String,
    pub file: String,
    pub pipeline: PipelineResponse,
}

/// `GET /v1/pipelines/{id}/raw`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RawPipeline {
    pub pipeline_id: String,
    pub yaml: String,
    /// A file name for the YAML (`<id>.yml`).
    pub file: String,
}

impl From<PipelineRow> for RawPipeline {
    fn from(row: PipelineRow) -> Self {
        Self {
            file: file_name(&row.id),
            pipeline_id: row.id,
            yaml: row.yaml_content,
        }
    }
}

pub fn file_name(id: &str) -> String {
    format!("{id}.yml")
}

/// A draft to validate instead of the stored pipeline.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    pub yaml_content: String,
}

impl Validate for ValidateRequest {}

/// `POST /v1/pipelines/{id}/validate`: errors make the pipeline invalid, warnings do not.
/// Each names its line, column and the path of the value (`steps[2].loop.over`).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ValidationResponse {
    pub valid: bool,
    pub errors: Vec<PipelineError>,
    pub warnings: Vec<PipelineError>,
    pub pipeline_id: String,
}

/// The 422 of a YAML that does not make a valid pipeline: kit's error body whose `errors`
/// carry the line and column of each problem.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvalidPipelineBody {
    pub detail: String,
    /// `invalid_pipeline`.
    pub code: String,
    pub errors: Vec<PipelineError>,
}

/// What a write can fail with: kit's errors, or an invalid YAML.
#[derive(Debug)]
pub enum PipelineWriteError {
    Api(ApiError),
    Invalid(Vec<PipelineError>),
}

impl From<ApiError> for PipelineWriteError {
    fn from(err: ApiError) -> Self {
        Self::Api(err)
    }
}

impl From<sqlx::Error> for PipelineWriteError {
    fn from(err: sqlx::Error) -> Self {
        Self::Api(err.into())
    }
}

impl IntoResponse for PipelineWriteError {
    fn into_response(self) -> Response {
        match self {
            Self::Api(err) => err.into_response(),
            Self::Invalid(errors) => {
                let detail = match errors.as_slice() {
                    [one] => format!("invalid pipeline: {one}"),
                    _ => format!("invalid pipeline: {} problems", errors.len()),
                };
                let body = InvalidPipelineBody {
                    detail,
                    code: "invalid_pipeline".to_owned(),
                    errors,
                };
                (StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response()
            }
        }
    }
}
