//! Payloads of the run stream (`djinnbot:t:{tenant}:events:run:{run}`): the pipeline engine, the
//! agent executor and the API talk about one run through these. The run they concern is the
//! envelope's `runId`, so no payload repeats it. Several of them (`STEP_STARTED`,
//! `STEP_COMPLETE`, `RUN_COMPLETE`, ...) are re-published unchanged on the global stream.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::ids::{PipelineId, StepId};

/// What a human asked a running step to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InterventionAction {
    Restart,
    Stop,
    InjectContext,
}

/// What an agent is busy with, for the live activity indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgentActivity {
    Thinking,
    Streaming,
    ToolCalling,
    Idle,
}

/// How a file in the run workspace changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileAction {
    Create,
    Modify,
    Delete,
}

/// A run was created (API) or picked up (engine).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunCreated {
    pub pipeline_id: PipelineId,
    pub task_description: String,
    /// Runs in state `running` for the tenant, for the dashboard counter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_runs: Option<u32>,
}

/// A step was queued for its agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepQueued {
    pub step_id: StepId,
    /// The platform agent (`agt_…`) the step's pipeline agent resolved to when the run started
    /// (the reference sent the YAML's slug).
    pub agent_id: String,
    /// The attempt this queueing starts (1 for the first); a result for an older attempt is
    /// refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<u32>,
}

/// The executor started a step in an agent session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepStarted {
    pub step_id: StepId,
    pub session_id: String,
}

/// A chunk of the agent's visible output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepOutput {
    pub step_id: StepId,
    pub chunk: String,
}

/// A chunk of the agent's reasoning stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepThinking {
    pub step_id: StepId,
    pub chunk: String,
}

/// A step finished with its outputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepComplete {
    pub step_id: StepId,
    /// Output key to value; values are strings in practice, but producers are not held to it.
    pub outputs: BTreeMap<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit_hash: Option<String>,
}

/// A step attempt failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepFailed {
    pub step_id: StepId,
    pub error: String,
    pub retry_count: u32,
}

/// A failed or rejected step is tried again with this feedback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepRetrying {
    pub step_id: StepId,
    pub feedback: String,
}

/// A step was cancelled before it finished.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepCancelled {
    pub step_id: StepId,
    pub reason: String,
}

/// One item of a loop step finished.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoopItemComplete {
    pub step_id: StepId,
    /// `{stepId}_item_{index}`.
    pub item_id: String,
    pub item_index: u32,
}

/// One item of a loop step failed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoopItemFailed {
    pub step_id: StepId,
    pub item_id: String,
    pub error: String,
}

/// The run finished; `outputs` holds every output accumulated over its steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunComplete {
    pub outputs: BTreeMap<String, Value>,
}

/// The run failed (or was stopped by a human).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RunFailed {
    pub error: String,
}

/// A message between agents of a run; `from` is `system` for `onResult.notify`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentMessage {
    pub from: String,
    pub to: String,
    pub message: String,
    pub thread_id: String,
}

/// A human stopped, restarted or added context to a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HumanIntervention {
    /// Empty when the run had no current step (cancel of a run that never started).
    pub step_id: String,
    pub action: InterventionAction,
    pub context: String,
}

/// A Slack message mirrored into the run's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SlackMessage {
    pub agent_id: String,
    pub agent_name: String,
    pub agent_emoji: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    pub message: String,
    pub is_agent: bool,
    pub thread_ts: String,
    pub message_ts: String,
}

/// The agent working on a step changed activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentState {
    pub step_id: StepId,
    pub state: AgentActivity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_name: Option<String>,
}

/// The agent called a tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolCallStart {
    pub step_id: StepId,
    pub tool_name: String,
    pub tool_call_id: String,
    /// The reference sends the arguments JSON-encoded in a string; an object is accepted too.
    pub args: Value,
}

/// A tool call returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolCallEnd {
    pub step_id: StepId,
    pub tool_name: String,
    pub tool_call_id: String,
    pub result: String,
    pub is_error: bool,
    pub duration_ms: u64,
}

/// A file in the run workspace changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FileChanged {
    pub step_id: StepId,
    pub path: String,
    pub action: FileAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
}

/// Committing the workspace failed; `stepId` is `finalize` when it happened at run end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommitFailed {
    pub step_id: StepId,
    pub error: String,
}

/// The lifecycle tracker saw an agent change state during a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentStateChanged {
    pub agent_id: String,
    pub previous_state: String,
    pub new_state: String,
    pub step_id: StepId,
}

/// Error output of a step (stderr of the runtime).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StepError {
    pub step_id: StepId,
    pub data: String,
}

/// A complete reasoning block of the agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgentThinking {
    pub step_id: StepId,
    pub thinking: String,
}

/// Older, id-less form of `TOOL_CALL_START`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolStarted {
    pub step_id: StepId,
    pub tool_name: String,
}

/// Older, id-less form of `TOOL_CALL_END`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ToolComplete {
    pub step_id: StepId,
    pub tool_name: String,
    pub result: String,
}
