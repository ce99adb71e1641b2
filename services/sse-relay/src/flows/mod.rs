//! Flows: the use cases: open the `TenantTx`, call store and domain, append events to the outbox
//! (`kit::outbox`), commit. The only layer that decides what happens.
//!
//! Here: opening a tenant's stream at a resume point and relaying it.
