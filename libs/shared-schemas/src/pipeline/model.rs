//! The pipeline YAML model (CONTRACTS §4.1). Field names are camelCase in YAML and JSON alike.
//! Unknown keys are ignored, as the reference parser strips them (`thinkingLevel` on agents).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::ids::{PipelineId, StepId};

/// A whole pipeline file. The first step in `steps` is the entry point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PipelineConfig {
    pub id: PipelineId,
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub defaults: PipelineDefaults,
    pub agents: Vec<PipelineAgent>,
    pub steps: Vec<StepConfig>,
}

impl PipelineConfig {
    pub fn agent(&self, id: &str) -> Option<&PipelineAgent> {
        self.agents.iter().find(|a| a.id == id)
    }

    pub fn step(&self, id: &str) -> Option<&StepConfig> {
        self.steps.iter().find(|s| s.id.as_str() == id)
    }
}

/// Settings that apply to every step unless the step overrides them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", from = "RawDefaults")]
pub struct PipelineDefaults {
    /// `provider/model`, such as `openrouter/minimax/minimax-m2.5`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
    /// Seconds; the YAML may spell it `timeout`, which is folded in here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_turns: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
}

/// The YAML side of [`PipelineDefaults`], where `timeout` and `timeoutSeconds` both exist.
#[derive(Deserialize)]
// Renamed so that type errors say "expected struct PipelineDefaults", the name users see.
#[serde(rename = "PipelineDefaults", rename_all = "camelCase")]
struct RawDefaults {
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    tools: Option<Vec<String>>,
    #[serde(default)]
    max_retries: Option<u32>,
    #[serde(default)]
    timeout: Option<u64>,
    #[serde(default)]
    timeout_seconds: Option<u64>,
    #[serde(default)]
    max_turns: Option<u32>,
    #[serde(default)]
    max_output_tokens: Option<u32>,
    #[serde(default)]
    temperature: Option<f64>,
}

impl From<RawDefaults> for PipelineDefaults {
    fn from(raw: RawDefaults) -> Self {
        Self {
            model: raw.model,
            tools: raw.tools,
            max_retries: raw.max_retries,
            // The explicit name wins when a file carries both, as in the reference parser.
            timeout_seconds: raw.timeout_seconds.or(raw.timeout),
            max_turns: raw.max_turns,
            max_output_tokens: raw.max_output_tokens,
            temperature: raw.temperature,
        }
    }
}

/// An agent taking part in the pipeline, referenced by steps through its `id` (a slug local to
/// the file, resolved to a platform agent when a run starts).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PipelineAgent {
    pub id: String,
    pub name: String,
    /// Path of a persona file; kept for compatibility, the runtime reads the agent's own persona.
    pub persona: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default)]
    pub tools: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepType {
    #[default]
    Standard,
    Loop,
}

/// How a step with an `outputSchema` asks the model for structured output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutputMethod {
    /// The provider's native JSON-schema response format.
    ResponseFormat,
    /// The schema wrapped as a tool call, for providers without native support.
    ToolUse,
}

/// One step: an agent, a prompt template and where to go next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepConfig {
    pub id: StepId,
    /// An `agents[].id` of this pipeline.
    pub agent: String,
    /// Prompt template with `{{var}}` and `{% if var %}…{% endif %}`.
    pub input: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub step_type: Option<StepType>,
    /// Overrides the agent's and the pipeline's model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Output keys the step declares.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_complete: Option<StepId>,
    /// Output value (compared trimmed and upper-cased) to the action it triggers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_result: Option<BTreeMap<String, ResultAction>>,
    #[serde(rename = "loop", default, skip_serializing_if = "Option::is_none")]
    pub loop_config: Option<LoopConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_turns: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<OutputSchema>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_method: Option<OutputMethod>,
}

impl StepConfig {
    pub fn is_loop(&self) -> bool {
        self.step_type == Some(StepType::Loop)
    }
}

/// What to do when a step's output matches an `onResult` key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultAction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goto: Option<StepId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_retries: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<Notify>,
    /// Advance the enclosing loop to its next item, skipping `onEachComplete`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continue_loop: Option<bool>,
}

/// A message sent to an agent of the pipeline as `AGENT_MESSAGE` from `system`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Notify {
    pub agent: String,
    pub message: String,
}

/// Runs the step once per element of a JSON array output of an earlier step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoopConfig {
    /// The output key holding the JSON array.
    pub over: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_each_complete: Option<StepId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_all_complete: Option<StepId>,
}

/// JSON schema the step's answer must satisfy (structured output).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OutputSchema {
    pub name: String,
    pub schema: BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strict: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults(yaml: &str) -> PipelineDefaults {
        serde_norway::from_str(yaml).expect("defaults parse")
    }

    #[test]
    fn timeout_alias_is_folded_and_the_explicit_name_wins() {
        assert_eq!(defaults("timeout: 30").timeout_seconds, Some(30));
        assert_eq!(defaults("timeoutSeconds: 40").timeout_seconds, Some(40));
        assert_eq!(
            defaults("timeout: 30\ntimeoutSeconds: 40").timeout_seconds,
            Some(40)
        );
    }

    #[test]
    fn step_type_defaults_to_standard_and_loop_is_recognised() {
        let step: StepConfig =
            serde_norway::from_str("{id: A, agent: a, input: go, type: loop}").expect("parses");
        assert!(step.is_loop());
        let plain: StepConfig =
            serde_norway::from_str("{id: A, agent: a, input: go}").expect("parses");
        assert!(!plain.is_loop());
        assert_eq!(plain.step_type.unwrap_or_default(), StepType::Standard);
    }
}
