//! SQL of `memory.notes` and `memory.links`: the index of the tenant's vault files.

use std::collections::HashMap;

use kit::db::TenantTx;
use sqlx::FromRow;
use sqlx::types::Json;

use crate::domain::graph::{Link, NoteNode};
use crate::domain::note::{LinkKind, ParsedNote};

/// A note to (re-)index: its vault and path, what the file said, and what the file was.
pub struct IndexedFile<'a> {
    pub vault: &'a str,
    pub path: &'a str,
    pub parsed: &'a ParsedNote,
    pub hash: &'a str,
    pub size: i64,
    pub modified_ms: i64,
}

/// Writes a note's row and replaces its links; `created_at` is kept from an earlier row.
pub async fn upsert(tx: &mut TenantTx, file: &IndexedFile<'_>, now: i64) -> sqlx::Result<()> {
    let tenant = tx.tenant().as_str().to_owned();
    let p = file.parsed;
    sqlx::query(
        "insert into memory.notes (tenant_id, vault, path, title, category, note_type, tags,
             aliases, headings, frontmatter, body, tag_text, content_hash, size_bytes,
             modified_ms, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)
         on conflict (tenant_id, vault, path) do update set
             title = excluded.title, category = excluded.category,
             note_type = excluded.note_type, tags = excluded.tags, aliases = excluded.aliases,
             headings = excluded.headings, frontmatter = excluded.frontmatter,
             body = excluded.body, tag_text = excluded.tag_text,
             content_hash = excluded.content_hash, size_bytes = excluded.size_bytes,
             modified_ms = excluded.modified_ms, updated_at = excluded.updated_at",
    )
    .bind(&tenant)
    .bind(file.vault)
    .bind(file.path)
    .bind(&p.title)
    .bind(&p.category)
    .bind(&p.note_type)
    .bind(&p.tags)
    .bind(&p.aliases)
    .bind(&p.headings)
    .bind(Json(&p.frontmatter))
    // Postgres text holds no NUL; a note with one is indexed without it.
    .bind(p.body.replace('\0', ""))
    .bind(p.tags.join(" "))
    .bind(file.hash)
    .bind(file.size)
    .bind(file.modified_ms)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query("delete from memory.links where tenant_id = $1 and vault = $2 and src_path = $3")
        .bind(&tenant)
        .bind(file.vault)
        .bind(file.path)
        .execute(&mut **tx)
        .await?;
    if p.links.is_empty() {
        return Ok(());
    }
    let ords: Vec<i32> = (0..p.links.len() as i32).collect();
    let kinds: Vec<&str> = p.links.iter().map(|l| l.kind.as_str()).collect();
    let targets: Vec<&str> = p.links.iter().map(|l| l.target.as_str()).collect();
    let headings: Vec<Option<&str>> = p.links.iter().map(|l| l.heading.as_deref()).collect();
    let labels: Vec<Option<&str>> = p.links.iter().map(|l| l.label.as_deref()).collect();
    sqlx::query(
        "insert into memory.links (tenant_id, vault, src_path, ord, kind, target, heading, label)
         select $1, $2, $3, u.ord, u.kind, u.target, u.heading, u.label
           from unnest($4::int[], $5::text[], $6::text[], $7::text[], $8::text[])
                as u(ord, kind, target, heading, label)",
    )
    .bind(&tenant)
    .bind(file.vault)
    .bind(file.path)
    .bind(&ords)
    .bind(&kinds)
    .bind(&targets)
    .bind(&headings)
    .bind(&labels)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Records that the file's mtime moved while its content did not.
pub async fn touch(
    tx: &mut TenantTx,
    vault: &str,
    path: &str,
    modified_ms: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "update memory.notes set modified_ms = $4
          where tenant_id = $1 and vault = $2 and path = $3",
    )
    .bind(tx.tenant().as_str().to_owned())
    .bind(vault)
    .bind(path)
    .bind(modified_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Whether a row was there.
pub async fn delete(tx: &mut TenantTx, vault: &str, path: &str) -> sqlx::Result<bool> {
    let done =
        sqlx::query("delete from memory.notes where tenant_id = $1 and vault = $2 and path = $3")
            .bind(tx.tenant().as_str().to_owned())
            .bind(vault)
            .bind(path)
            .execute(&mut **tx)
            .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn delete_vault(tx: &mut TenantTx, vault: &str) -> sqlx::Result<u64> {
    let done = sqlx::query("delete from memory.notes where tenant_id = $1 and vault = $2")
        .bind(tx.tenant().as_str().to_owned())
        .bind(vault)
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

/// What the index knows of each file of a vault: (size, mtime, hash) by path.
pub async fn file_states(
    tx: &mut TenantTx,
    vault: &str,
) -> sqlx::Result<HashMap<String, (i64, i64, String)>> {
    let rows: Vec<(String, i64, i64, String)> = sqlx::query_as(
        "select path, size_bytes, modified_ms, content_hash from memory.notes
          where tenant_id = $1 and vault = $2",
    )
    .bind(tx.tenant().as_str().to_owned())
    .bind(vault)
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(p, s, m, h)| (p, (s, m, h)))
        .collect())
}

/// A note as the file list shows it.
#[derive(Debug, Clone, FromRow)]
pub struct FileRow {
    pub path: String,
    pub title: String,
    pub category: String,
    pub size_bytes: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub preview: String,
}

/// One page of a vault's notes by path, and how many there are.
pub async fn list(
    tx: &mut TenantTx,
    vault: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<FileRow>, i64)> {
    let tenant = tx.tenant().as_str().to_owned();
    let rows = sqlx::query_as::<_, FileRow>(
        "select path, title, category, size_bytes, created_at, updated_at,
                left(body, 200) as preview
           from memory.notes where tenant_id = $1 and vault = $2
          order by path limit $3 offset $4",
    )
    .bind(&tenant)
    .bind(vault)
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut **tx)
    .await?;
    let total: i64 =
        sqlx::query_scalar("select count(*) from memory.notes where tenant_id = $1 and vault = $2")
            .bind(&tenant)
            .bind(vault)
            .fetch_one(&mut **tx)
            .await?;
    Ok((rows, total))
}

