//! Store: reads of the Redis streams sse-relay serves (it has no tables).

pub mod streams;
