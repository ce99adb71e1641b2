//! A step's settings as the pipeline resolves them: the step's own, then its agent's, then the
//! pipeline's defaults, then ours.

use shared_schemas::pipeline::{PipelineConfig, StepConfig};

/// Retries when neither the step nor the pipeline says.
pub const DEFAULT_MAX_RETRIES: u32 = 3;
/// Seconds a step may run when neither the step nor the pipeline says.
pub const DEFAULT_TIMEOUT_SECS: u64 = 300;
pub const DEFAULT_MAX_TURNS: u32 = 999;

/// The model of a step: run override, step, pipeline agent, pipeline default; `None` leaves it
/// to the agent's own configuration.
pub fn model_for(
    run_override: Option<&str>,
    pipeline: &PipelineConfig,
    step: &StepConfig,
) -> Option<String> {
    run_override
        .filter(|m| !m.is_empty())
        .map(str::to_owned)
        .or_else(|| step.model.clone())
        .or_else(|| pipeline.agent(&step.agent).and_then(|a| a.model.clone()))
        .or_else(|| pipeline.defaults.model.clone())
}

pub fn timeout_secs(pipeline: &PipelineConfig, step: &StepConfig) -> u64 {
    step.timeout_seconds
        .or(pipeline.defaults.timeout_seconds)
        .unwrap_or(DEFAULT_TIMEOUT_SECS)
}

pub fn max_turns(pipeline: &PipelineConfig, step: &StepConfig) -> u32 {
    step.max_turns
        .or(pipeline.defaults.max_turns)
        .unwrap_or(DEFAULT_MAX_TURNS)
}

pub fn max_retries(pipeline: &PipelineConfig, step: &StepConfig) -> u32 {
    step.max_retries
        .or(pipeline.defaults.max_retries)
        .unwrap_or(DEFAULT_MAX_RETRIES)
}
