//! The agent's tools: `read`, `write`, `edit` and `bash` confined to the workspace ([`fs`],
//! [`bash`]), and `complete` / `fail`, which end the step with structured outputs or an error.
//! Every file a tool creates, modifies or deletes is reported as a `fileChange`: write and edit
//! report their own, bash's are found by comparing the workspace before and after ([`snapshot`]).

pub mod bash;
pub mod fs;
pub mod memory;
pub mod messages;
pub mod services;
pub mod skills;
pub mod snapshot;
pub mod tasks;
pub mod team;
pub mod work_locks;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};
use shared_schemas::runtime::{FileChange, OutputSource, RuntimeMessage};

use crate::emit::{Emitter, now_ms};
use crate::llm::ToolSpec;
use fs::{FsError, Workspace};
use snapshot::Snapshot;
use team::Team;

/// Lines `read` returns when the model names no limit.
const DEFAULT_READ_LINES: usize = 2000;
/// The most text one tool result feeds back to the model.
const RESULT_CAP: usize = 64 << 10;

/// How a tool call ends the step.
#[derive(Debug, Clone, PartialEq)]
pub enum Control {
    Complete {
        outputs: BTreeMap<String, String>,
        summary: Option<String>,
    },
    Fail {
        error: String,
    },
}

/// What a tool answered.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolResult {
    pub content: String,
    pub success: bool,
    pub control: Option<Control>,
}

impl ToolResult {
    fn ok(content: impl Into<String>) -> Self {
        Self {
            content: cap(content.into()),
            success: true,
            control: None,
        }
    }

    fn err(content: impl std::fmt::Display) -> Self {
        Self {
            content: format!("error: {content}"),
            success: false,
            control: None,
        }
    }
}

fn cap(mut text: String) -> String {
    if text.len() > RESULT_CAP {
        let mut end = RESULT_CAP;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push_str("\n[truncated]");
    }
    text
}

pub const NAMES: [&str; 6] = ["read", "write", "edit", "bash", "complete", "fail"];

fn spec(name: &str) -> ToolSpec {
    let (description, parameters) = match name {
        "read" => (
            "Read a text file of the workspace. `offset` is the first line (1-based), `limit` the number of lines.",
            json!({"type": "object", "properties": {"path": {"type": "string"},
                "offset": {"type": "integer"}, "limit": {"type": "integer"}}, "required": ["path"]}),
        ),
        "write" => (
            "Create or overwrite a file of the workspace (missing directories are created).",
            json!({"type": "object", "properties": {"path": {"type": "string"},
                "content": {"type": "string"}}, "required": ["path", "content"]}),
        ),
        "edit" => (
            "Replace the one occurrence of `old` with `new` in a workspace file; `old` must occur exactly once.",
            json!({"type": "object", "properties": {"path": {"type": "string"},
                "old": {"type": "string"}, "new": {"type": "string"}}, "required": ["path", "old", "new"]}),
        ),
        "bash" => (
            "Run a bash command in the workspace directory. Output is capped at 64 KiB.",
            json!({"type": "object", "properties": {"command": {"type": "string"},
                "timeoutSeconds": {"type": "integer"}}, "required": ["command"]}),
        ),
        "complete" => (
            "Finish the task: `outputs` are the named results the pipeline reads, `summary` says what you did.",
            json!({"type": "object", "properties": {"outputs": {"type": "object",
                "additionalProperties": {"type": "string"}}, "summary": {"type": "string"}},
                "required": ["outputs"]}),
        ),
        _ => (
            "Give up on the task, saying why.",
            json!({"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]}),
        ),
    };
    ToolSpec {
        name: name.to_owned(),
        description: description.to_owned(),
        parameters,
    }
}

/// The specs offered for a step: the named tools (all when `names` is empty, as for a chat),
/// and always `complete` and `fail`, without which the step could not end on purpose. The team
/// tools are among them when `team` serves them (their service is configured).
pub fn specs(names: &[String], team: Option<&Team>) -> Vec<ToolSpec> {
    let wanted = |n: &str| names.is_empty() || names.iter().any(|m| m == n);
    let mut specs: Vec<ToolSpec> = NAMES
        .iter()
        .filter(|n| matches!(**n, "complete" | "fail") || wanted(n))
        .map(|n| spec(n))
        .collect();
    if let Some(team) = team {
        specs.extend(
            team.available()
                .filter(|n| wanted(n))
                .filter_map(Team::spec),
        );
    }
    specs
}

/// The tools of one runtime, bound to its workspace.
#[derive(Debug)]
pub struct Toolbox {
    pub workspace: Workspace,
    bash_env: Vec<(String, String)>,
    /// The team tools, when the runtime has an agent, its token and a service to call.
    pub team: Option<Team>,
}

fn str_arg<'a>(args: &'a Value, name: &str) -> Result<&'a str, String> {
    args[name]
        .as_str()
        .ok_or_else(|| format!("`{name}` (a string) is required"))
}

