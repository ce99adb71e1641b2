//! Open streams per caller and per tenant on this replica: past the cap, a new stream is
//! refused with 429 `too_many_streams` (a runaway tab cannot take the replica's sockets).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::http::StatusCode;
use kit::{ApiError, TenantContext};

#[derive(Debug)]
pub struct Caps {
    per_user: usize,
    per_tenant: usize,
    open: Mutex<HashMap<String, usize>>,
    /// Streams open on this replica (`sse_streams_open`).
    gauge: prometheus::IntGauge,
}

/// Held for as long as a stream is open.
#[derive(Debug)]
pub struct CapGuard {
    caps: Arc<Caps>,
    keys: [String; 2],
}

impl Caps {
    pub fn new(per_user: usize, per_tenant: usize, gauge: prometheus::IntGauge) -> Arc<Self> {
        Arc::new(Self {
            per_user,
            per_tenant,
            open: Mutex::default(),
            gauge,
        })
    }

    pub fn acquire(self: &Arc<Self>, ctx: &TenantContext) -> Result<CapGuard, ApiError> {
        let tenant = format!("t:{}", ctx.tenant_id);
        let user = format!("u:{}:{}", ctx.tenant_id, ctx.subject());
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        let held = |k: &str| open.get(k).copied().unwrap_or(0);
        if held(&user) >= self.per_user || held(&tenant) >= self.per_tenant {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_streams",
                "too many open streams; close one before opening another",
            ));
        }
        for key in [&tenant, &user] {
            *open.entry(key.clone()).or_default() += 1;
        }
        self.gauge.inc();
        Ok(CapGuard {
            caps: self.clone(),
            keys: [tenant, user],
        })
    }

    /// Streams open on this replica.
    pub fn open_streams(&self) -> usize {
        let open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.iter()
            .filter(|(k, _)| k.starts_with("t:"))
            .map(|(_, n)| n)
            .sum()
    }
}

impl Drop for CapGuard {
    fn drop(&mut self) {
        self.caps.gauge.dec();
        let mut open = self
            .caps
            .open
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for key in &self.keys {
            if let Some(n) = open.get_mut(key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    open.remove(key);
                }
            }
        }
    }
}
