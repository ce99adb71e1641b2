//! Store: SQL for one table family per file: functions taking `&mut TenantTx`.
//!
//! Here: SQL of the `slack` schema: connections and partitions.
