//! The reconciler's pass over the registry (spec §3.8.3B, digest §1.6 "Scaling/HA" (a)).
//!
//! For every entry:
//! - its run is no longer active in Postgres (ended or deleted), or, for a chat session's
//!   runtime, its owner no longer holds the session's lease: the runtime is stopped and the
//!   entry and the run's Redis user deleted. Entries of another live instance are left to it.
//! - it belongs to this instance and its runtime ended (crashed, or never started) and the flow
//!   that ran it has not cleaned up within the vanish grace: it is reported as vanished, then
//!   forgotten.
//! - its owner has no liveness key (the replica died or drained): one surviving replica claims
//!   it, stops what it can stop from here (with the process backend: a process on this host,
//!   recognised by its working directory; elsewhere deleting the run's Redis user closes the
//!   runtime's connection and it exits), reports it as vanished and deletes it, so a new owner
//!   can take the run.
//!
//! Runtimes this instance runs without any entry are stopped. The step-level half (retry or fail
//! the attempt whose runtime vanished) belongs to the runs' flows: they receive each
//! [`VanishedRuntime`] through [`OnVanished`] before its entry is deleted (at least once: the
//! handler must ignore an attempt that is no longer current).

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use kit::db::LookupTx;
use shared_schemas::ids::{AgentId, RunId, TenantId};

use super::handles::old_handle;
use super::registry::{Entry, status};
use super::service::{RuntimeError, Runtimes};
use super::{BackendError, RuntimeStatus, now_ms};
use crate::store::runtime_sweep;

/// Why a runtime is reported as vanished.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VanishReason {
    /// It ended on its own with this code while its step was still its business.
    Exited(i32),
    /// It never got started, or the backend lost it.
    Gone,
    /// Its owner instance is dead (or drained and handed it back).
    OwnerGone,
}

/// A runtime that vanished under a step attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VanishedRuntime {
    pub tenant: TenantId,
    pub run: RunId,
    pub agent: AgentId,
    pub step_id: Option<String>,
    pub attempt: Option<i32>,
    pub instance: String,
    pub reason: VanishReason,
}

impl VanishedRuntime {
    fn of(entry: &Entry, reason: VanishReason) -> Self {
        Self {
            tenant: entry.tenant.clone(),
            run: entry.run.clone(),
            agent: entry.agent.clone(),
            step_id: entry.step_id.clone(),
            attempt: entry.attempt,
            instance: entry.instance.clone(),
            reason,
        }
    }
}

/// Receives each vanished runtime before its entry is deleted; an error keeps the entry for the
/// next pass.
#[async_trait]
pub trait OnVanished: Send + Sync {
    async fn runtime_vanished(&self, vanished: &VanishedRuntime) -> anyhow::Result<()>;

    /// After each pass: attempts that lost their owner before any registry entry named them
    /// (see `flows::steps::vanished::sweep_dead_owners`).
    async fn sweep(&self, _rt: &Runtimes) -> anyhow::Result<()> {
        Ok(())
    }
}

/// Until the runs' flows handle them: a warning per vanished runtime.
pub struct LogVanished;

#[async_trait]
impl OnVanished for LogVanished {
    async fn runtime_vanished(&self, v: &VanishedRuntime) -> anyhow::Result<()> {
        tracing::warn!(run = %v.run, tenant = %v.tenant, step = ?v.step_id, attempt = ?v.attempt,
            reason = ?v.reason, "a runtime vanished under its step");
        Ok(())
    }
}

/// What one pass did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Entries deleted because their run is no longer active.
    pub finished: Vec<RunId>,
    pub vanished: Vec<VanishedRuntime>,
    /// Runtimes of this instance stopped because no entry names them.
    pub orphans: Vec<RunId>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Backend(#[from] BackendError),
}

/// The vanished runtimes the registry shows now, without changing anything: this instance's
/// ended ones older than the vanish grace and every entry of a dead owner.
pub async fn list_vanished(rt: &Runtimes) -> Result<Vec<VanishedRuntime>, ReconcileError> {
    let (entries, _) = rt.registry.scan().await?;
    let mut alive = HashMap::new();
    let mut vanished = Vec::new();
    for entry in entries {
        if let Seen::Vanished(reason) = look(rt, &entry, &mut alive).await? {
            vanished.push(VanishedRuntime::of(&entry, reason));
        }
    }
    Ok(vanished)
}

