//! Request and response types of `/v1/agents/` (contract §1.3, §7).

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};

use crate::domain::agent_config::AgentRuntimeConfig;
use crate::domain::validate::{self, MAX_DOCUMENT, MAX_NAME, MAX_SHORT, MAX_TEXT, finish};
use crate::store::agents::{Agent, ListedAgent, NewAgent, PersonaFile};

/// An agent as lists show it (contract §7 list item, plus slug, status and times).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgentSummary {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub emoji: Option<String>,
    pub role: Option<String>,
    pub description: String,
    pub persona_files: Vec<String>,
    pub slack_connected: bool,
    /// Notes in the agent's memory vault. memory-svc owns the vaults and does not report a
    /// count to agent-svc yet, so this is 0 until it does.
    pub memory_count: i64,
    pub model: Option<String>,
    pub thinking_level: String,
    pub pulse_enabled: bool,
    pub status: String,
    pub template_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<ListedAgent> for AgentSummary {
    fn from(a: ListedAgent) -> Self {
        Self {
            persona_files: a.persona_files(),
            slack_connected: a.slack_connected,
            memory_count: 0,
            id: a.id,
            slug: a.slug,
            name: a.name,
            emoji: a.emoji,
            role: a.role,
            description: a.description,
            model: a.model,
            thinking_level: a.thinking_level,
            pulse_enabled: a.pulse_enabled,
            status: a.status,
            template_id: a.template_id,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

impl From<&Agent> for AgentSummary {
    fn from(a: &Agent) -> Self {
        Self {
            id: a.id.clone(),
            slug: a.slug.clone(),
            name: a.name.clone(),
            emoji: a.emoji.clone(),
            role: a.role.clone(),
            description: a.description.clone(),
            persona_files: PersonaFile::ALL
                .into_iter()
                .filter(|f| f.of(a).is_some())
                .map(PersonaFile::file_name)
                .collect(),
            // Set by the handlers that read channel credentials; a new agent has none.
            slack_connected: false,
            memory_count: 0,
            model: a.model.clone(),
            thinking_level: a.thinking_level.clone(),
            pulse_enabled: a.pulse_enabled,
            status: a.status.clone(),
            template_id: a.template_id.clone(),
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// One agent: the summary, its persona files by name, a preview of SOUL.md and its config.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgentDetail {
    #[serde(flatten)]
    pub summary: AgentSummary,
    #[schema(value_type = Object)]
    pub files: serde_json::Map<String, serde_json::Value>,
    pub soul_preview: String,
    pub config: AgentRuntimeConfig,
}

impl From<&Agent> for AgentDetail {
    fn from(a: &Agent) -> Self {
        let files = PersonaFile::ALL
            .into_iter()
            .filter_map(|f| f.of(a).map(|c| (f.file_name(), c.into())))
            .collect();
        Self {
            summary: a.into(),
            files,
            soul_preview: a
                .soul_md
                .as_deref()
                .unwrap_or("")
                .chars()
                .take(500)
                .collect(),
            config: a.config(),
        }
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateAgent {
    pub name: String,
    /// Lower-case letters, digits and hyphens, unique in the tenant; made from the name if absent.
    pub slug: Option<String>,
    pub emoji: Option<String>,
    pub role: Option<String>,
    pub description: Option<String>,
    /// Persona files by name: `IDENTITY.md`, `SOUL.md`, `AGENTS.md`, `DECISION.md`.
    #[serde(default)]
    pub files: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    pub config: AgentRuntimeConfig,
}

impl Validate for CreateAgent {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        validate::name("name", &self.name, MAX_NAME, &mut errors);
        if let Some(slug) = &self.slug {
            validate::slug("slug", slug, &mut errors);
        }
        validate::text("emoji", self.emoji.as_deref(), 16, &mut errors);
        validate::text("role", self.role.as_deref(), MAX_SHORT, &mut errors);
        validate::text(
            "description",
            self.description.as_deref(),
            MAX_TEXT,
            &mut errors,
        );
        for (name, content) in &self.files {
            let path = format!("files.{name}");
            if PersonaFile::parse(name).is_none() {
                errors.push(validate::err(
                    &path,
                    "must be IDENTITY.md, SOUL.md, AGENTS.md or DECISION.md",
                ));
            }
            validate::text(&path, Some(content), MAX_DOCUMENT, &mut errors);
        }
        let mut config_errors = Vec::new();
        self.config.validate(&mut config_errors);
        errors.extend(config_errors.into_iter().map(|mut e| {
            e.path = format!("config.{}", e.path);
            e
        }));
        finish(errors)
    }
}

impl CreateAgent {
    pub fn into_new(self) -> NewAgent {
        let mut files: [Option<String>; 4] = Default::default();
        for (name, content) in self.files {
            if let Some(file) = PersonaFile::parse(&name) {
                files[file as usize] = Some(content);
            }
        }
        NewAgent {
            slug: self.slug.unwrap_or_else(|| validate::slugify(&self.name)),
            name: self.name.trim().to_owned(),
            emoji: self.emoji,
            role: self.role,
            description: self.description.unwrap_or_default(),
            files,
            config: self.config,
            template_id: None,
        }
    }
}
