//! An agent as stored, and its persona files.

use crate::domain::agent_config::AgentRuntimeConfig;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Agent {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub emoji: Option<String>,
    pub role: Option<String>,
    pub description: String,
    pub model: Option<String>,
    pub thinking_level: String,
    pub pulse_enabled: bool,
    pub identity_md: Option<String>,
    pub soul_md: Option<String>,
    pub agents_md: Option<String>,
    pub decision_md: Option<String>,
    pub config_json: String,
    pub slack_config: Option<String>,
    pub status: String,
    pub template_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Agent {
    pub fn config(&self) -> AgentRuntimeConfig {
        AgentRuntimeConfig::from_stored(&self.config_json)
    }
}

/// The persona files an agent has, by the names the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonaFile {
    Identity,
    Soul,
    Agents,
    Decision,
}

impl PersonaFile {
    pub const ALL: [Self; 4] = [Self::Identity, Self::Soul, Self::Agents, Self::Decision];

    /// `IDENTITY`, `IDENTITY.md` (any case of the extension) → the file; anything else → None.
    pub fn parse(name: &str) -> Option<Self> {
        let stem = name.strip_suffix(".md").unwrap_or(name);
        Self::ALL.into_iter().find(|f| f.stem() == stem)
    }

    pub fn stem(self) -> &'static str {
        match self {
            Self::Identity => "IDENTITY",
            Self::Soul => "SOUL",
            Self::Agents => "AGENTS",
            Self::Decision => "DECISION",
        }
    }

    pub fn file_name(self) -> String {
        format!("{}.md", self.stem())
    }

    pub fn of(self, agent: &Agent) -> Option<&str> {
        match self {
            Self::Identity => agent.identity_md.as_deref(),
            Self::Soul => agent.soul_md.as_deref(),
            Self::Agents => agent.agents_md.as_deref(),
            Self::Decision => agent.decision_md.as_deref(),
        }
    }
}
