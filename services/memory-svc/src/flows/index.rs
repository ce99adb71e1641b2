//! Keeping the index equal to the files. A write through the API indexes its note at once
//! ([`index_written`]); files written by runtimes through their mount are found by
//! [`sync`]: a walk of the vault that re-reads only files whose size or mtime moved, re-indexes
//! those whose content hash changed, and drops rows whose file is gone. `sync` runs before a
//! vault's list and graph are served, on rebuild, and periodically for every vault
//! (`workers::scan`).

use std::collections::HashSet;

use kit::ApiError;
use kit::beneath::{Beneath, Kind};
use kit::db::TenantTx;
use sha2::{Digest, Sha256};
use shared_schemas::ids::TenantId;

use crate::AppState;
use crate::domain::note::{self, ParsedNote};
use crate::domain::paths::{scanned_dir, scanned_file};
use crate::flows::{blocking, now_ms, vault};
use crate::store::notes::{self, IndexedFile};

/// How deep a scan walks into a vault.
const MAX_DEPTH: usize = 16;
/// Notes read and indexed per transaction.
const CHUNK: usize = 250;

/// What a sync did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Synced {
    pub indexed: usize,
    pub removed: usize,
    pub files: usize,
}

impl Synced {
    pub fn changed(&self) -> bool {
        self.indexed > 0 || self.removed > 0
    }
}

/// A file seen on disk.
struct Seen {
    path: String,
    size: i64,
    modified_ms: i64,
}

/// A file read for indexing.
struct Read {
    path: String,
    parsed: ParsedNote,
    hash: String,
    size: i64,
    modified_ms: i64,
}

pub fn hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Every note file below `root` (no symlink followed, hidden and excluded directories
/// skipped), at most `max`.
fn walk(root: &Beneath, max: usize) -> Result<Vec<Seen>, ApiError> {
    let mut out = Vec::new();
    let mut stack = vec![(String::new(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let handle = match root.open_dir(&dir) {
            Ok(h) => h,
            // Removed or swapped for a symlink meanwhile: not ours to follow.
            Err(_) if !dir.is_empty() => continue,
            Err(e) => return Err(e.into()),
        };
        for entry in handle.entries(max + 1)? {
            let path = if dir.is_empty() {
                entry.name.clone()
            } else {
                format!("{dir}/{}", entry.name)
            };
            match entry.kind {
                Kind::Directory
                    if depth < MAX_DEPTH && scanned_dir(&entry.name, dir.is_empty()) =>
                {
                    stack.push((path, depth + 1));
                }
                Kind::File if scanned_file(&entry.name) && out.len() < max => out.push(Seen {
                    path,
                    size: i64::try_from(entry.size).unwrap_or(i64::MAX),
                    modified_ms: entry.modified_ms,
                }),
                _ => {}
            }
        }
    }
    Ok(out)
}

/// Reads and parses one note through the handle; `None` when it vanished or is too large.
fn read_note(root: &Beneath, path: &str, limit: u64) -> Option<Read> {
    let (file, kind) = root.open_file(path).ok()?;
    if kind != Kind::File {
        return None;
    }
    let modified_ms = file
        .metadata()
        .ok()?
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_millis()).ok())?;
    let read = root.read_file(path, limit).ok()?;
    let text = String::from_utf8_lossy(&read.bytes);
    Some(Read {
        parsed: note::parse(path, &text),
        hash: hash(&read.bytes),
        size: read.bytes.len() as i64,
        modified_ms,
        path: path.to_owned(),
    })
}

async fn upsert(tx: &mut TenantTx, vault: &str, read: &Read, now: i64) -> Result<(), ApiError> {
    let file = IndexedFile {
        vault,
        path: &read.path,
        parsed: &read.parsed,
        hash: &read.hash,
        size: read.size,
        modified_ms: read.modified_ms,
    };
    Ok(notes::upsert(tx, &file, now).await?)
}

/// Indexes the note at `path` just written through `root` by the API.
pub async fn index_written(
    app: &AppState,
    tenant: &TenantId,
    vault: &str,
    root: Beneath,
    path: &str,
) -> Result<(), ApiError> {
    let limit = app.config.max_note_bytes;
    let rel = path.to_owned();
    let read = blocking(move || Ok(read_note(&root, &rel, limit))).await?;
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    match read {
        Some(read) => upsert(&mut tx, vault, &read, now_ms()).await?,
        // Removed again before we could read it back: the index follows the disk.
        None => {
            notes::delete(&mut tx, vault, path).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Brings the index of one vault in line with its files. The work runs as a task of its own:
/// a caller that goes away (a timed-out request) does not cut it short.
pub async fn sync(app: &AppState, tenant: &TenantId, vault_name: &str) -> Result<Synced, ApiError> {
    let (app, tenant, vault_name) = (app.clone(), tenant.clone(), vault_name.to_owned());
    tokio::spawn(async move { sync_now(&app, &tenant, &vault_name).await })
        .await
        .map_err(ApiError::internal)?
}

async fn sync_now(app: &AppState, tenant: &TenantId, vault_name: &str) -> Result<Synced, ApiError> {
    let Some(root) = vault::root(app, tenant, vault_name, false).await? else {
        let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
        let removed = notes::delete_vault(&mut tx, vault_name).await?;
        tx.commit().await?;
        return Ok(Synced {
            removed: usize::try_from(removed).unwrap_or(usize::MAX),
            ..Synced::default()
        });
    };
    let max = app.config.max_vault_notes;
    let (root, seen) = blocking(move || {
        let seen = walk(&root, max)?;
        Ok((root, seen))
    })
    .await?;
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    let known = notes::file_states(&mut tx, vault_name).await?;
    tx.commit().await?;

    let on_disk: HashSet<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    let gone: Vec<String> = known
        .keys()
        .filter(|p| !on_disk.contains(p.as_str()))
        .cloned()
        .collect();
    let moved: Vec<String> = seen
        .iter()
        .filter(|s| {
            known
                .get(&s.path)
                .is_none_or(|(size, mtime, _)| *size != s.size || *mtime != s.modified_ms)
        })
        .map(|s| s.path.clone())
        .collect();
    let files = seen.len();
    if gone.is_empty() && moved.is_empty() {
        return Ok(Synced {
            files,
            ..Synced::default()
        });
    }
    let limit = app.config.max_note_bytes;
    let mut synced = Synced {
        files,
        ..Synced::default()
    };
    // In chunks, each committed: a large first index makes progress that survives a cut-off
    // request, and no transaction stays open for long.
    let mut root = root;
    for chunk in moved.chunks(CHUNK) {
        let chunk = chunk.to_vec();
        let (back, reads) = blocking(move || {
            let reads: Vec<Read> = chunk
                .iter()
                .filter_map(|p| read_note(&root, p, limit))
                .collect();
            Ok((root, reads))
        })
        .await?;
        root = back;
        let now = now_ms();
        let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
        for read in &reads {
            match known.get(&read.path) {
                Some((_, _, hash)) if *hash == read.hash => {
                    notes::touch(&mut tx, vault_name, &read.path, read.modified_ms).await?;
                }
                _ => {
                    upsert(&mut tx, vault_name, read, now).await?;
                    synced.indexed += 1;
                }
            }
        }
        tx.commit().await?;
    }
    let mut tx = TenantTx::begin(app.platform.db.pool(), tenant).await?;
    for path in &gone {
        if notes::delete(&mut tx, vault_name, path).await? {
            synced.removed += 1;
        }
    }
    tx.commit().await?;
    Ok(synced)
}
