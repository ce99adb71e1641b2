//! Vaults and the notes in them.

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

/// One vault of the tenant: an agent's (`agent_id` is the agent's id) or `shared`.
#[derive(Debug, Serialize, ToSchema)]
pub struct VaultSummary {
    pub agent_id: String,
    pub file_count: i64,
    pub total_size_bytes: i64,
}

/// A note as a vault's file list shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileInfo {
    /// The path in the vault (`people/alice.md`).
    pub filename: String,
    /// The directory part of the path (`people`; empty at the top).
    pub directory: String,
    pub category: String,
    pub title: String,
    /// Epoch milliseconds: when memory-svc first indexed the note.
    pub created_at: i64,
    pub updated_at: i64,
    pub size_bytes: i64,
    /// The first 200 characters of the body.
    pub preview: String,
}

/// `limit` (1-500, default 500) and `offset`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct Page {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

impl Page {
    pub fn limit(&self) -> i64 {
        self.limit.unwrap_or(500).clamp(1, 500)
    }

    pub fn offset(&self) -> i64 {
        self.offset.unwrap_or(0).max(0)
    }

    /// `X-Total-Count`, and `Link` to the next page of `path` while more follow.
    pub fn headers(&self, path: &str, total: i64) -> axum::http::HeaderMap {
        use axum::http::{HeaderName, HeaderValue, header::LINK};
        let mut headers = axum::http::HeaderMap::new();
        headers.insert(
            HeaderName::from_static("x-total-count"),
            HeaderValue::from(total),
        );
        let next = self.offset().saturating_add(self.limit());
        if next < total {
            let link = format!(
                "<{path}?limit={}&offset={next}>; rel=\"next\"",
                self.limit()
            );
            if let Ok(value) = HeaderValue::from_str(&link) {
                headers.insert(LINK, value);
            }
        }
        headers
    }
}

/// A whole note.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileContent {
    pub filename: String,
    pub content: String,
    /// The frontmatter, parsed (`{}` when the note has none or it does not parse).
    #[schema(value_type = Object)]
    pub metadata: Value,
}

/// `POST /v1/memory/vaults/{agent_id}/files`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FileCreate {
    pub content: String,
    /// Path in the vault; `inbox/note-{epoch ms}.md` when absent.
    pub filename: Option<String>,
}

impl Validate for FileCreate {}

/// `PUT /v1/memory/vaults/{agent_id}/{filename}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FileUpdate {
    pub content: String,
}

impl Validate for FileUpdate {}

/// A note written: `created` or `updated` is true.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileWritten {
    pub filename: String,
    /// Bytes written.
    pub size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated: Option<bool>,
}

/// `GET /v1/agents/{agent_id}/memory/{filename}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentFile {
    pub filename: String,
    pub content: String,
}

/// `DELETE /v1/agents/{agent_id}/memory/{filename}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FileDeleted {
    pub agent_id: String,
    pub deleted: bool,
    pub filename: String,
}

/// `POST /v1/memory/vaults/shared/store`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SharedStore {
    pub category: String,
    pub title: String,
    pub content: String,
    /// More frontmatter keys; `title`, `category`, `created` and `author` are set by the service.
    #[schema(value_type = Option<Object>)]
    pub frontmatter: Option<serde_json::Map<String, Value>>,
    /// The agent (id or slug) the memory comes from; an agent token may only name itself.
    pub agent_id: String,
}

impl Validate for SharedStore {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        for (path, value, max) in [
            ("category", &self.category, 64),
            ("title", &self.title, 200),
            ("agent_id", &self.agent_id, 128),
        ] {
            if value.trim().is_empty() || value.chars().count() > max {
                errors.push(FieldError {
                    path: path.to_owned(),
                    message: format!("must be 1 to {max} characters"),
                });
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The note `shared/store` wrote.
#[derive(Debug, Serialize, ToSchema)]
pub struct SharedStored {
    /// `{category}/{slug}.md`, with `-2`, `-3`… before `.md` when the name was taken.
    pub filename: String,
}
