//! Request and response types of `/v1/agents/templates` and `/v1/agents/{id}/clone` (spec §4.1).

use kit::error::FieldError;
use kit::extract::Validate;
use serde::{Deserialize, Serialize};

use crate::domain::agent_config::AgentRuntimeConfig;
use crate::domain::validate::{self, MAX_NAME, finish};
use crate::store::agents::PersonaFile;
use crate::store::templates::TemplateRow;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TemplateOut {
    pub id: String,
    pub name: String,
    pub emoji: Option<String>,
    pub role: Option<String>,
    pub description: String,
    pub persona_files: Vec<String>,
    pub config: AgentRuntimeConfig,
}

impl From<&TemplateRow> for TemplateOut {
    fn from(t: &TemplateRow) -> Self {
        let files = t.files();
        Self {
            id: t.id.clone(),
            name: t.name.clone(),
            emoji: t.emoji.clone(),
            role: t.role.clone(),
            description: t.description.clone(),
            persona_files: PersonaFile::ALL
                .into_iter()
                .filter(|f| files[*f as usize].is_some())
                .map(PersonaFile::file_name)
                .collect(),
            config: t.config(),
        }
    }
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CloneAgent {
    /// Defaults to the template's (or source agent's) name.
    pub name: Option<String>,
    /// Defaults to one made from the name; 409 `slug_taken` if the tenant has it.
    pub slug: Option<String>,
}

impl Validate for CloneAgent {
    fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Some(name) = &self.name {
            validate::name("name", name, MAX_NAME, &mut errors);
        }
        if let Some(slug) = &self.slug {
            validate::slug("slug", slug, &mut errors);
        }
        finish(errors)
    }
}
