//! The periodic scan: every `SCAN_INTERVAL_SECS`, every vault of every tenant on disk is synced
//! with the index (`flows::index::sync`), so notes that runtimes wrote through their mount
//! reach search and the graph without anyone asking. Each replica scans; a sync is idempotent
//! (an unchanged file costs one `fstatat`), so two replicas scanning at once only repeat work.

use std::time::Duration;

use kit::beneath::{Beneath, Kind};
use shared_schemas::ids::TenantId;
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::flows::{blocking, index};

pub async fn run(state: AppState, shutdown: CancellationToken) {
    let every = state.config.scan_interval_secs;
    if every == 0 {
        return;
    }
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(Duration::from_secs(every)) => {}
        }
        if let Err(err) = scan_all(&state, &shutdown).await {
            tracing::warn!(error = %err, "the vault scan failed");
        }
    }
}

/// Syncs every vault found on disk; the number of notes re-indexed or removed.
pub async fn scan_all(state: &AppState, shutdown: &CancellationToken) -> anyhow::Result<usize> {
    let paths = state.paths.clone();
    let found = blocking(move || {
        let mut out = Vec::new();
        let Ok(tenants) = Beneath::open(paths.root()).and_then(|r| r.open_dir("tenants")) else {
            return Ok(out);
        };
        for t in tenants.entries(100_000)? {
            let Ok(tenant) = TenantId::parse(&t.name) else {
                continue;
            };
            if t.kind != Kind::Directory {
                continue;
            }
            let Ok(vaults) = tenants.open_dir(&format!("{}/vaults", t.name)) else {
                continue;
            };
            for v in vaults.entries(100_000)? {
                if v.kind == Kind::Directory {
                    out.push((tenant.clone(), v.name));
                }
            }
        }
        Ok(out)
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut changed = 0;
    for (tenant, vault) in found {
        if shutdown.is_cancelled() {
            break;
        }
        match index::sync(state, &tenant, &vault).await {
            Ok(synced) => changed += synced.indexed + synced.removed,
            // A tenant deleted meanwhile, a vault swapped for a symlink: log, go on.
            Err(err) => {
                tracing::warn!(tenant = %tenant.as_str(), vault, error = %err, "vault sync failed")
            }
        }
    }
    Ok(changed)
}
