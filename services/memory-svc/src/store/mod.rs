//! SQL, one file per table family; functions take `&mut TenantTx`.

pub mod notes;
pub mod scores;
