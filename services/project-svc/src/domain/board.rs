//! Rules of a project's kanban board: where a new project's columns come from, what a column
//! and a set of status semantics may contain, and how positions stay dense (0..n-1).

use kit::error::FieldError;
use serde::{Deserialize, Serialize};

use crate::domain::validate::{self, err};

/// Columns per project; a board with more is not a board anyone can read.
pub const MAX_COLUMNS: usize = 50;
/// Task statuses one column may hold.
pub const MAX_COLUMN_STATUSES: usize = 32;
/// The widest column name (the table's width).
pub const MAX_COLUMN_NAME: usize = 128;
pub const MAX_WIP_LIMIT: i32 = 10_000;
/// Repository URLs; long enough for any forge, short enough to index and log.
pub const MAX_REPOSITORY: usize = 2048;

/// A column to create: what a request, a template or the default set describe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnSpec {
    pub name: String,
    pub wip_limit: Option<i32>,
    pub task_statuses: Vec<String>,
}

impl ColumnSpec {
    fn new(name: &str, wip_limit: Option<i32>, status: &str) -> Self {
        Self {
            name: name.to_owned(),
            wip_limit,
            task_statuses: vec![status.to_owned()],
        }
    }
}

/// The reference's `DEFAULT_COLUMNS` (its software-development board), used when a project
/// names neither columns nor a template.
pub fn default_columns() -> Vec<ColumnSpec> {
    vec![
        ColumnSpec::new("Backlog", None, "backlog"),
        ColumnSpec::new("Planning", None, "planning"),
        ColumnSpec::new("Blocked", None, "blocked"),
        ColumnSpec::new("Ready", None, "ready"),
        ColumnSpec::new("In Progress", Some(5), "in_progress"),
        ColumnSpec::new("Review", None, "review"),
        ColumnSpec::new("Done", None, "done"),
        ColumnSpec::new("Failed", None, "failed"),
    ]
}

/// A task status as columns name it: lower-case letters, digits, `_` and `-`, at most 32
/// characters (the width of `tasks.status`).
pub fn is_status(value: &str) -> bool {
    let bytes = value.as_bytes();
    (1..=32).contains(&bytes.len())
        && bytes[0].is_ascii_lowercase()
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'-')
}

pub fn column_name(path: &str, name: &str, errors: &mut Vec<FieldError>) {
    validate::name(path, name, MAX_COLUMN_NAME, errors);
}

pub fn wip_limit(path: &str, limit: Option<i32>, errors: &mut Vec<FieldError>) {
    if let Some(l) = limit
        && !(1..=MAX_WIP_LIMIT).contains(&l)
    {
        errors.push(err(path, format!("must be between 1 and {MAX_WIP_LIMIT}")));
    }
}

pub fn statuses(path: &str, statuses: &[String], errors: &mut Vec<FieldError>) {
    if statuses.len() > MAX_COLUMN_STATUSES {
        errors.push(err(
            path,
            format!("must have at most {MAX_COLUMN_STATUSES} statuses"),
        ));
        return;
    }
    for (i, s) in statuses.iter().enumerate() {
        if !is_status(s) {
            errors.push(err(
                &format!("{path}[{i}]"),
                "must be 1 to 32 lower-case letters, digits, `_` or `-`, starting with a letter",
            ));
        } else if statuses[..i].contains(s) {
            errors.push(err(&format!("{path}[{i}]"), "is listed twice"));
        }
    }
}

/// A git remote the engine can clone: http(s), ssh or scp-like, no whitespace.
pub fn repository(path: &str, url: Option<&str>, errors: &mut Vec<FieldError>) {
    let Some(url) = url else { return };
    let schemes = ["https://", "http://", "ssh://", "git://", "git@"];
    if url.len() > MAX_REPOSITORY {
        errors.push(err(path, format!("must be at most {MAX_REPOSITORY} bytes")));
    } else if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        errors.push(err(path, "must not contain whitespace"));
    } else if !schemes
        .iter()
        .any(|s| url.len() > s.len() && url.starts_with(s))
    {
        errors.push(err(
            path,
            "must be a git URL (https://, http://, ssh://, git:// or git@host:path)",
        ));
    }
}

/// How a board's statuses behave (the reference's `StatusSemantics`): which are initial,
/// claimable by agents, in progress, blocked, done or failed. Stored as the project's
/// `status_semantics`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusSemantics {
    #[serde(default)]
    pub initial: Vec<String>,
    #[serde(default)]
    pub claimable: Vec<String>,
    #[serde(default)]
    pub in_progress: Vec<String>,
    #[serde(default)]
    pub blocked: Vec<String>,
    #[serde(default)]
    pub terminal_done: Vec<String>,
    #[serde(default)]
    pub terminal_fail: Vec<String>,
}

