//! Store: SQL for one table family per file: functions taking `&mut TenantTx`.
//!
//! Here: SQL of the `memory` schema (index, links, scores); vault files through kit's tenant path helper.
