//! project-svc against real Postgres and Redis.

mod dependencies;
mod graph_cross_tenant;
mod graph_support;
mod helpers;
mod planning;
mod ready_tasks;
mod schema;