impl StatusSemantics {
    fn groups(&self) -> [(&'static str, &Vec<String>); 6] {
        [
            ("initial", &self.initial),
            ("claimable", &self.claimable),
            ("in_progress", &self.in_progress),
            ("blocked", &self.blocked),
            ("terminal_done", &self.terminal_done),
            ("terminal_fail", &self.terminal_fail),
        ]
    }

    /// Shape only: every group a bounded list of valid status names.
    pub fn validate(&self, path: &str, errors: &mut Vec<FieldError>) {
        for (key, list) in self.groups() {
            statuses(&format!("{path}.{key}"), list, errors);
        }
    }

    /// Every status named must be held by one of `columns`, or tasks could never reach it.
    pub fn check_against(&self, path: &str, columns: &[ColumnSpec], errors: &mut Vec<FieldError>) {
        for (key, list) in self.groups() {
            for (i, s) in list.iter().enumerate() {
                if !columns.iter().any(|c| c.task_statuses.contains(s)) {
                    errors.push(err(
                        &format!("{path}.{key}[{i}]"),
                        "is not a status of any column",
                    ));
                }
            }
        }
    }

    /// The reference's guess for custom columns without semantics: the first status starts
    /// and is claimable, the last one finishes.
    pub fn derived(columns: &[ColumnSpec]) -> Self {
        let all: Vec<&String> = columns.iter().flat_map(|c| &c.task_statuses).collect();
        let first: Vec<String> = all.first().map(|s| (*s).clone()).into_iter().collect();
        let last: Vec<String> = all.last().map(|s| (*s).clone()).into_iter().collect();
        Self {
            initial: first.clone(),
            claimable: first,
            terminal_done: last,
            ..Self::default()
        }
    }
}

/// A new project's board: its columns and how their statuses behave.
#[derive(Debug, PartialEq)]
pub struct BoardPlan {
    pub columns: Vec<ColumnSpec>,
    pub semantics: Option<StatusSemantics>,
}

/// Columns come from the request, else the template, else the default set. Semantics come
/// from the request (and must fit the columns), else the template's when they fit the columns,
/// else, for custom columns, the reference's derived guess; the default board has none.
pub fn plan_board(
    explicit: Option<Vec<ColumnSpec>>,
    template: Option<(Vec<ColumnSpec>, Option<StatusSemantics>)>,
    given: Option<StatusSemantics>,
) -> Result<BoardPlan, Vec<FieldError>> {
    let custom = explicit.is_some();
    let (template_columns, template_semantics) = template.unzip();
    let columns = explicit
        .or(template_columns)
        .unwrap_or_else(default_columns);
    let fits = |s: &StatusSemantics| {
        let mut errors = Vec::new();
        s.check_against("statusSemantics", &columns, &mut errors);
        errors
    };
    let semantics = match given {
        Some(given) => {
            let errors = fits(&given);
            if !errors.is_empty() {
                return Err(errors);
            }
            Some(given)
        }
        None => {
            let from_template = template_semantics.flatten().filter(|s| fits(s).is_empty());
            match from_template {
                Some(s) => Some(s),
                None if custom => Some(StatusSemantics::derived(&columns)),
                None => None,
            }
        }
    };
    Ok(BoardPlan { columns, semantics })
}

/// One column of a template's `board_columns`, as the reference's `ColumnDefinition` writes it
/// (`statuses`, `wip_limit`) or as requests do (`taskStatuses`, `wipLimit`); both are read.
#[derive(Debug, Deserialize)]
struct TemplateColumn {
    name: String,
    #[serde(default)]
    position: Option<i64>,
    #[serde(default, alias = "wipLimit")]
    wip_limit: Option<i32>,
    #[serde(default, alias = "task_statuses", alias = "taskStatuses")]
    statuses: Vec<String>,
}

/// A template's `board_columns` as columns in board order (by `position`, then as listed).
/// Templates are written through validated requests or from our own files; a row that still
/// does not parse is reported, never half-used.
pub fn template_columns(board_columns: &serde_json::Value) -> Result<Vec<ColumnSpec>, String> {
    let mut parsed: Vec<TemplateColumn> = serde_json::from_value(board_columns.clone())
        .map_err(|e| format!("its board_columns are not a list of columns: {e}"))?;
    // Stable: columns without a position keep their listed order after positioned ones.
    parsed.sort_by_key(|c| c.position.unwrap_or(i64::MAX));
    let columns: Vec<ColumnSpec> = parsed
        .into_iter()
        .map(|c| ColumnSpec {
            name: c.name.trim().to_owned(),
            wip_limit: c.wip_limit,
            task_statuses: c.statuses,
        })
        .collect();
    let mut errors = Vec::new();
    if columns.is_empty() || columns.len() > MAX_COLUMNS {
        return Err(format!("it must have 1 to {MAX_COLUMNS} columns"));
    }
    for (i, c) in columns.iter().enumerate() {
        column_name(&format!("columns[{i}].name"), &c.name, &mut errors);
        wip_limit(&format!("columns[{i}].wip_limit"), c.wip_limit, &mut errors);
        statuses(
            &format!("columns[{i}].statuses"),
            &c.task_statuses,
            &mut errors,
        );
    }
    match errors.first() {
        None => Ok(columns),
        Some(e) => Err(format!("{}: {}", e.path, e.message)),
    }
}

/// `ids` (in board order) with `moving` placed at `position`, clamped to the board: the new
/// order, whose indexes are the dense positions to store.
pub fn place(ids: &[String], moving: &str, position: Option<i32>) -> Vec<String> {
    let mut order: Vec<String> = ids.iter().filter(|id| *id != moving).cloned().collect();
    let at = position
        .and_then(|p| usize::try_from(p).ok())
        .map_or(order.len(), |p| p.min(order.len()));
    order.insert(at, moving.to_owned());
    order
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn placing_keeps_positions_dense_and_clamped() {
        let board = ids(&["a", "b", "c"]);
        assert_eq!(place(&board, "c", Some(0)), ids(&["c", "a", "b"]));
        assert_eq!(place(&board, "a", Some(99)), ids(&["b", "c", "a"]));
        assert_eq!(place(&board, "b", None), ids(&["a", "c", "b"]));
        assert_eq!(place(&board, "n", Some(1)), ids(&["a", "n", "b", "c"]));
        assert_eq!(place(&board, "n", Some(-3)), ids(&["a", "b", "c", "n"]));
    }

    #[test]
    fn template_columns_read_both_spellings_in_position_order() {
        let cols = template_columns(&json!([
            {"name": "Done", "position": 2, "statuses": ["done"]},
            {"name": "Todo", "position": 0, "task_statuses": ["todo"], "wipLimit": 3},
            {"name": "Doing", "position": 1, "statuses": ["doing"], "wip_limit": null},
        ]))
        .expect("valid");
        let names: Vec<_> = cols.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Todo", "Doing", "Done"]);
        assert_eq!(cols[0].wip_limit, Some(3));
        assert_eq!(cols[0].task_statuses, ["todo"]);
    }

    #[test]
    fn broken_templates_are_reported() {
        assert!(template_columns(&json!({"name": "x"})).is_err());
        assert!(template_columns(&json!([])).is_err());
        assert!(template_columns(&json!([{"name": " ", "statuses": []}])).is_err());
        assert!(template_columns(&json!([{"name": "A", "statuses": ["Bad Status"]}])).is_err());
    }

    #[test]
    fn statuses_and_repositories() {
        assert!(is_status("in_progress") && is_status("spec-review") && is_status("p1"));
        for bad in ["", "In", "1a", "a b", "a:b", &"a".repeat(33)] {
            assert!(!is_status(bad), "{bad}");
        }
        let mut errors = Vec::new();
        for good in ["https://github.com/a/b.git", "git@github.com:a/b.git"] {
            repository("r", Some(good), &mut errors);
        }
        assert!(errors.is_empty(), "{errors:?}");
        for bad in ["ftp://x", "github.com/a/b", "https://", "https://a b"] {
            repository("r", Some(bad), &mut errors);
        }
        assert_eq!(errors.len(), 4);
    }

    #[test]
    fn semantics_must_name_column_statuses() {
        let cols = default_columns();
        let derived = StatusSemantics::derived(&cols);
        assert_eq!(derived.initial, ["backlog"]);
        assert_eq!(derived.terminal_done, ["failed"]);
        let mut errors = Vec::new();
        derived.check_against("s", &cols, &mut errors);
        assert!(errors.is_empty());
        let odd = StatusSemantics {
            blocked: vec!["stuck".into()],
            ..StatusSemantics::default()
        };
        odd.check_against("s", &cols, &mut errors);
        assert_eq!(errors[0].path, "s.blocked[0]");
    }

    #[test]
    fn boards_come_from_request_then_template_then_defaults() {
        let custom = vec![
            ColumnSpec::new("Todo", None, "todo"),
            ColumnSpec::new("Done", None, "done"),
        ];
        let tpl = vec![ColumnSpec::new("Open", Some(2), "open")];
        let tpl_sem = StatusSemantics {
            initial: vec!["open".into()],
            ..StatusSemantics::default()
        };
        let plan = plan_board(None, None, None).expect("defaults");
        assert_eq!((plan.columns, plan.semantics), (default_columns(), None));
        let plan = plan_board(None, Some((tpl.clone(), Some(tpl_sem.clone()))), None).expect("tpl");
        assert_eq!(
            (plan.columns, plan.semantics),
            (tpl.clone(), Some(tpl_sem.clone()))
        );
        // Custom columns win; the template's semantics do not fit them, so they are derived.
        let plan = plan_board(
            Some(custom.clone()),
            Some((tpl.clone(), Some(tpl_sem))),
            None,
        )
        .expect("custom");
        assert_eq!(plan.columns, custom);
        assert_eq!(plan.semantics.expect("derived").terminal_done, ["done"]);
        let wrong = StatusSemantics {
            blocked: vec!["todo".into()],
            ..StatusSemantics::default()
        };
        let errors = plan_board(None, Some((tpl, None)), Some(wrong)).expect_err("misfit");
        assert_eq!(errors[0].path, "statusSemantics.blocked[0]");
    }
}
