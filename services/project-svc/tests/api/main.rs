//! project-svc against real Postgres and Redis.

mod execution;
mod execution_batch;
mod helpers;
mod project_agents;
mod schema;
mod wf_support;
mod workflows;
mod workflows_cross_tenant;
