//! Notes of a vault: list, read, create, update, delete. Every file operation goes through the
//! vault's directory handle (`kit::beneath`: no symlink followed, `..` and absolute paths
//! refused); every write is indexed before the answer leaves.

use kit::beneath::ReadError;
use kit::db::TenantTx;
use kit::{ApiError, TenantContext};

use crate::AppState;
use crate::api::vaults::{FileContent, FileInfo, VaultSummary};
use crate::domain::note;
use crate::domain::paths::note_path;
use crate::flows::{blocking, index, now_ms, vault};
use crate::store::notes;

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::PAYLOAD_TOO_LARGE,
        "note_too_large",
        format!("a note holds at most {limit} bytes"),
    )
}

fn read_error(e: ReadError) -> ApiError {
    match e {
        ReadError::Path(e) => e.into(),
        ReadError::IsADirectory | ReadError::NotAFile => {
            ApiError::bad_request("not_a_file", "not a regular file")
        }
        ReadError::TooLarge { limit, .. } => too_large(limit),
    }
}

/// The tenant's vaults (an agent credential sees its own and the shared one), `shared` always
/// among them.
pub async fn vaults(app: &AppState, ctx: &TenantContext) -> Result<Vec<VaultSummary>, ApiError> {
    let mut names: Vec<String> = match vault::vaults_dir(app, &ctx.tenant_id).await? {
        Some(dir) => {
            blocking(move || {
                Ok(dir
                    .entries(100_000)?
                    .into_iter()
                    .filter(|e| e.kind == kit::beneath::Kind::Directory)
                    .map(|e| e.name)
                    .collect())
            })
            .await?
        }
        None => Vec::new(),
    };
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let totals = notes::vault_totals(&mut tx).await?;
    tx.commit().await?;
    names.extend(totals.iter().map(|(v, _, _)| v.clone()));
    names.push(vault::SHARED.to_owned());
    if let Some(allowed) = vault::readable(ctx) {
        names.retain(|n| allowed.contains(n));
    }
    names.sort();
    names.dedup();
    Ok(names
        .into_iter()
        .map(|name| {
            let (count, bytes) = totals
                .iter()
                .find(|(v, _, _)| *v == name)
                .map_or((0, 0), |(_, c, b)| (*c, *b));
            VaultSummary {
                agent_id: name,
                file_count: count,
                total_size_bytes: bytes,
            }
        })
        .collect())
}

/// One page of a vault's notes (after picking up files written by runtimes), and the total.
pub async fn list(
    app: &AppState,
    ctx: &TenantContext,
    vault_ref: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<FileInfo>, i64), ApiError> {
    let name = vault::resolve(app, ctx, vault_ref).await?;
    index::sync(app, &ctx.tenant_id, &name).await?;
    let mut tx = app.platform.db.begin_tenant(ctx).await?;
    let (rows, total) = notes::list(&mut tx, &name, limit, offset).await?;
    tx.commit().await?;
    let files = rows
        .into_iter()
        .map(|r| FileInfo {
            directory: r
                .path
                .rsplit_once('/')
                .map(|(d, _)| d.to_owned())
                .unwrap_or_default(),
            filename: r.path,
            category: r.category,
            title: r.title,
            created_at: r.created_at,
            updated_at: r.updated_at,
            size_bytes: r.size_bytes,
            preview: r.preview,
        })
        .collect();
    Ok((files, total))
}

/// A whole note, read from its file.
pub async fn read(
    app: &AppState,
    ctx: &TenantContext,
    vault_ref: &str,
    rel: &str,
) -> Result<FileContent, ApiError> {
    let name = vault::resolve(app, ctx, vault_ref).await?;
    let path = note_path(rel)?;
    let root = vault::root(app, &ctx.tenant_id, &name, false)
        .await?
        .ok_or_else(vault::file_not_found)?;
    let limit = app.config.max_note_bytes;
    let rel = path.clone();
    let bytes = blocking(move || match root.read_file(&rel, limit) {
        Ok(read) => Ok(read.bytes),
        Err(ReadError::Path(kit::paths::PathError::Io(e)))
            if e.kind() == std::io::ErrorKind::NotFound =>
        {
            Err(vault::file_not_found())
        }
        Err(e) => Err(read_error(e)),
    })
    .await?;
    let content = String::from_utf8_lossy(&bytes).into_owned();
    let (metadata, _) = note::split_frontmatter(&content);
    Ok(FileContent {
        filename: path,
        content,
        metadata,
    })
}

/// Creates a note (`O_EXCL`: 409 when the name is taken); its path and size.
pub async fn create(
    app: &AppState,
    ctx: &TenantContext,
    vault_ref: &str,
    filename: Option<&str>,
    content: String,
) -> Result<(String, u64), ApiError> {
    let name = vault::resolve(app, ctx, vault_ref).await?;
    let path = match filename {
        Some(f) => note_path(f)?,
        None => format!("inbox/note-{}.md", now_ms()),
    };
    write_new(app, ctx, &name, &path, content).await
}

/// Writes a new note into the vault `name` (already resolved) and indexes it.
pub async fn write_new(
    app: &AppState,
    ctx: &TenantContext,
    name: &str,
    path: &str,
    content: String,
) -> Result<(String, u64), ApiError> {
    let limit = app.config.max_note_bytes;
    if content.len() as u64 > limit {
        return Err(too_large(limit));
    }
    let root = vault::root(app, &ctx.tenant_id, name, true)
        .await?
        .ok_or_else(vault::file_not_found)?;
    let (rel, size) = (path.to_owned(), content.len() as u64);
    let root = blocking(move || {
        root.create_file(&rel, content.as_bytes())
            .map_err(vault::write_error)?;
        Ok(root)
    })
    .await?;
    index::index_written(app, &ctx.tenant_id, name, root, path).await?;
    Ok((path.to_owned(), size))
}

/// Replaces an existing note's content atomically; its path and size.
pub async fn update(
    app: &AppState,
    ctx: &TenantContext,
    vault_ref: &str,
    rel: &str,
    content: String,
) -> Result<(String, u64), ApiError> {
    let name = vault::resolve(app, ctx, vault_ref).await?;
    let path = note_path(rel)?;
    let limit = app.config.max_note_bytes;
    if content.len() as u64 > limit {
        return Err(too_large(limit));
    }
    let root = vault::root(app, &ctx.tenant_id, &name, false)
        .await?
        .ok_or_else(vault::file_not_found)?;
    let (file, size) = (path.clone(), content.len() as u64);
    let root = blocking(move || {
        root.replace_file(&file, content.as_bytes())
            .map_err(vault::write_error)?;
        Ok(root)
    })
    .await?;
    index::index_written(app, &ctx.tenant_id, &name, root, &path).await?;
    Ok((path, size))
}

/// Deletes a note and its index row; the vault's id and the path.
pub async fn delete(
    app: &AppState,
    ctx: &TenantContext,
    vault_ref: &str,
    rel: &str,
) -> Result<(String, String), ApiError> {
    let name = vault::resolve(app, ctx, vault_ref).await?;
    let path = note_path(rel)?;
    let root = vault::root(app, &ctx.tenant_id, &name, false)
        .await?
        .ok_or_else(vault::file_not_found)?;
    let file = path.clone();
    blocking(move || root.remove_file(&file).map_err(vault::write_error)).await?;
    let mut tx = TenantTx::begin(app.platform.db.pool(), &ctx.tenant_id).await?;
    notes::delete(&mut tx, &name, &path).await?;
    tx.commit().await?;
    Ok((name, path))
}
