//! Project templates: the board a template describes (columns and what their statuses mean),
//! the rules every template obeys, and the built-in catalog read from `project-templates/`.
//!
//! `board_columns` is stored in the reference's `ColumnDefinition` shape,
//! `[{name, position, statuses, wip_limit}]`, with positions renumbered 0..n in board order;
//! whoever builds a project's columns from a template reads that shape.

use std::collections::HashSet;
use std::path::Path;

use kit::error::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use shared_schemas::ids::{AgentId, PipelineId};

use crate::domain::validate::{self, MAX_DESCRIPTION, MAX_NAME, err};

pub const MAX_COLUMNS: usize = 50;
pub const MAX_COLUMN_NAME: usize = 128;
pub const MAX_STATUSES_PER_COLUMN: usize = 20;
/// `project.tasks.status` is varchar(32).
pub const MAX_STATUS: usize = 32;
pub const MAX_ICON: usize = 16;
pub const MAX_AGENT_CHAIN: usize = 20;
pub const MAX_METADATA: usize = 64 * 1024;
pub const MAX_WIP_LIMIT: u32 = 10_000;

/// One column of a template's board (the reference's `ColumnDefinition`). `taskStatuses` and
/// `wipLimit` are accepted as spellings too, because the catalog files are written by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ColumnDefinition {
    pub name: String,
    /// Order on the board; optional in requests (the list order is used), always set when stored.
    #[serde(default)]
    pub position: Option<u32>,
    #[serde(alias = "taskStatuses")]
    pub statuses: Vec<String>,
    #[serde(default, alias = "wipLimit")]
    pub wip_limit: Option<u32>,
}

/// Which task statuses mean what, for agents and for the ready-tasks rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusSemantics {
    #[serde(default)]
    pub initial: Vec<String>,
    #[serde(default)]
    pub terminal_done: Vec<String>,
    #[serde(default)]
    pub terminal_fail: Vec<String>,
    #[serde(default)]
    pub blocked: Vec<String>,
    #[serde(default)]
    pub in_progress: Vec<String>,
    #[serde(default)]
    pub claimable: Vec<String>,
}

impl StatusSemantics {
    fn lists(&self) -> [(&'static str, &Vec<String>); 6] {
        [
            ("initial", &self.initial),
            ("terminal_done", &self.terminal_done),
            ("terminal_fail", &self.terminal_fail),
            ("blocked", &self.blocked),
            ("in_progress", &self.in_progress),
            ("claimable", &self.claimable),
        ]
    }
}

/// Everything a template holds besides its identity, as it is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateContent {
    pub name: String,
    pub description: String,
    pub icon: Option<String>,
    pub columns: Vec<ColumnDefinition>,
    pub status_semantics: StatusSemantics,
    pub default_pipeline_id: Option<String>,
    pub onboarding_agent_chain: Option<Vec<String>>,
    pub metadata: Map<String, Value>,
    pub sort_order: i32,
}

impl TemplateContent {
    /// Every rule at once, with the failing field paths; `columns` must already be normalised.
    pub fn check(&self, errors: &mut Vec<FieldError>) {
        validate::name("name", &self.name, MAX_NAME, errors);
        validate::text(
            "description",
            Some(&self.description),
            MAX_DESCRIPTION,
            errors,
        );
        check_icon(self.icon.as_deref(), errors);
        check_board(&self.columns, &self.status_semantics, errors);
        check_pipeline(self.default_pipeline_id.as_deref(), errors);
        check_agent_chain(self.onboarding_agent_chain.as_deref(), errors);
        check_metadata(&self.metadata, errors);
    }
}

pub fn check_icon(icon: Option<&str>, errors: &mut Vec<FieldError>) {
    if let Some(icon) = icon
        && (icon.trim().is_empty() || icon.chars().count() > MAX_ICON)
    {
        errors.push(err("icon", format!("must be 1 to {MAX_ICON} characters")));
    }
}

