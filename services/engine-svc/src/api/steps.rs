//! Steps, loop state, outputs and executor results as the HTTP API shows them.

use std::collections::BTreeMap;

use kit::error::FieldError;
use kit::extract::Validate;
use kit::validate::err;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::domain::loops::LoopItem;
use crate::domain::outputs::StepResult;
use crate::store::steps::StepRow;

const MAX_TEXT: usize = 200_000;

fn short(path: &str, v: &Option<String>, max: usize, e: &mut Vec<FieldError>) {
    if v.as_ref().is_some_and(|s| s.len() > max) {
        e.push(err(path, format!("must be at most {max} bytes")));
    }
}

/// A step of a run.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepView {
    /// `{run}_{step}`.
    pub id: String,
    pub run_id: String,
    pub step_id: String,
    /// The tenant agent (`agt_…`) and the pipeline's slug for it.
    pub agent_id: Option<String>,
    pub agent_slug: String,
    pub status: String,
    pub attempt: i32,
    pub session_id: Option<String>,
    pub inputs: Value,
    pub outputs: Value,
    pub error: Option<String>,
    pub retry_count: i32,
    pub max_retries: i32,
    pub human_context: Option<String>,
    pub model_used: Option<String>,
    pub queued_at: Option<i64>,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub updated_at: i64,
}

impl From<StepRow> for StepView {
    fn from(s: StepRow) -> Self {
        Self {
            id: format!("{}_{}", s.run_id, s.step_id),
            run_id: s.run_id,
            step_id: s.step_id,
            agent_id: s.agent_id,
            agent_slug: s.agent_slug,
            status: s.status,
            attempt: s.attempt,
            session_id: s.session_id,
            inputs: s.inputs,
            outputs: s.outputs,
            error: s.error,
            retry_count: s.retry_count,
            max_retries: s.max_retries,
            human_context: s.human_context,
            model_used: s.model_used,
            queued_at: s.queued_at,
            started_at: s.started_at,
            completed_at: s.completed_at,
            updated_at: s.updated_at,
        }
    }
}

/// `?status` of a run's step list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct StepsQuery {
    pub status: Option<String>,
}

impl Validate for StepsQuery {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        Ok(())
    }
}

/// `POST /v1/runs/{r}/steps`: a step row made by hand (the reference engine wrote these).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStepRequest {
    /// The reference's `{run}_{step}` row id; ignored (ours is derived).
    #[serde(default)]
    pub id: Option<String>,
    pub step_id: String,
    pub agent_id: String,
    #[serde(default)]
    pub inputs: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    pub human_context: Option<String>,
    #[serde(default)]
    pub max_retries: Option<i32>,
}

impl Validate for CreateStepRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        if shared_schemas::ids::StepId::parse(self.step_id.clone()).is_err() {
            e.push(err("step_id", "must be a step id"));
        }
        if self.agent_id.is_empty() || self.agent_id.len() > 128 {
            e.push(err("agent_id", "must hold 1 to 128 bytes"));
        }
        short("human_context", &self.human_context, MAX_TEXT, &mut e);
        if self.max_retries.is_some_and(|m| !(0..=100).contains(&m)) {
            e.push(err("max_retries", "must be between 0 and 100"));
        }
        kit::validate::finish(e)
    }
}

/// `PATCH /v1/runs/{r}/steps/{s}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateStepRequest {
    pub status: Option<String>,
    pub session_id: Option<String>,
    pub inputs: Option<BTreeMap<String, Value>>,
    pub outputs: Option<BTreeMap<String, Value>>,
    pub error: Option<String>,
    pub retry_count: Option<i32>,
    pub started_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub human_context: Option<String>,
}

impl Validate for UpdateStepRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        const STATUSES: [&str; 7] = [
            "pending",
            "queued",
            "running",
            "completed",
            "failed",
            "cancelled",
            "retrying",
        ];
        if self
            .status
            .as_ref()
            .is_some_and(|s| !STATUSES.contains(&s.as_str()))
        {
            e.push(err("status", "must be a step status"));
        }
        short("session_id", &self.session_id, 160, &mut e);
        short("error", &self.error, MAX_TEXT, &mut e);
        short("human_context", &self.human_context, MAX_TEXT, &mut e);
        if self.retry_count.is_some_and(|r| r < 0) {
            e.push(err("retry_count", "must not be negative"));
        }
        kit::validate::finish(e)
    }
}