/// One pass (see the module's documentation).
pub async fn reconcile_once(
    rt: &Runtimes,
    on_vanished: &dyn OnVanished,
) -> Result<Report, ReconcileError> {
    let mut report = Report::default();
    let (entries, broken) = rt.registry.scan().await?;
    for key in broken {
        tracing::warn!(key, "deleting an unreadable runtime registry entry");
        rt.registry.delete_key(&key).await?;
    }
    let runs: Vec<RunId> = entries.iter().map(|e| e.run.clone()).collect();
    let statuses = if runs.is_empty() {
        HashMap::new()
    } else {
        let (setting, value) = runtime_sweep::SCOPE;
        let mut tx = LookupTx::begin(rt.db.pool(), setting, value).await?;
        let statuses = runtime_sweep::run_statuses(&mut tx, &runs).await?;
        tx.commit().await?;
        statuses
    };
    let mut alive: HashMap<String, bool> = HashMap::new();
    let me = rt.instance_id().to_owned();
    for entry in &entries {
        let active = match &entry.session_id {
            Some(session) => chat_alive(rt, entry, session).await?,
            None => statuses
                .get(&entry.run)
                .is_some_and(|s| runtime_sweep::ACTIVE.contains(&s.as_str())),
        };
        let owner_alive = is_alive(rt, &entry.instance, &mut alive).await?;
        if !active && (entry.instance == me || !owner_alive) {
            if entry.instance == me || claim(rt, entry, &mut alive).await? {
                stop_entry(rt, entry).await;
                rt.registry.delete(&entry.run).await?;
                rt.drop_run_user(&entry.run).await;
                if let Some(handle) = old_handle(entry) {
                    rt.forget(&handle).await?;
                }
                report.finished.push(entry.run.clone());
            }
            continue;
        }
        let reason = match look(rt, entry, &mut alive).await? {
            Seen::Fine => continue,
            Seen::Ended(reason) => {
                mark_exited(rt, entry, &reason).await?;
                continue;
            }
            Seen::Vanished(reason) => reason,
        };
        if entry.instance == me {
            mark_exited(rt, entry, &reason).await?;
        } else if !claim(rt, entry, &mut alive).await? {
            continue;
        } else {
            stop_entry(rt, entry).await;
        }
        let vanished = VanishedRuntime::of(entry, reason);
        if let Err(err) = on_vanished.runtime_vanished(&vanished).await {
            tracing::warn!(run = %entry.run, error = %err, "a vanished runtime was not handled; kept for the next pass");
            continue;
        }
        rt.registry.delete(&entry.run).await?;
        rt.drop_run_user(&entry.run).await;
        if let Some(handle) = old_handle(entry) {
            rt.forget(&handle).await?;
        }
        report.vanished.push(vanished);
    }
    let named: HashSet<(&RunId, &str)> = entries
        .iter()
        .map(|e| (&e.run, e.container_id.as_str()))
        .collect();
    for handle in rt.backend.list(&me).await? {
        if named.contains(&(&handle.run, handle.id.as_str())) {
            continue;
        }
        // Started after the scan, or its entry was deleted: look again before stopping.
        let current = rt.registry.get(&handle.run).await?;
        if current.is_some_and(|e| e.container_id == handle.id || e.container_id.is_empty()) {
            continue;
        }
        tracing::warn!(run = %handle.run, "stopping a runtime no registry entry names");
        rt.backend.stop(&handle, rt.config.stop_grace()).await?;
        rt.forget(&handle).await?;
        report.orphans.push(handle.run.clone());
    }
    Ok(report)
}

/// A chat runtime has no run row: it is alive while the instance that started it still holds
/// its session's lease (the session's driver runs there).
async fn chat_alive(rt: &Runtimes, entry: &Entry, session: &str) -> Result<bool, ReconcileError> {
    let key = rt.keys.chat_lease(&entry.tenant, session);
    let holder = bus::lease::holder_of(&rt.redis, &key)
        .await
        .map_err(|e| ReconcileError::Runtime(RuntimeError::Bus(e)))?;
    Ok(holder.as_deref() == Some(entry.instance.as_str()))
}

