//! Rules for a project's own fields: what an update changes (and whether it changes anything,
//! since only real changes are written and announced), and the shape of settings values.

use kit::error::FieldError;
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use sqlx::types::Json;

use crate::domain::validate::err;

/// A project's own fields, as the reference returns them (snake_case).
#[derive(Debug, Clone, PartialEq, Serialize, FromRow, utoipa::ToSchema)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub description: String,
    /// `active`, `completed`, `archived` or `paused`.
    pub status: String,
    pub repository: Option<String>,
    pub default_pipeline_id: Option<String>,
    pub onboarding_context: Option<String>,
    pub slack_channel_id: Option<String>,
    pub slack_notify_user_id: Option<String>,
    pub vision: Option<String>,
    pub template_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub status_semantics: Option<Json<serde_json::Value>>,
    pub workspace_type: Option<String>,
    pub key_user_id: Option<String>,
    pub completed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    Active,
    Completed,
    Archived,
    Paused,
}

impl ProjectStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Completed => "completed",
            Self::Archived => "archived",
            Self::Paused => "paused",
        }
    }
}

/// The changes of `PUT /v1/projects/{id}`; `None` leaves a field as it is, and an empty
/// `repository` or `default_pipeline_id` clears it.
#[derive(Debug, Default)]
pub struct ProjectChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub status: Option<ProjectStatus>,
    pub repository: Option<String>,
    pub default_pipeline_id: Option<String>,
}

/// Applies `changes` to `project` (`touch` tells whether anything changed). `completed_at` is
/// set when the status becomes `completed` and cleared when a completed project is reopened,
/// so it always dates the current completion.
pub fn apply(project: &mut Project, changes: ProjectChanges, now: i64) {
    if let Some(name) = changes.name {
        project.name = name.trim().to_owned();
    }
    if let Some(description) = changes.description {
        project.description = description;
    }
    if let Some(repository) = changes.repository {
        project.repository = non_empty(repository);
    }
    if let Some(pipeline) = changes.default_pipeline_id {
        project.default_pipeline_id = non_empty(pipeline);
    }
    if let Some(status) = changes.status {
        set_status(project, status, now);
    }
}

pub fn set_status(project: &mut Project, status: ProjectStatus, now: i64) {
    if project.status == status.as_str() {
        return;
    }
    project.completed_at = (status == ProjectStatus::Completed).then_some(now);
    project.status = status.as_str().to_owned();
}

/// Sets `updated_at` when `project` differs from `before`; true when it does.
pub fn touch(project: &mut Project, before: &Project, now: i64) -> bool {
    let changed = project != before;
    if changed {
        project.updated_at = now;
    }
    changed
}

/// `""` (and absent) means "none": the reference's way of clearing settings.
pub fn non_empty(value: String) -> Option<String> {
    let trimmed = value.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// A Slack channel or user id (`C0123ABC`, `U0456DEF`): letters, digits, `_` and `-`.
pub fn slack_id(path: &str, value: Option<&str>, errors: &mut Vec<FieldError>) {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return;
    };
    if v.len() > 64
        || !v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        errors.push(err(
            path,
            "must be a Slack id: up to 64 letters, digits, `_` or `-`",
        ));
    }
}

/// A user id of the platform (`usr_…`). Only its form is checked: users live in auth-svc, and
/// the id is used later only within this tenant (runs resolve keys of the tenant's user).
pub fn user_id(path: &str, value: Option<&str>, errors: &mut Vec<FieldError>) {
    let Some(v) = value.filter(|v| !v.is_empty()) else {
        return;
    };
    if v.len() > 64 || shared_schemas::ids::UserId::parse(v).is_err() {
        errors.push(err(path, "must be a user id (`usr_…`) or null"));
    }
}

/// A pipeline id as engine-svc names pipelines (`engineering`, `planning-agentic`). Whether the
/// pipeline exists is engine-svc's to say when a run starts.
pub fn pipeline_id(path: &str, value: Option<&str>, errors: &mut Vec<FieldError>) {
    let Some(v) = value.filter(|v| !v.is_empty()) else {
        return;
    };
    if v.len() > 128 || shared_schemas::ids::PipelineId::parse(v).is_err() {
        errors.push(err(
            path,
            "must be a pipeline id: up to 128 letters, digits, `_` or `-`",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> Project {
        Project {
            id: "prj_a".into(),
            name: "A".into(),
            description: String::new(),
            status: "active".into(),
            repository: Some("https://example.com/a.git".into()),
            default_pipeline_id: None,
            onboarding_context: None,
            slack_channel_id: None,
            slack_notify_user_id: None,
            vision: None,
            template_id: None,
            status_semantics: None,
            workspace_type: None,
            key_user_id: None,
            completed_at: None,
            created_at: 1,
            updated_at: 1,
        }
    }

    fn apply_and_touch(p: &mut Project, changes: ProjectChanges, now: i64) -> bool {
        let before = p.clone();
        apply(p, changes, now);
        touch(p, &before, now)
    }

    #[test]
    fn completing_dates_it_and_reopening_clears_the_date() {
        let mut p = project();
        let done = ProjectChanges {
            status: Some(ProjectStatus::Completed),
            ..ProjectChanges::default()
        };
        assert!(apply_and_touch(&mut p, done, 10));
        assert_eq!((p.completed_at, p.updated_at), (Some(10), 10));
        let again = ProjectChanges {
            status: Some(ProjectStatus::Completed),
            ..ProjectChanges::default()
        };
        assert!(!apply_and_touch(&mut p, again, 20), "no change, no write");
        assert_eq!((p.completed_at, p.updated_at), (Some(10), 10));
        set_status(&mut p, ProjectStatus::Active, 30);
        assert_eq!(p.completed_at, None);
    }

    #[test]
    fn blank_values_clear_and_same_values_change_nothing() {
        let mut p = project();
        let same = ProjectChanges {
            name: Some(" A ".into()),
            repository: Some("https://example.com/a.git".into()),
            ..ProjectChanges::default()
        };
        assert!(!apply_and_touch(&mut p, same, 5));
        let clear = ProjectChanges {
            repository: Some(String::new()),
            ..ProjectChanges::default()
        };
        assert!(apply_and_touch(&mut p, clear, 6));
        assert_eq!(p.repository, None);
    }

    #[test]
    fn settings_values() {
        let mut errors = Vec::new();
        slack_id("c", Some("C0123ABC"), &mut errors);
        slack_id("c", Some(""), &mut errors);
        user_id("u", Some("usr_abc123"), &mut errors);
        user_id("u", None, &mut errors);
        pipeline_id("p", Some("planning-agentic"), &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        slack_id("c", Some("#general"), &mut errors);
        user_id("u", Some("agt_x"), &mut errors);
        user_id("u", Some("usr_a:b"), &mut errors);
        pipeline_id("p", Some("../x"), &mut errors);
        assert_eq!(errors.len(), 4);
    }
}
