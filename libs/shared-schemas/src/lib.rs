pub mod events;
pub mod ids;
pub mod pipeline;
pub mod schema;

pub use schema::schema_snapshot;
