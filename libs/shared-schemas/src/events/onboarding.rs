//! Payloads of the guided onboarding conversation, which ends by creating a project.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::ids::{AgentId, ProjectId};

/// An onboarding conversation began with its first agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OnboardingStarted {
    pub onboarding_session_id: String,
    pub agent_id: AgentId,
}

/// The project context gathered so far changed; `context` is the whole accumulated object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OnboardingContextUpdated {
    pub onboarding_session_id: String,
    pub context: Value,
}

/// One agent handed the conversation to another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OnboardingHandoff {
    pub onboarding_session_id: String,
    pub from_agent_id: AgentId,
    pub to_agent_id: AgentId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The generated landing page of the project-to-be changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OnboardingLandingPageUpdated {
    pub onboarding_session_id: String,
}

/// Onboarding finished and created this project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OnboardingCompleted {
    pub onboarding_session_id: String,
    pub project_id: ProjectId,
}
