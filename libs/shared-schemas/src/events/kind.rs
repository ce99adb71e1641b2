//! The `Event` enum: one variant per event type name. The list is written once, in the macro
//! call below, so the serde tag, `type_name` and `TYPE_NAMES` cannot drift apart.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::chat::*;
use super::container::*;
use super::onboarding::*;
use super::platform::*;
use super::project::*;
use super::run::*;
use super::run_admin::*;
use super::sessions::*;
use super::usage::*;
use crate::runs::StartRun;

macro_rules! events {
    ($($(#[$doc:meta])* $variant:ident($payload:ty) = $name:tt,)*) => {
        /// Every event type, tagged by `type` in SCREAMING_SNAKE_CASE with its payload fields
        /// beside the tag.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
        #[serde(tag = "type")]
        pub enum Event {
            $($(#[$doc])* #[serde(rename = $name)] $variant($payload),)*
        }

        impl Event {
            /// Every known `type`, in declaration order.
            pub const TYPE_NAMES: &'static [&'static str] = &[$($name),*];

            /// The wire name of this event's type, such as `RUN_COMPLETE`.
            pub fn type_name(&self) -> &'static str {
                match self {
                    $(Self::$variant(_) => $name,)*
                }
            }
        }
    };
}

impl Event {
    /// Whether this build knows the event type `name`; consumers skip the others.
    pub fn is_known_type(name: &str) -> bool {
        Self::TYPE_NAMES.contains(&name)
    }
}

events! {
    // Run stream (several re-published on the global stream as they are).
    RunCreated(RunCreated) = "RUN_CREATED",
    StepQueued(StepQueued) = "STEP_QUEUED",
    StepStarted(StepStarted) = "STEP_STARTED",
    StepOutput(StepOutput) = "STEP_OUTPUT",
    StepThinking(StepThinking) = "STEP_THINKING",
    StepComplete(StepComplete) = "STEP_COMPLETE",
    StepFailed(StepFailed) = "STEP_FAILED",
    StepRetrying(StepRetrying) = "STEP_RETRYING",
    StepCancelled(StepCancelled) = "STEP_CANCELLED",
    LoopItemComplete(LoopItemComplete) = "LOOP_ITEM_COMPLETE",
    LoopItemFailed(LoopItemFailed) = "LOOP_ITEM_FAILED",
    RunComplete(RunComplete) = "RUN_COMPLETE",
    RunFailed(RunFailed) = "RUN_FAILED",
    AgentMessage(AgentMessage) = "AGENT_MESSAGE",
    HumanIntervention(HumanIntervention) = "HUMAN_INTERVENTION",
    SlackMessage(SlackMessage) = "SLACK_MESSAGE",
    AgentState(AgentState) = "AGENT_STATE",
    ToolCallStart(ToolCallStart) = "TOOL_CALL_START",
    ToolCallEnd(ToolCallEnd) = "TOOL_CALL_END",
    FileChanged(FileChanged) = "FILE_CHANGED",
    CommitFailed(CommitFailed) = "COMMIT_FAILED",
    AgentStateChanged(AgentStateChanged) = "AGENT_STATE_CHANGED",
    StepError(StepError) = "STEP_ERROR",
    AgentThinking(AgentThinking) = "AGENT_THINKING",
    ToolStarted(ToolStarted) = "TOOL_STARTED",
    ToolComplete(ToolComplete) = "TOOL_COMPLETE",
    ContainerCreated(ContainerLifecycle) = "CONTAINER_CREATED",
    ContainerStarting(ContainerLifecycle) = "CONTAINER_STARTING",
    ContainerReady(ContainerLifecycle) = "CONTAINER_READY",
    ContainerStopping(ContainerLifecycle) = "CONTAINER_STOPPING",
    ContainerDestroyed(ContainerLifecycle) = "CONTAINER_DESTROYED",
    ContainerCrashed(ContainerCrashed) = "CONTAINER_CRASHED",
    ContainerStopped(ContainerStopped) = "CONTAINER_STOPPED",
    ContainerCreateFailed(ContainerFailure) = "CONTAINER_CREATE_FAILED",
    ContainerStartError(ContainerFailure) = "CONTAINER_START_ERROR",
    ContainerCrash(ContainerCrash) = "CONTAINER_CRASH",
    RedisConnectionError(ContainerFailure) = "REDIS_CONNECTION_ERROR",
    RunDeleted(RunDeleted) = "RUN_DELETED",
    // Global stream: run bookkeeping.
    RunUpdated(RunUpdated) = "RUN_UPDATED",
    RunStatusChanged(RunStatusChanged) = "RUN_STATUS_CHANGED",
    RunsBulkDeleted(RunsBulkDeleted) = "RUNS_BULK_DELETED",
    StepUpdated(StepUpdated) = "STEP_UPDATED",
    // Global stream: projects and tasks.
    ProjectCreated(ProjectCreated) = "PROJECT_CREATED",
    ProjectUpdated(ProjectRef) = "PROJECT_UPDATED",
    ProjectDeleted(ProjectRef) = "PROJECT_DELETED",
    ProjectRepositoryUpdated(ProjectRepositoryUpdated) = "PROJECT_REPOSITORY_UPDATED",
    ProjectRepositoryRemoved(ProjectRef) = "PROJECT_REPOSITORY_REMOVED",
    ProjectSlackUpdated(ProjectSlackUpdated) = "PROJECT_SLACK_UPDATED",
    ProjectVisionUpdated(ProjectRef) = "PROJECT_VISION_UPDATED",
    ProjectPlanningStarted(ProjectPlanningStarted) = "PROJECT_PLANNING_STARTED",
    ProjectPlanningCompleted(ProjectPlanningCompleted) = "PROJECT_PLANNING_COMPLETED",
    TaskCreated(TaskCreated) = "TASK_CREATED",
    TaskUpdated(TaskRef) = "TASK_UPDATED",
    TaskMoved(TaskMoved) = "TASK_MOVED",
    TaskStatusChanged(TaskStatusChanged) = "TASK_STATUS_CHANGED",
    TaskClaimed(TaskClaimed) = "TASK_CLAIMED",
    TaskExecutionStarted(TaskExecutionStarted) = "TASK_EXECUTION_STARTED",
    TaskPrOpened(TaskPrOpened) = "TASK_PR_OPENED",
    TasksImported(TasksImported) = "TASKS_IMPORTED",
    DependencyAdded(DependencyAdded) = "DEPENDENCY_ADDED",
    DependencyRemoved(DependencyRemoved) = "DEPENDENCY_REMOVED",
    AgentAssigned(ProjectAgentRole) = "AGENT_ASSIGNED",
    AgentRemoved(ProjectAgentRemoved) = "AGENT_REMOVED",
    AgentRoleUpdated(ProjectAgentRole) = "AGENT_ROLE_UPDATED",
    AgentRoutineMapped(AgentRoutineMapped) = "AGENT_ROUTINE_MAPPED",
    SwarmLaunched(SwarmLaunched) = "SWARM_LAUNCHED",
    // Global stream: onboarding.
    OnboardingStarted(OnboardingStarted) = "ONBOARDING_STARTED",
    OnboardingContextUpdated(OnboardingContextUpdated) = "ONBOARDING_CONTEXT_UPDATED",
    OnboardingHandoff(OnboardingHandoff) = "ONBOARDING_HANDOFF",
    OnboardingLandingPageUpdated(OnboardingLandingPageUpdated) = "ONBOARDING_LANDING_PAGE_UPDATED",
    OnboardingCompleted(OnboardingCompleted) = "ONBOARDING_COMPLETED",
    // Global stream: commands for engine-svc.
    /// A run to start, with the run id its requester chose in the envelope's `runId`.
    RunRequested(StartRun) = "RUN_REQUESTED",
    PulseTriggered(PulseTriggered) = "PULSE_TRIGGERED",
    TaskWorkspaceRequested(TaskWorkspaceRequested) = "TASK_WORKSPACE_REQUESTED",
    TaskWorkspaceRemoveRequested(TaskWorkspaceRemoveRequested) = "TASK_WORKSPACE_REMOVE_REQUESTED",
    McpRestartRequested(McpRestartRequested) = "MCP_RESTART_REQUESTED",
    SystemUpdateRequested(SystemUpdateRequested) = "SYSTEM_UPDATE_REQUESTED",
    SystemUpdateProgress(SystemUpdateProgress) = "SYSTEM_UPDATE_PROGRESS",
    CodeGraphIndexRequested(CodeGraphIndexRequested) = "CODE_GRAPH_INDEX_REQUESTED",
    // Platform.
    TenantDeleted(TenantDeleted) = "TENANT_DELETED",
    TenantStatusChanged(TenantStatusChanged) = "TENANT_STATUS_CHANGED",
    AgentDeleted(AgentDeleted) = "AGENT_DELETED",
    AdminNotificationCreated(AdminNotificationCreated) = "ADMIN_NOTIFICATION_CREATED",
    // Tenant stream: usage.
    // Boxed: the full record is several times the size of any other payload.
    LlmCallRecorded(Box<LlmCallRecorded>) = "LLM_CALL_RECORDED",
    // Tenant stream: activity sessions.
    SessionCreated(SessionChanged) = "SESSION_CREATED",
    SessionStatusChanged(SessionChanged) = "SESSION_STATUS_CHANGED",
    SessionEvent(SessionEventAdded) = "SESSION_EVENT",
    SessionCompleted(SessionChanged) = "SESSION_COMPLETED",
    SessionFailed(SessionChanged) = "SESSION_FAILED",
    // Tenant stream: chat sessions (agent-svc's outbox).
    ChatSessionCreated(ChatSessionChanged) = "CHAT_SESSION_CREATED",
    ChatSessionStatusChanged(ChatSessionChanged) = "CHAT_SESSION_STATUS_CHANGED",
    ChatSessionDeleted(ChatSessionChanged) = "CHAT_SESSION_DELETED",
    ChatMessageCompleted(ChatMessageCompleted) = "CHAT_MESSAGE_COMPLETED",
    // Global stream: chat commands for engine-svc (agent-svc's outbox).
    ChatStartRequested(ChatStartRequested) = "CHAT_START_REQUESTED",
    ChatMessageSent(ChatMessageSent) = "CHAT_MESSAGE_SENT",
    ChatStopRequested(ChatSessionCommand) = "CHAT_STOP_REQUESTED",
    ChatEndRequested(ChatSessionCommand) = "CHAT_END_REQUESTED",
    ChatModelChanged(ChatModelChanged) = "CHAT_MODEL_CHANGED",
    // Tenant stream: work locks.
    WorkLockAcquired(WorkLockChanged) = "WORK_LOCK_ACQUIRED",
    WorkLockReleased(WorkLockChanged) = "WORK_LOCK_RELEASED",
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn type_names_are_unique_and_screaming_snake_case() {
        let unique: BTreeSet<_> = Event::TYPE_NAMES.iter().collect();
        assert_eq!(unique.len(), Event::TYPE_NAMES.len());
        for name in Event::TYPE_NAMES {
            assert!(
                name.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'),
                "{name}"
            );
        }
    }

    #[test]
    fn type_name_matches_the_serde_tag() {
        let event = Event::ContainerReady(ContainerLifecycle { detail: None });
        let wire = serde_json::to_value(&event).expect("serializes");
        assert_eq!(wire["type"], event.type_name());
        assert!(Event::is_known_type("CONTAINER_READY"));
        assert!(!Event::is_known_type("container_ready"));
    }
}
