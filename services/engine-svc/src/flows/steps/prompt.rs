//! What an attempt's agent is asked: the step's prompt rendered over the run's state, and the
//! system prompt that places it in the pipeline.

use std::collections::BTreeMap;

use kit::ApiError;
use kit::db::TenantTx;
use shared_schemas::pipeline::{PipelineConfig, StepConfig};

use crate::domain::{loops, template};
use crate::store::{self, runs::RunRow};

/// The step's prompt: its template over the run's outputs, task, human context and loop
/// variables, followed by the step's own human context (retry feedback, restart notes).
pub(super) async fn prompt_for(
    tx: &mut TenantTx,
    run: &RunRow,
    config: &StepConfig,
    step_context: Option<&str>,
) -> Result<(String, Vec<String>), ApiError> {
    let outputs = store::outputs::all(tx, &run.id).await?;
    let loop_vars = match store::loop_state::get(tx, &run.id, config.id.as_str()).await? {
        Some(state) => loops::variables(config.id.as_str(), &state),
        None => BTreeMap::new(),
    };
    let vars = template::variables(
        &outputs,
        &run.task,
        run.human_context.as_deref(),
        &loop_vars,
    );
    let rendered = template::render(&config.input, &vars);
    let mut prompt = rendered.text;
    if let Some(extra) = step_context.filter(|c| !c.trim().is_empty()) {
        prompt.push_str("\n\n");
        prompt.push_str(extra);
    }
    Ok((prompt, rendered.missing))
}

/// What the agent is told about its place in the pipeline and how to hand back its outputs.
pub(super) fn system_prompt(pipeline: &PipelineConfig, config: &StepConfig) -> String {
    let mut text = format!(
        "You are running step {} of the pipeline \"{}\".",
        config.id.as_str(),
        pipeline.name
    );
    if let Some(description) = &config.description {
        text.push_str(&format!(" The step: {description}."));
    }
    if config.output_schema.is_some() {
        text.push_str(" Answer with JSON matching the given schema.");
    } else if !config.outputs.is_empty() {
        text.push_str(&format!(
            " When done, call complete with the outputs {}.",
            config.outputs.join(", ")
        ));
    }
    text
}
