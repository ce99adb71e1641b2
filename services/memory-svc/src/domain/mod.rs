//! Domain: pure rules: no IO, no store, no routes, no flows.
//!
//! Here: parsing, wiki links, ranking and scoring, without IO.