pub fn check_pipeline(id: Option<&str>, errors: &mut Vec<FieldError>) {
    if let Some(id) = id
        && PipelineId::parse(id).is_err()
    {
        errors.push(err("defaultPipelineId", "not a pipeline id"));
    }
}

/// Agents are named by their ids (`agt_…`): that is what sessions record and events carry.
pub fn check_agent_chain(chain: Option<&[String]>, errors: &mut Vec<FieldError>) {
    let Some(chain) = chain else { return };
    if chain.len() > MAX_AGENT_CHAIN {
        errors.push(err(
            "onboardingAgentChain",
            format!("at most {MAX_AGENT_CHAIN} agents"),
        ));
    }
    for (i, agent) in chain.iter().enumerate() {
        if AgentId::parse(agent.as_str()).is_err() {
            errors.push(err(
                &format!("onboardingAgentChain[{i}]"),
                "must be an agent id (`agt_…`)",
            ));
        }
    }
}

pub fn check_metadata(metadata: &Map<String, Value>, errors: &mut Vec<FieldError>) {
    let size = serde_json::to_vec(metadata).map_or(usize::MAX, |v| v.len());
    if size > MAX_METADATA {
        errors.push(err(
            "metadata",
            format!("must be at most {MAX_METADATA} bytes"),
        ));
    }
}

/// A task status: what `project.tasks.status` can hold and a column can list.
pub fn is_status(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_STATUS
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// Columns 1..=50 with unique names; each status in exactly one column (a task's status decides
/// its column); the semantics name only statuses of the board, with an initial and a done one.
pub fn check_board(
    columns: &[ColumnDefinition],
    semantics: &StatusSemantics,
    errors: &mut Vec<FieldError>,
) {
    if columns.is_empty() || columns.len() > MAX_COLUMNS {
        errors.push(err(
            "columns",
            format!("must have 1 to {MAX_COLUMNS} columns"),
        ));
    }
    let mut names = HashSet::new();
    let mut statuses = HashSet::new();
    for (i, col) in columns.iter().take(MAX_COLUMNS).enumerate() {
        let at = format!("columns[{i}]");
        validate::name(&format!("{at}.name"), &col.name, MAX_COLUMN_NAME, errors);
        if !names.insert(col.name.trim().to_lowercase()) {
            errors.push(err(&format!("{at}.name"), "duplicate column name"));
        }
        if col.wip_limit.is_some_and(|w| w == 0 || w > MAX_WIP_LIMIT) {
            errors.push(err(
                &format!("{at}.wip_limit"),
                format!("must be 1 to {MAX_WIP_LIMIT}"),
            ));
        }
        if col.statuses.is_empty() || col.statuses.len() > MAX_STATUSES_PER_COLUMN {
            errors.push(err(
                &format!("{at}.statuses"),
                format!("must list 1 to {MAX_STATUSES_PER_COLUMN} statuses"),
            ));
        }
        for (j, s) in col
            .statuses
            .iter()
            .take(MAX_STATUSES_PER_COLUMN)
            .enumerate()
        {
            let path = format!("{at}.statuses[{j}]");
            if !is_status(s) {
                errors.push(err(
                    &path,
                    "must be 1 to 32 lower-case letters, digits, `_` or `-`",
                ));
            } else if !statuses.insert(s.as_str()) {
                errors.push(err(&path, format!("`{s}` is already in another column")));
            }
        }
    }
    for (key, list) in semantics.lists() {
        if list.len() > MAX_STATUSES_PER_COLUMN * MAX_COLUMNS {
            errors.push(err(&format!("statusSemantics.{key}"), "too many statuses"));
            continue;
        }
        for (j, s) in list.iter().enumerate() {
            if !statuses.contains(s.as_str()) {
                errors.push(err(
                    &format!("statusSemantics.{key}[{j}]"),
                    format!("`{s}` is not a status of any column"),
                ));
            }
        }
    }
    for (key, list) in [
        ("initial", &semantics.initial),
        ("terminal_done", &semantics.terminal_done),
    ] {
        if list.is_empty() {
            errors.push(err(
                &format!("statusSemantics.{key}"),
                "must name at least one status",
            ));
        }
    }
}

/// Board order: by the given positions (ties and absent ones keep list order), renumbered 0..n,
/// names trimmed.
pub fn normalise_columns(mut columns: Vec<ColumnDefinition>) -> Vec<ColumnDefinition> {
    let keys: Vec<(u32, usize)> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            (
                c.position.unwrap_or(u32::try_from(i).unwrap_or(u32::MAX)),
                i,
            )
        })
        .collect();
    let mut order: Vec<usize> = (0..columns.len()).collect();
    order.sort_by_key(|&i| keys[i]);
    let mut taken: Vec<Option<ColumnDefinition>> = columns.drain(..).map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| taken[i].take())
        .enumerate()
        .map(|(pos, mut c)| {
            c.name = c.name.trim().to_owned();
            c.position = Some(u32::try_from(pos).unwrap_or(u32::MAX));
            c
        })
        .collect()
}

