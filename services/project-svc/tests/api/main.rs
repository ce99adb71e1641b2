//! project-svc against real Postgres and Redis.

mod columns;
mod helpers;
mod project_changes;
mod projects;
mod projects_cross_tenant;
mod schema;
