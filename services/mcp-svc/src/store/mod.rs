//! Store: SQL for one table family per file: functions taking `&mut TenantTx`.
//!
//! Here: SQL of the `mcp` schema: servers, grants, tool catalog.