impl Toolbox {
    /// `home` becomes bash's HOME (the workspace when unset); bash gets no other variable of the
    /// runtime's environment but PATH and the agent's granted secrets (`secrets`).
    pub fn new(
        workspace: &std::path::Path,
        home: Option<PathBuf>,
        secrets: &[(String, String)],
    ) -> Result<Self, FsError> {
        let workspace = Workspace::open(workspace)?;
        let root = workspace.root().display().to_string();
        let path = std::env::var("PATH").unwrap_or_else(|_| "/usr/local/bin:/usr/bin:/bin".into());
        let home = home.map_or_else(|| root.clone(), |h| h.display().to_string());
        let mut bash_env = secrets.to_vec();
        bash_env.extend([
            ("PATH".to_owned(), path),
            ("HOME".to_owned(), home),
            ("WORKSPACE_PATH".to_owned(), root),
            ("LANG".to_owned(), "C.UTF-8".to_owned()),
            ("TERM".to_owned(), "dumb".to_owned()),
        ]);
        Ok(Self {
            workspace,
            bash_env,
            team: None,
        })
    }

    /// Runs one call; `args` as the model gave them.
    pub async fn run(
        &self,
        name: &str,
        args: &Value,
        out: &Emitter,
        request_id: &str,
    ) -> ToolResult {
        let result = match name {
            "read" => self.read(args),
            "write" => self.write(args, out),
            "edit" => self.edit(args, out),
            "bash" => return self.bash(args, out, request_id).await,
            "complete" => return complete(args),
            "fail" => {
                let error = args["error"]
                    .as_str()
                    .unwrap_or("the agent gave up")
                    .to_owned();
                return ToolResult {
                    content: error.clone(),
                    success: true,
                    control: Some(Control::Fail { error }),
                };
            }
            other => match &self.team {
                Some(team) => match team.run(other, args, request_id).await {
                    Some(result) => return result,
                    None => Err(format!("unknown tool `{other}`")),
                },
                None => Err(format!("unknown tool `{other}`")),
            },
        };
        result.map_or_else(ToolResult::err, ToolResult::ok)
    }

