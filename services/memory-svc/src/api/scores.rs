//! Memory scores: retrievals and valuations reported by runtimes, scores and gaps read back,
//! and the tenant's scoring settings (CONTRACTS §1.4, §8).

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::domain::scores::ScoringConfig;

/// The most events one batch may carry.
pub const MAX_BATCH: usize = 500;
const MAX_ID: usize = 512;

fn err(path: String, message: &str) -> FieldError {
    FieldError {
        path,
        message: message.to_owned(),
    }
}

fn check_id(path: String, id: &str, errors: &mut Vec<FieldError>) {
    if id.trim().is_empty() || id.len() > MAX_ID {
        errors.push(err(path, "must be 1 to 512 characters"));
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RetrievalEvent {
    pub memory_id: String,
    pub memory_title: Option<String>,
    pub query: Option<String>,
    #[serde(default = "bm25")]
    pub retrieval_source: String,
    #[serde(default)]
    pub raw_score: f64,
}

fn bm25() -> String {
    "bm25".to_owned()
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RecordRetrievals {
    pub agent_id: String,
    pub session_id: Option<String>,
    pub run_id: Option<String>,
    pub request_id: Option<String>,
    pub retrievals: Vec<RetrievalEvent>,
}

impl Validate for RecordRetrievals {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.retrievals.len() > MAX_BATCH {
            errors.push(err("retrievals".into(), "at most 500 per batch"));
        }
        for (i, r) in self.retrievals.iter().enumerate() {
            check_id(
                format!("retrievals[{i}].memory_id"),
                &r.memory_id,
                &mut errors,
            );
            if !r.raw_score.is_finite() {
                errors.push(err(
                    format!("retrievals[{i}].raw_score"),
                    "must be a number",
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RetrievalsRecorded {
    pub ok: bool,
    pub logged: usize,
    pub scores_updated: usize,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ValuationEvent {
    pub memory_id: String,
    pub memory_title: Option<String>,
    pub useful: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RecordValuations {
    pub agent_id: String,
    pub session_id: Option<String>,
    pub run_id: Option<String>,
    pub valuations: Vec<ValuationEvent>,
    /// A knowledge gap the agent noticed.
    pub gap: Option<String>,
    pub gap_query: Option<String>,
}

impl Validate for RecordValuations {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.valuations.len() > MAX_BATCH {
            errors.push(err("valuations".into(), "at most 500 per batch"));
        }
        for (i, v) in self.valuations.iter().enumerate() {
            check_id(
                format!("valuations[{i}].memory_id"),
                &v.memory_id,
                &mut errors,
            );
        }
        if self.gap.as_ref().is_some_and(|g| g.len() > 10_000) {
            errors.push(err("gap".into(), "at most 10000 characters"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ValuationsRecorded {
    pub ok: bool,
    pub valuations_logged: usize,
    pub scores_updated: usize,
    pub gap_id: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ScoresQuery {
    /// Comma-separated memory ids; all of the agent's when absent.
    pub memory_ids: Option<String>,
    /// 1-1000, default 200.
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemoryScore {
    pub memory_id: String,
    pub memory_title: Option<String>,
    pub access_count: i64,
    pub valuation_count: i64,
    pub useful_count: i64,
    pub not_useful_count: i64,
    pub usefulness_rate: f64,
    pub adaptive_score: f64,
    /// Epoch milliseconds.
    pub last_accessed: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemoryScores {
    /// By `memory_id`.
    pub scores: Vec<MemoryScore>,
    /// All matching scores, beyond `limit` too.
    pub total: i64,
    pub blend_base_factor: f64,
    pub blend_boost_factor: f64,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct GapsQuery {
    /// 1-500, default 50.
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Gap {
    pub id: String,
    pub agent_id: String,
    pub description: String,
    pub query_attempted: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Gaps {
    /// Newest first.
    pub gaps: Vec<Gap>,
    pub total: i64,
}

/// `PUT /v1/memory-scoring/config`: the keys given change, the others keep their values.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigPatch {
    pub min_valuations_for_signal: Option<i64>,
    pub recency_half_life_days: Option<i64>,
    pub rehabilitation_half_life_days: Option<i64>,
    pub adaptive_score_floor: Option<f64>,
    pub frequency_log_cap: Option<i64>,
    pub blend_usefulness_weight: Option<f64>,
    pub blend_recency_weight: Option<f64>,
    pub blend_frequency_weight: Option<f64>,
    pub recency_floor: Option<f64>,
    pub blend_boost_factor: Option<f64>,
    pub blend_base_factor: Option<f64>,
}

impl Validate for ConfigPatch {}

impl ConfigPatch {
    pub fn apply(&self, c: &mut ScoringConfig) {
        macro_rules! set {
            ($($f:ident),*) => { $( if let Some(v) = self.$f { c.$f = v; } )* };
        }
        set!(
            min_valuations_for_signal,
            recency_half_life_days,
            rehabilitation_half_life_days,
            adaptive_score_floor,
            frequency_log_cap,
            blend_usefulness_weight,
            blend_recency_weight,
            blend_frequency_weight,
            recency_floor,
            blend_boost_factor,
            blend_base_factor
        );
    }
}