/// A catalog file, `project-templates/<slug>.yml` (see that folder's README.md).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CatalogFile {
    name: String,
    #[serde(default)]
    description: String,
    icon: Option<String>,
    columns: Vec<ColumnDefinition>,
    status_semantics: StatusSemantics,
    default_pipeline_id: Option<String>,
    onboarding_agent_chain: Option<Vec<String>>,
    #[serde(default)]
    metadata: Map<String, Value>,
    #[serde(default)]
    sort_order: i32,
}

/// One file of the catalog: its slug, and its content or why it cannot be used.
#[derive(Debug)]
pub struct CatalogEntry {
    pub slug: String,
    pub content: Result<TemplateContent, String>,
}

/// Every `<slug>.yml` under `dir` (other files are ignored), by slug; `None` when the folder does not exist. A broken file
/// is reported in its entry (and skipped by the seeder) instead of failing the others.
pub fn load_catalog(dir: &Path) -> std::io::Result<Option<Vec<CatalogEntry>>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let (Some(stem), Some("yml")) = (
            path.file_stem().and_then(|s| s.to_str()),
            path.extension().and_then(|s| s.to_str()),
        ) else {
            continue;
        };
        if !path.is_file() || !validate::is_slug(stem) {
            continue;
        }
        let content = std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|raw| parse_catalog_file(&raw));
        out.push(CatalogEntry {
            slug: stem.to_owned(),
            content,
        });
    }
    out.sort_by(|a, b| a.slug.cmp(&b.slug));
    Ok(Some(out))
}

pub fn parse_catalog_file(raw: &str) -> Result<TemplateContent, String> {
    let file: CatalogFile = serde_norway::from_str(raw).map_err(|e| e.to_string())?;
    let content = TemplateContent {
        name: file.name.trim().to_owned(),
        description: file.description.trim().to_owned(),
        icon: file.icon,
        columns: normalise_columns(file.columns),
        status_semantics: file.status_semantics,
        default_pipeline_id: file.default_pipeline_id,
        onboarding_agent_chain: file.onboarding_agent_chain,
        metadata: file.metadata,
        sort_order: file.sort_order,
    };
    let mut errors = Vec::new();
    content.check(&mut errors);
    match errors.first() {
        None => Ok(content),
        Some(e) => Err(format!("{}: {}", e.path, e.message)),
    }
}

/// `<slug>-copy`, then `-copy-2`, `-copy-3`, …, cut so the result stays a valid slug.
pub fn copy_slug(base: &str, attempt: u32) -> String {
    let suffix = if attempt <= 1 {
        "-copy".to_owned()
    } else {
        format!("-copy-{attempt}")
    };
    let keep = kit::validate::MAX_SLUG.saturating_sub(suffix.len());
    let stem: String = base.chars().take(keep).collect();
    format!("{}{suffix}", stem.trim_end_matches('-'))
}

#[cfg(test)]
mod tests;
