//! The shared vault's store: an agent's memory written as `{category}/{slug}.md` with
//! frontmatter made by a YAML library (title, category, created, author, plus the caller's keys).

use kit::{ApiError, TenantContext};
use serde_json::{Map, Value};

use crate::AppState;
use crate::api::vaults::SharedStore;
use crate::domain::paths::{note_path, slug};
use crate::flows::{files, vault};

/// Names tried before giving up on a free one.
const MAX_SUFFIX: u32 = 50;

pub async fn store(
    app: &AppState,
    ctx: &TenantContext,
    req: SharedStore,
) -> Result<String, ApiError> {
    let author = vault::resolve(app, ctx, &req.agent_id).await?;
    let category = slug(&req.category);
    let base = slug(&req.title);
    if category.is_empty() || base.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_name",
            "`category` and `title` need letters or digits",
        ));
    }
    let mut meta = Map::new();
    meta.insert("title".into(), Value::String(req.title.trim().to_owned()));
    meta.insert("category".into(), Value::String(category.clone()));
    meta.insert(
        "created".into(),
        Value::String(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()),
    );
    meta.insert("author".into(), Value::String(author));
    for (k, v) in req.frontmatter.unwrap_or_default() {
        meta.entry(k).or_insert(v);
    }
    let yaml = serde_norway::to_string(&Value::Object(meta)).map_err(ApiError::internal)?;
    let content = format!("---\n{yaml}---\n\n{}\n", req.content.trim_end());
    // The same title twice keeps both memories: `-2`, `-3`… (the monolith overwrote).
    for n in 1..=MAX_SUFFIX {
        let name = if n == 1 {
            format!("{category}/{base}.md")
        } else {
            format!("{category}/{base}-{n}.md")
        };
        let path = note_path(&name)?;
        match files::write_new(app, ctx, vault::SHARED, &path, content.clone()).await {
            Ok((path, _)) => return Ok(path),
            Err(ApiError::Client {
                code: "file_exists",
                ..
            }) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::conflict(
        "file_exists",
        "too many memories with this title",
    ))
}
