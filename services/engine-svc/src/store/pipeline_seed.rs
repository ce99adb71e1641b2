//! The global pipelines: the `*.yml` files of `PIPELINES_DIR` on disk, and their rows
//! (`tenant_id is null`) written in one transaction under `app.scope = 'catalog'`, the only
//! writer the table's `catalog_seed` policy lets through.

use std::path::Path;

use kit::db::LookupTx;
use sqlx::PgPool;

/// One file of the directory, unparsed.
#[derive(Debug, Clone)]
pub struct PipelineFile {
    pub file_name: String,
    pub text: String,
}

/// The content of one global row, read from a file that parsed.
#[derive(Debug, Clone)]
pub struct GlobalPipeline {
    pub id: String,
    pub name: String,
    pub description: String,
    pub version: String,
    pub yaml_content: String,
    pub content_hash: String,
}

/// What a seeding pass changed: the ids written (new or changed files) and removed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SeedChanges {
    pub written: Vec<String>,
    pub unchanged: usize,
    pub removed: Vec<String>,
}

/// The `.yml`/`.yaml` files directly in `dir`, by name; `None` when `dir` does not exist (a
/// mistyped directory must not look like an empty one and delete every global pipeline).
pub fn read_dir(dir: &Path) -> std::io::Result<Option<Vec<PipelineFile>>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => return Err(err),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry?;
        let path = entry.path();
        let is_yaml = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e == "yml" || e == "yaml");
        if !is_yaml || !entry.file_type()?.is_file() {
            continue;
        }
        files.push(PipelineFile {
            file_name: entry.file_name().to_string_lossy().into_owned(),
            text: std::fs::read_to_string(&path)?,
        });
    }
    files.sort_by(|a, b| a.file_name.cmp(&b.file_name));
    Ok(Some(files))
}

/// Upserts every entry (a row whose hash did not change is not rewritten) and, when
/// `remove_others`, deletes the global rows of ids not given. One transaction: replicas
/// starting together each apply the whole set or nothing.
pub async fn seed(
    pool: &PgPool,
    entries: &[GlobalPipeline],
    remove_others: bool,
    now: i64,
) -> sqlx::Result<SeedChanges> {
    let mut tx = LookupTx::begin(pool, "app.scope", "catalog").await?;
    let mut changes = SeedChanges::default();
    for entry in entries {
        let written: Option<String> = sqlx::query_scalar(
            "insert into engine.pipelines as p
                 (tenant_id, id, is_global, name, description, version, yaml_content,
                  content_hash, created_by, created_at, updated_at)
             values (null, $1, true, $2, $3, $4, $5, $6, 'catalog', $7, $7)
             on conflict (id) where tenant_id is null do update
                set name = excluded.name, description = excluded.description,
                    version = excluded.version, yaml_content = excluded.yaml_content,
                    content_hash = excluded.content_hash, updated_at = excluded.updated_at
              where p.content_hash is distinct from excluded.content_hash
             returning id",
        )
        .bind(&entry.id)
        .bind(&entry.name)
        .bind(&entry.description)
        .bind(&entry.version)
        .bind(&entry.yaml_content)
        .bind(&entry.content_hash)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        match written {
            Some(id) => changes.written.push(id),
            None => changes.unchanged += 1,
        }
    }
    if remove_others {
        let keep: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
        changes.removed = sqlx::query_scalar(
            "delete from engine.pipelines where tenant_id is null and not (id = any($1))
             returning id",
        )
        .bind(&keep)
        .fetch_all(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(changes)
}
