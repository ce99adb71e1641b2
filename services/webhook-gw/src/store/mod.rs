//! Store: SQL for one table family per file: functions taking `&mut TenantTx`.
//!
//! Here: SQL of the `webhook` schema: deliveries, installations and their tenant mapping.
