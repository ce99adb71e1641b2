//! project-svc against real Postgres and Redis.

mod columns;
mod dependencies;
mod graph_cross_tenant;
mod graph_support;
mod helpers;
mod onboarding;
mod onboarding_conversation;
mod onboarding_cross_tenant;
mod planning;
mod project_changes;
mod projects;
mod projects_cross_tenant;
mod ready_tasks;
mod schema;
mod task_moves;
mod task_queries;
mod task_support;
mod tasks;
mod tasks_cross_tenant;
mod templates;
mod templates_catalog;