/// What the reconciler sees of an entry.
enum Seen {
    /// Running, starting, or owned by a live instance.
    Fine,
    /// This instance's runtime ended recently: its flow may still be dealing with it.
    Ended(VanishReason),
    Vanished(VanishReason),
}

async fn look(
    rt: &Runtimes,
    entry: &Entry,
    alive: &mut HashMap<String, bool>,
) -> Result<Seen, ReconcileError> {
    if entry.instance != rt.instance_id() {
        let dead = !is_alive(rt, &entry.instance, alive).await?;
        return Ok(if dead {
            Seen::Vanished(VanishReason::OwnerGone)
        } else {
            Seen::Fine
        });
    }
    let grace = u64::try_from(rt.config.vanish_grace().as_millis()).unwrap_or(u64::MAX);
    let now = now_ms();
    let (reason, since) = match old_handle(entry) {
        // Still starting, or the start failed before the backend named it.
        None => (VanishReason::Gone, entry.created_at),
        Some(handle) => match rt.backend.status(&handle).await? {
            RuntimeStatus::Running => return Ok(Seen::Fine),
            RuntimeStatus::Exited(code) => {
                (VanishReason::Exited(code), entry.exited_at.unwrap_or(now))
            }
            RuntimeStatus::Gone => (VanishReason::Gone, entry.exited_at.unwrap_or(now)),
        },
    };
    if since.saturating_add(grace) <= now {
        Ok(Seen::Vanished(reason))
    } else if old_handle(entry).is_none() {
        Ok(Seen::Fine)
    } else {
        Ok(Seen::Ended(reason))
    }
}

async fn is_alive(
    rt: &Runtimes,
    instance: &str,
    alive: &mut HashMap<String, bool>,
) -> Result<bool, ReconcileError> {
    if instance == rt.instance_id() {
        return Ok(true);
    }
    if let Some(known) = alive.get(instance) {
        return Ok(*known);
    }
    let live = rt.liveness.is_alive(instance).await?;
    alive.insert(instance.to_owned(), live);
    Ok(live)
}

/// Makes this instance the one cleaning a dead owner's entry up (one replica does it).
async fn claim(
    rt: &Runtimes,
    entry: &Entry,
    alive: &mut HashMap<String, bool>,
) -> Result<bool, ReconcileError> {
    let seen = match &entry.reaper {
        Some(reaper) if reaper != rt.instance_id() => {
            if is_alive(rt, reaper, alive).await? {
                return Ok(false);
            }
            Some(reaper.as_str())
        }
        _ => None,
    };
    Ok(rt
        .registry
        .claim(&entry.run, rt.instance_id(), seen)
        .await?)
}

/// Stops the entry's runtime if this backend can reach it; otherwise deleting the run's Redis
/// user (done by the caller) ends its session with the engine.
async fn stop_entry(rt: &Runtimes, entry: &Entry) {
    let Some(handle) = old_handle(entry) else {
        return;
    };
    match rt.backend.stop(&handle, rt.config.stop_grace()).await {
        Ok(_) => {}
        Err(BackendError::Unreachable(id)) => {
            tracing::info!(run = %entry.run, id, "runtime of another host: its Redis user is deleted instead");
        }
        Err(err) => tracing::warn!(run = %entry.run, error = %err, "could not stop a runtime"),
    }
}

/// Records on this instance's entry that its runtime ended (if the watcher has not).
async fn mark_exited(
    rt: &Runtimes,
    entry: &Entry,
    reason: &VanishReason,
) -> Result<(), ReconcileError> {
    if entry.status == status::EXITED {
        return Ok(());
    }
    let mut fields = vec![("status", status::EXITED.to_owned())];
    if let VanishReason::Exited(code) = reason {
        fields.push(("exitCode", code.to_string()));
    }
    if entry.exited_at.is_none() {
        fields.push(("exitedAt", now_ms().to_string()));
    }
    rt.registry
        .set_if_owner(&entry.run, rt.instance_id(), &fields)
        .await?;
    Ok(())
}
