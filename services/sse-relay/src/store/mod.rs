//! Store: SQL for one table family per file: functions taking `&mut TenantTx`.
//!
//! Here: no tables: this room stays empty unless the relay needs one.
