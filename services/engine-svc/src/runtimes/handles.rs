//! What a registry entry says about the runtime it records: the backend's handle of it, and
//! the process id inside a process handle.

use super::registry::Entry;
use super::{BackendKind, RuntimeHandle};

/// The handle a registry entry describes, if it names a started runtime.
pub(crate) fn old_handle(entry: &Entry) -> Option<RuntimeHandle> {
    let backend = match entry.backend.as_str() {
        "process" => BackendKind::Process,
        _ => return None,
    };
    (!entry.container_id.is_empty()).then(|| RuntimeHandle {
        id: entry.container_id.clone(),
        backend,
        tenant: entry.tenant.clone(),
        run: entry.run.clone(),
    })
}

pub(crate) fn process_pid(handle: &RuntimeHandle) -> Option<u32> {
    (handle.backend == BackendKind::Process)
        .then(|| handle.id.rsplit_once(':'))
        .flatten()
        .and_then(|(_, pid)| pid.parse().ok())
}
