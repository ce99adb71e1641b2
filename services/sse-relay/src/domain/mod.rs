//! Domain: pure rules: no IO, no store, no routes, no flows.
//!
//! Here: stream entry ids and resume cursors, which entries each endpoint shows and how, and
//! the SSE wire format.

pub mod cursor;
pub mod frame;
pub mod shape;

#[cfg(test)]
mod tests;