/// `POST /v1/runs/{r}/loop-state`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLoopStateRequest {
    pub step_id: String,
    pub items: Vec<LoopItem>,
    #[serde(default)]
    pub current_index: Option<i64>,
}

impl Validate for CreateLoopStateRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        if shared_schemas::ids::StepId::parse(self.step_id.clone()).is_err() {
            e.push(err("step_id", "must be a step id"));
        }
        if self.items.len() > 10_000 {
            e.push(err("items", "must hold at most 10000 items"));
        }
        let len = i64::try_from(self.items.len()).unwrap_or(i64::MAX);
        if self.current_index.is_some_and(|i| i < 0 || i > len) {
            e.push(err("current_index", "must be within the items"));
        }
        kit::validate::finish(e)
    }
}

/// The loop state of one step.
#[derive(Debug, Serialize, ToSchema)]
pub struct LoopStateView {
    pub run_id: String,
    pub step_id: String,
    pub items: Vec<LoopItem>,
    pub current_index: usize,
}

/// `PATCH …/loop-state/{step}/items/{item}`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLoopItemRequest {
    pub status: Option<String>,
    pub output: Option<Value>,
}

impl Validate for UpdateLoopItemRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        if self
            .status
            .as_ref()
            .is_some_and(|s| !["pending", "running", "completed", "failed"].contains(&s.as_str()))
        {
            return Err(vec![err(
                "status",
                "must be pending, running, completed or failed",
            )]);
        }
        Ok(())
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoopItemUpdated {
    pub run_id: String,
    pub step_id: String,
    pub item_id: String,
    pub updated: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoopAdvanced {
    pub next_item: Option<LoopItem>,
    pub index: Option<usize>,
}

/// `PUT /v1/runs/{r}/outputs`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetOutputRequest {
    pub step_id: String,
    pub key: String,
    pub value: String,
}

impl Validate for SetOutputRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        if shared_schemas::ids::StepId::parse(self.step_id.clone()).is_err() {
            e.push(err("step_id", "must be a step id"));
        }
        if self.key.is_empty() || self.key.len() > 256 {
            e.push(err("key", "must hold 1 to 256 bytes"));
        }
        if self.value.len() > MAX_TEXT {
            e.push(err("value", "is too long"));
        }
        kit::validate::finish(e)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutputSet {
    pub run_id: String,
    pub key: String,
    pub value: String,
}

/// `POST /v1/runs/internal/executor-result` (and `/v1/internal/executor-result`): the result
/// of a run's current step attempt, reported by its executor.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExecutorResultRequest {
    pub run_id: String,
    pub success: bool,
    #[serde(default)]
    pub outputs: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub error: Option<String>,
    /// The step and attempt the result is for; default: the run's current step and attempt.
    #[serde(default)]
    pub step_id: Option<String>,
    #[serde(default)]
    pub attempt: Option<i32>,
    /// The fencing token the attempt was begun with.
    #[serde(default)]
    pub fence: Option<i64>,
    #[serde(default)]
    pub structured: Option<Value>,
    #[serde(default)]
    pub result: Option<String>,
    #[serde(default)]
    pub model_used: Option<String>,
}

impl Validate for ExecutorResultRequest {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut e = Vec::new();
        short("error", &self.error, MAX_TEXT, &mut e);
        short("result", &self.result, MAX_TEXT, &mut e);
        kit::validate::finish(e)
    }
}

impl ExecutorResultRequest {
    pub fn step_result(&self) -> StepResult {
        StepResult {
            success: self.success,
            outputs: self.outputs.clone().unwrap_or_default(),
            structured: self.structured.clone(),
            result: self.result.clone().unwrap_or_default(),
            error: self.error.clone(),
            model_used: self.model_used.clone(),
        }
    }
}