    fn read(&self, args: &Value) -> Result<String, String> {
        let path = str_arg(args, "path")?;
        let bytes = self.workspace.read(path).map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&bytes);
        let offset = args["offset"].as_u64().unwrap_or(1).max(1) as usize;
        let limit = args["limit"]
            .as_u64()
            .map_or(DEFAULT_READ_LINES, |l| l as usize);
        let lines: Vec<&str> = text.lines().skip(offset - 1).take(limit).collect();
        Ok(lines.join("\n"))
    }

    fn changed(&self, out: &Emitter, path: &str, change: shared_schemas::runtime::FileChangeType) {
        out.send(RuntimeMessage::FileChange(FileChange {
            path: self
                .workspace
                .relative(path)
                .unwrap_or_else(|_| path.to_owned()),
            change_type: change,
            timestamp: now_ms(),
        }));
    }

    fn write(&self, args: &Value, out: &Emitter) -> Result<String, String> {
        let path = str_arg(args, "path")?;
        let content = str_arg(args, "content")?;
        let change = self
            .workspace
            .write(path, content.as_bytes())
            .map_err(|e| e.to_string())?;
        self.changed(out, path, change);
        Ok(format!("wrote {} bytes to {path}", content.len()))
    }

    fn edit(&self, args: &Value, out: &Emitter) -> Result<String, String> {
        let path = str_arg(args, "path")?;
        let (old, new) = (str_arg(args, "old")?, str_arg(args, "new")?);
        if old.is_empty() {
            return Err("`old` must not be empty".into());
        }
        let bytes = self.workspace.read(path).map_err(|e| e.to_string())?;
        let text = String::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_owned())?;
        match text.matches(old).count() {
            0 => return Err("`old` does not occur in the file".into()),
            1 => {}
            n => {
                return Err(format!(
                    "`old` occurs {n} times; give more context to make it unique"
                ));
            }
        }
        let change = self
            .workspace
            .write(path, text.replacen(old, new, 1).as_bytes())
            .map_err(|e| e.to_string())?;
        self.changed(out, path, change);
        Ok(format!("edited {path}"))
    }

    async fn bash(&self, args: &Value, out: &Emitter, request_id: &str) -> ToolResult {
        let Ok(command) = str_arg(args, "command") else {
            return ToolResult::err("`command` (a string) is required");
        };
        let timeout = args["timeoutSeconds"]
            .as_u64()
            .map_or(bash::DEFAULT_TIMEOUT, Duration::from_secs)
            .min(bash::MAX_TIMEOUT);
        let mut on_output = |stderr: bool, data: &str| {
            out.output(request_id, data, OutputSource::Tool, stderr);
        };
        let root = self.workspace.root().to_path_buf();
        let before = self.snapshot().await;
        let ran = bash::run(&root, &self.bash_env, command, timeout, &mut on_output).await;
        if ran.is_ok() {
            let after = self.snapshot().await;
            if before.cut || after.cut {
                tracing::info!(
                    "the workspace is larger than one listing: this command's file changes are not reported"
                );
            }
            for (path, change) in before.changes(&after) {
                self.changed(out, &path, change);
            }
        }
        match ran {
            Err(e) => ToolResult::err(format!("could not start bash: {e}")),
            Ok(o) if o.timed_out => ToolResult {
                content: cap(format!(
                    "{}\n[timed out after {}s]",
                    o.output,
                    timeout.as_secs()
                )),
                success: false,
                control: None,
            },
            Ok(o) => {
                let mut content = o.output;
                if o.truncated {
                    content.push_str("\n[output truncated at 64 KiB]");
                }
                let code = o.exit_code.unwrap_or(-1);
                content.push_str(&format!("\n[exit code {code}]"));
                ToolResult {
                    content: cap(content),
                    success: code == 0,
                    control: None,
                }
            }
        }
    }
}

impl Toolbox {
    /// The workspace's files as they are now, listed off the async thread.
    async fn snapshot(&self) -> Snapshot {
        let Ok(dir) = self.workspace.dir().try_clone() else {
            return Snapshot::unknown();
        };
        tokio::task::spawn_blocking(move || Snapshot::take(&dir))
            .await
            .unwrap_or_else(|_| Snapshot::unknown())
    }
}

fn complete(args: &Value) -> ToolResult {
    let outputs: BTreeMap<String, String> = args["outputs"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            (k.clone(), text)
        })
        .collect();
    let summary = args["summary"].as_str().map(str::to_owned);
    ToolResult {
        content: "completed".into(),
        success: true,
        control: Some(Control::Complete { outputs, summary }),
    }
}
