//! The team tools: what makes the agent part of its team beside its workspace. Memory
//! (`remember`, `recall`, `share_knowledge`, [`memory`](super::memory)), messages to other
//! agents (`message_agent`, [`messages`](super::messages)), work locks (`acquire_work_lock`,
//! `release_work_lock`, [`work_locks`](super::work_locks)), project tasks (`list_tasks`,
//! `claim_task`, `transition_task`, `comment_task`, [`tasks`](super::tasks)) and skills
//! (`load_skill` and the manifest in the system prompt, [`skills`](super::skills)).
//!
//! Each calls a platform service as the agent ([`Services`]); a tool is offered only when the
//! engine gave its service's URL (and the agent's token). Results are short text for the model;
//! a refused or failed call is an error result, never a crash.

use serde_json::Value;
use shared_schemas::ids::{AgentId, RunId};
use tokio::sync::OnceCell;

use super::services::{Failure, Services, Svc};
use super::{ToolResult, memory, messages, skills, tasks, work_locks};
use crate::llm::ToolSpec;

/// Every team tool and the service it needs.
pub const TOOLS: [(&str, Svc); 11] = [
    ("remember", Svc::Memory),
    ("recall", Svc::Memory),
    ("share_knowledge", Svc::Memory),
    ("message_agent", Svc::Agent),
    ("acquire_work_lock", Svc::Agent),
    ("release_work_lock", Svc::Agent),
    ("list_tasks", Svc::Project),
    ("claim_task", Svc::Project),
    ("transition_task", Svc::Project),
    ("comment_task", Svc::Project),
    ("load_skill", Svc::Agent),
];

/// Who the tools act as, and the clients they call with.
#[derive(Debug)]
pub struct Team {
    pub services: Services,
    pub agent: AgentId,
    pub run: RunId,
    /// The chat session, for chats.
    pub session: Option<String>,
    /// The skills block of the system prompt, fetched once (`None` when there is none).
    skills: OnceCell<Option<String>>,
}

/// A tool's error result from a service failure.
pub fn failed(what: &str, f: &Failure) -> ToolResult {
    ToolResult::err(format!("{what}: {f}"))
}

/// The string argument `name`, trimmed, non-empty.
pub fn text<'a>(args: &'a Value, name: &str) -> Result<&'a str, ToolResult> {
    args[name]
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ToolResult::err(format!("`{name}` (a non-empty string) is required")))
}

impl Team {
    pub fn new(services: Services, agent: AgentId, run: RunId, session: Option<String>) -> Self {
        Self {
            services,
            agent,
            run,
            session,
            skills: OnceCell::new(),
        }
    }

    /// The team tools this runtime can serve.
    pub fn available(&self) -> impl Iterator<Item = &'static str> + '_ {
        TOOLS
            .iter()
            .filter(|(_, svc)| self.services.has(*svc))
            .map(|(name, _)| *name)
    }

    /// The spec of the team tool `name`.
    pub fn spec(name: &str) -> Option<ToolSpec> {
        let (description, parameters) = memory::spec(name)
            .or_else(|| messages::spec(name))
            .or_else(|| work_locks::spec(name))
            .or_else(|| tasks::spec(name))
            .or_else(|| skills::spec(name))?;
        Some(ToolSpec {
            name: name.to_owned(),
            description: description.to_owned(),
            parameters,
        })
    }

    /// Runs the team tool `name`; `None` when it is not one this runtime serves.
    pub async fn run(&self, name: &str, args: &Value, request_id: &str) -> Option<ToolResult> {
        if !self.available().any(|n| n == name) {
            return None;
        }
        Some(match name {
            "remember" => memory::remember(self, args).await,
            "recall" => memory::recall(self, args, request_id).await,
            "share_knowledge" => memory::share_knowledge(self, args).await,
            "message_agent" => messages::message_agent(self, args, request_id).await,
            "acquire_work_lock" => work_locks::acquire(self, args, request_id).await,
            "release_work_lock" => work_locks::release(self, args).await,
            "list_tasks" => tasks::list(self, args).await,
            "claim_task" => tasks::claim(self, args).await,
            "transition_task" => tasks::transition(self, args).await,
            "comment_task" => tasks::comment(self, args).await,
            _ => skills::load(self, args).await,
        })
    }

    /// The skills block for the system prompt, fetched from agent-svc on first use.
    pub async fn skills_prompt(&self) -> Option<&str> {
        if !self.services.has(Svc::Agent) {
            return None;
        }
        self.skills
            .get_or_init(|| skills::manifest(self))
            .await
            .as_deref()
    }
}