/// (vault, notes, bytes) of every vault the tenant has notes in.
pub async fn vault_totals(tx: &mut TenantTx) -> sqlx::Result<Vec<(String, i64, i64)>> {
    sqlx::query_as(
        "select vault, count(*), coalesce(sum(size_bytes), 0)::bigint from memory.notes
          where tenant_id = $1 group by vault order by vault",
    )
    .bind(tx.tenant().as_str().to_owned())
    .fetch_all(&mut **tx)
    .await
}

#[derive(FromRow)]
struct NodeRow {
    path: String,
    title: String,
    category: String,
    note_type: Option<String>,
    tags: Vec<String>,
    aliases: Vec<String>,
    created_at: i64,
}

#[derive(FromRow)]
struct LinkRow {
    src_path: String,
    kind: String,
    target: String,
    heading: Option<String>,
    label: Option<String>,
}

/// Every note and link of a vault, for its graph.
pub async fn graph_rows(
    tx: &mut TenantTx,
    vault: &str,
) -> sqlx::Result<(Vec<NoteNode>, Vec<Link>)> {
    let tenant = tx.tenant().as_str().to_owned();
    let notes: Vec<NodeRow> = sqlx::query_as(
        "select path, title, category, note_type, tags, aliases, created_at from memory.notes
          where tenant_id = $1 and vault = $2 order by path",
    )
    .bind(&tenant)
    .bind(vault)
    .fetch_all(&mut **tx)
    .await?;
    let links: Vec<LinkRow> = sqlx::query_as(
        "select src_path, kind, target, heading, label from memory.links
          where tenant_id = $1 and vault = $2 order by src_path, ord",
    )
    .bind(&tenant)
    .bind(vault)
    .fetch_all(&mut **tx)
    .await?;
    let notes = notes
        .into_iter()
        .map(|r| NoteNode {
            path: r.path,
            title: r.title,
            category: r.category,
            note_type: r.note_type,
            tags: r.tags,
            aliases: r.aliases,
            created_at: r.created_at,
        })
        .collect();
    let links = links
        .into_iter()
        .map(|r| Link {
            src_path: r.src_path,
            kind: LinkKind::parse(&r.kind),
            target: r.target,
            heading: r.heading,
            label: r.label,
        })
        .collect();
    Ok((notes, links))
}

/// The graph's version: changes whenever a note of the vault is written or removed.
pub async fn version(tx: &mut TenantTx, vault: &str) -> sqlx::Result<String> {
    let (count, latest): (i64, Option<i64>) = sqlx::query_as(
        "select count(*), max(updated_at) from memory.notes where tenant_id = $1 and vault = $2",
    )
    .bind(tx.tenant().as_str().to_owned())
    .bind(vault)
    .fetch_one(&mut **tx)
    .await?;
    Ok(format!("{}-{count}", latest.unwrap_or(0)))
}

/// A search hit.
#[derive(Debug, Clone, FromRow)]
pub struct Hit {
    pub vault: String,
    pub path: String,
    pub title: String,
    pub score: f32,
    pub snippet: String,
}

/// The `limit` best notes for `query` (web-search syntax) in `vaults` (every vault of the
/// tenant when `None`), best first; snippets are made for those only.
pub async fn search(
    tx: &mut TenantTx,
    query: &str,
    vaults: Option<&[String]>,
    limit: i64,
) -> sqlx::Result<Vec<Hit>> {
    sqlx::query_as::<_, Hit>(
        // The tsquery is written inline (not joined from a CTE) so the planner sees a value
        // and takes the GIN index: only matching notes are read and ranked.
        // The bodies are fetched for the `limit` best only, not carried through the sort.
        "with top as (
                select n.vault, n.path, n.title,
                       ts_rank(n.tsv, websearch_to_tsquery('english', $2), 1) as score
                  from memory.notes n
                 where n.tenant_id = $1 and n.tsv @@ websearch_to_tsquery('english', $2)
                   and ($3::text[] is null or n.vault = any($3))
                 order by score desc, n.vault, n.path
                 limit $4)
         select top.vault, top.path, top.title, top.score,
                ts_headline('english', left(n.body, 20000), websearch_to_tsquery('english', $2),
                            'MaxWords=35, MinWords=12, MaxFragments=2, StartSel=**, StopSel=**')
                  as snippet
           from top
           join memory.notes n
             on n.tenant_id = $1 and n.vault = top.vault and n.path = top.path
          order by top.score desc, top.vault, top.path",
    )
    .bind(tx.tenant().as_str().to_owned())
    .bind(query)
    .bind(vaults)
    .bind(limit)
    .fetch_all(&mut **tx)
    .await
}
