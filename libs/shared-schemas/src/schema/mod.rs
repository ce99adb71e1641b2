//! The JSON-schema snapshot of every exported type, and the rules that decide whether a change to
//! it is additive ([`compat`]).

pub mod compat;

use serde_json::{Map, Value};
use utoipa::OpenApi;

use crate::events::container::*;
use crate::events::onboarding::*;
use crate::events::platform::*;
use crate::events::project::*;
use crate::events::run::*;
use crate::events::run_admin::*;
use crate::events::sessions::*;
use crate::events::usage::*;
use crate::events::{Event, EventEnvelope, RawEnvelope};
use crate::ids::*;
use crate::pipeline::*;
use crate::runs::{RunEnded, StartRun};
use crate::runtime::*;

#[derive(OpenApi)]
#[openapi(components(schemas(
    TenantId,
    UserId,
    AgentId,
    ProjectId,
    TaskId,
    RunId,
    ApiKeyId,
    SessionId,
    EventId,
    PipelineId,
    StepId,
    EventEnvelope,
    RawEnvelope,
    Event,
    InterventionAction,
    AgentActivity,
    FileAction,
    RunCreated,
    StepQueued,
    StepStarted,
    StepOutput,
    StepThinking,
    StepComplete,
    StepFailed,
    StepRetrying,
    StepCancelled,
    LoopItemComplete,
    LoopItemFailed,
    RunComplete,
    RunFailed,
    AgentMessage,
    HumanIntervention,
    SlackMessage,
    AgentState,
    ToolCallStart,
    ToolCallEnd,
    FileChanged,
    CommitFailed,
    AgentStateChanged,
    StepError,
    AgentThinking,
    ToolStarted,
    ToolComplete,
    ContainerLifecycle,
    ContainerCrashed,
    ContainerStopped,
    ContainerFailure,
    ContainerCrash,
    RunStatus,
    StepStatus,
    RunUpdated,
    RunStatusChanged,
    RunDeleted,
    RunsBulkDeleted,
    StepUpdated,
    ProjectRef,
    ProjectCreated,
    ProjectRepositoryUpdated,
    ProjectSlackUpdated,
    ProjectPlanningStarted,
    ProjectPlanningCompleted,
    TaskCreated,
    TaskRef,
    TaskMoved,
    TaskStatusChanged,
    TaskClaimed,
    TaskExecutionStarted,
    TaskPrOpened,
    TasksImported,
    DependencyKind,
    DependencyAdded,
    DependencyRemoved,
    ProjectAgentRole,
    ProjectAgentRemoved,
    AgentRoutineMapped,
    SwarmLaunched,
    OnboardingStarted,
    OnboardingContextUpdated,
    OnboardingHandoff,
    OnboardingLandingPageUpdated,
    OnboardingCompleted,
    PulseTriggered,
    TaskWorkspaceRequested,
    TaskWorkspaceRemoveRequested,
    McpRestartRequested,
    SystemUpdateRequested,
    SystemUpdateProgress,
    CodeGraphIndexRequested,
    StartRun,
    RunEnded,
    TenantDeleted,
    TenantStatus,
    TenantStatusChanged,
    AgentDeleted,
    AdminNotificationCreated,
    LlmCallRecorded,
    SessionChanged,
    SessionEventAdded,
    PipelineConfig,
    PipelineDefaults,
    PipelineAgent,
    StepConfig,
    StepType,
    OutputMethod,
    ResultAction,
    Notify,
    LoopConfig,
    OutputSchema,
    PipelineError,
    RuntimeCommand,
    AgentStep,
    Attachment,
    StructuredOutputRequest,
    ToolCommand,
    Abort,
    Shutdown,
    ChangeModel,
    GetContextUsage,
    CompactSession,
    RuntimeMessage,
    RuntimeReady,
    RuntimeBusy,
    RuntimeIdle,
    RuntimeError,
    RuntimeExiting,
    OutputSource,
    RuntimeOutput,
    StepStart,
    TokenUsage,
    StepEnd,
    ToolStart,
    ToolEnd,
    FileChangeType,
    FileChange,
    Thinking,
    ContextUsage,
)))]
struct SchemaDoc;

/// The component schemas of every exported type, keyed by type name, with every object's keys
/// sorted so the committed file diffs cleanly whatever serde_json features the build unifies.
pub fn schema_snapshot() -> Value {
    let components = SchemaDoc::openapi().components.map(|c| c.schemas);
    // Schemas have string keys only, so this cannot fail; were it to, the snapshot test would
    // report every type as removed rather than pass silently.
    let value = serde_json::to_value(components.unwrap_or_default()).unwrap_or(Value::Null);
    sorted(value)
}

/// Recursively rebuilds objects with their keys in order.
pub fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out = Map::new();
            for (key, inner) in entries {
                out.insert(key, sorted(inner));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn sorted_orders_keys_at_every_depth() {
        let value = sorted(json!({"b": {"z": 1, "a": [{"y": 2, "x": 3}]}, "a": null}));
        assert_eq!(
            value.to_string(),
            r#"{"a":null,"b":{"a":[{"x":3,"y":2}],"z":1}}"#
        );
    }

    #[test]
    fn snapshot_is_a_map_of_component_schemas() {
        let snapshot = schema_snapshot();
        let components = snapshot.as_object().expect("an object");
        assert!(components.len() > 90);
        assert_eq!(
            snapshot["TenantStatus"]["enum"],
            json!(["active", "suspended", "deleted"])
        );
    }
}
