//! project-svc against real Postgres and Redis.

mod columns;
mod helpers;
mod onboarding;
mod onboarding_conversation;
mod onboarding_cross_tenant;
mod project_changes;
mod projects;
mod projects_cross_tenant;
mod schema;
mod task_moves;
mod task_queries;
mod task_support;
mod tasks;
mod tasks_cross_tenant;
mod templates;
mod templates_catalog;
