//! project-svc against real Postgres and Redis.

mod helpers;
mod schema;
mod task_moves;
mod task_queries;
mod task_support;
mod tasks;
mod tasks_cross_tenant;
