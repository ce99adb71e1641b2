//! Consumer-group handlers of project-svc, each calling a flow.

pub mod agent_cleanup;
pub mod onboarding_replies;
