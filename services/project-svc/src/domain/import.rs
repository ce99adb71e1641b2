//! Rules of a bulk import (planner output): every field bounded, and every dependency naming
//! exactly one other task of the same import, by its index in the list or by its title.

use kit::error::FieldError;
use serde::Deserialize;

use crate::domain::validate::{MAX_DESCRIPTION, MAX_TITLE, err, name};

pub const MAX_TASKS: usize = 500;
pub const MAX_DEPENDS_ON: usize = 100;
pub const MAX_TAGS: usize = 32;
pub const MAX_TAG: usize = 64;
pub const MAX_HOURS: f64 = 10_000.0;
pub const PRIORITIES: [&str; 4] = ["P0", "P1", "P2", "P3"];

/// Another task of the same import: its 0-based index in `tasks`, or its exact title.
#[derive(Debug, Clone, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum TaskRef {
    Index(u64),
    Title(String),
}

/// One task of an import as the rules need it.
pub struct Draft<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub priority: Option<&'a str>,
    pub estimated_hours: Option<f64>,
    pub tags: &'a [String],
    pub depends_on: &'a [TaskRef],
}

/// Field errors of every task, with paths like `tasks[3].dependsOn[0]`.
pub fn check(drafts: &[Draft<'_>]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if drafts.is_empty() || drafts.len() > MAX_TASKS {
        errors.push(err("tasks", format!("must hold 1 to {MAX_TASKS} tasks")));
        return errors;
    }
    for (i, d) in drafts.iter().enumerate() {
        let at = |field: &str| format!("tasks[{i}].{field}");
        name(&at("title"), d.title, MAX_TITLE, &mut errors);
        if d.description.len() > MAX_DESCRIPTION {
            errors.push(err(
                &at("description"),
                format!("must be at most {MAX_DESCRIPTION} bytes"),
            ));
        }
        if d.priority.is_some_and(|p| !PRIORITIES.contains(&p)) {
            errors.push(err(&at("priority"), "must be P0, P1, P2 or P3"));
        }
        if d.estimated_hours
            .is_some_and(|h| !(0.0..=MAX_HOURS).contains(&h))
        {
            errors.push(err(
                &at("estimatedHours"),
                format!("must be between 0 and {MAX_HOURS}"),
            ));
        }
        let bad_tag = |t: &String| t.trim().is_empty() || t.chars().count() > MAX_TAG;
        if d.tags.len() > MAX_TAGS || d.tags.iter().any(bad_tag) {
            errors.push(err(
                &at("tags"),
                format!("at most {MAX_TAGS} tags of 1 to {MAX_TAG} characters"),
            ));
        }
        if d.depends_on.len() > MAX_DEPENDS_ON {
            errors.push(err(
                &at("dependsOn"),
                format!("at most {MAX_DEPENDS_ON} entries"),
            ));
        }
    }
    if errors.is_empty()
        && let Err(more) = edges(drafts)
    {
        errors.extend(more);
    }
    errors
}

/// The import's edges `(from, to)` by index: each task depends on what it names. Refuses a
/// reference to nothing, to itself, or to a title several tasks share.
pub fn edges(drafts: &[Draft<'_>]) -> Result<Vec<(usize, usize)>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut edges = Vec::new();
    for (to, d) in drafts.iter().enumerate() {
        for (k, r) in d.depends_on.iter().enumerate() {
            let path = format!("tasks[{to}].dependsOn[{k}]");
            let from = match r {
                TaskRef::Index(i) => usize::try_from(*i).ok().filter(|&i| i < drafts.len()),
                TaskRef::Title(title) => {
                    let mut named = drafts
                        .iter()
                        .enumerate()
                        .filter(|(_, o)| o.title.trim() == title.trim())
                        .map(|(i, _)| i);
                    match (named.next(), named.next()) {
                        (Some(i), None) => Some(i),
                        (Some(_), Some(_)) => {
                            errors.push(err(&path, "several tasks have this title; use an index"));
                            continue;
                        }
                        _ => None,
                    }
                }
            };
            match from {
                None => errors.push(err(&path, "names no task of this import")),
                Some(from) if from == to => {
                    errors.push(err(&path, "a task cannot depend on itself"))
                }
                Some(from) if !edges.contains(&(from, to)) => edges.push((from, to)),
                Some(_) => {}
            }
        }
    }
    if errors.is_empty() {
        Ok(edges)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft<'a>(title: &'a str, deps: &'a [TaskRef]) -> Draft<'a> {
        Draft {
            title,
            description: "",
            priority: None,
            estimated_hours: None,
            tags: &[],
            depends_on: deps,
        }
    }

    #[test]
    fn references_resolve_by_index_or_title_once() {
        let b = [TaskRef::Index(0), TaskRef::Title("a".into())];
        let drafts = [draft("a", &[]), draft("b", &b)];
        assert_eq!(edges(&drafts), Ok(vec![(0, 1)]));
    }

    #[test]
    fn unknown_self_and_ambiguous_references_are_field_errors() {
        let deps = [
            TaskRef::Index(9),
            TaskRef::Title("nope".into()),
            TaskRef::Index(1),
            TaskRef::Title("twin".into()),
        ];
        let drafts = [draft("twin", &[]), draft("x", &deps), draft("twin", &[])];
        let paths: Vec<String> = edges(&drafts)
            .expect_err("refused")
            .into_iter()
            .map(|e| e.path)
            .collect();
        let want: Vec<String> = (0..4).map(|k| format!("tasks[1].dependsOn[{k}]")).collect();
        assert_eq!(paths, want);
    }

    #[test]
    fn bounds_are_checked_per_task() {
        let mut d = draft(" ", &[]);
        d.priority = Some("P9");
        d.estimated_hours = Some(-1.0);
        let errors = check(&[d]);
        let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "tasks[0].title",
                "tasks[0].priority",
                "tasks[0].estimatedHours"
            ]
        );
        assert_eq!(check(&[])[0].path, "tasks");
    }
}
