//! project-svc against real Postgres and Redis.

mod helpers;
mod schema;
mod templates;
