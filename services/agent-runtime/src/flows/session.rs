//! One session with the engine: subscribe to the command channel first, then report `ready` on
//! the runtime stream (commands sent before a subscription are lost), take one request at a time
//! and stop on `shutdown`.
//!
//! Every accepted request gets, in this order, `busy`, `stepStart`, its deltas and tool events,
//! exactly one `stepEnd` and exactly one `idle`: the request's work runs in a task that only
//! returns an [`Outcome`], and this loop alone writes `stepEnd`/`idle` — when the task ends, when
//! `abort` or `shutdown` cancels it, or when the step timeout drops it.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use secrecy::ExposeSecret;
use shared_schemas::runtime::{
    ContextUsage, RuntimeBusy, RuntimeCommand, RuntimeError, RuntimeIdle, RuntimeMessage, StepEnd,
    StepStart,
};
use tokio::task::JoinHandle;

use crate::calls::CallLog;
use crate::config::RuntimeConfig;
use crate::domain::protocol;
use crate::emit::{self, Emitter, now_ms};
use crate::flows::request::{Outcome, Runtime, initial_history};
use crate::llm::{Llm, RetryPolicy};
use crate::tls;
use crate::tools::Toolbox;
use crate::tools::services::Services;
use crate::tools::team::Team;

/// The request in flight.
struct Current {
    request_id: String,
    step_number: u32,
    task: JoinHandle<Outcome>,
}

/// Cancels a request's task (its LLM stream is dropped, its bash group killed) and returns the
/// outcome it reached if it ended first, else a failure saying `why`.
async fn cancel(mut task: JoinHandle<Outcome>, why: &str) -> Outcome {
    task.abort();
    match (&mut task).await {
        Ok(outcome) => outcome,
        Err(_) => Outcome::failed(why, why),
    }
}

fn end(out: &Emitter, request_id: String, step_number: u32, outcome: Outcome) {
    tracing::info!(
        request_id,
        step_number,
        success = outcome.success,
        result = outcome.result.chars().take(200).collect::<String>(),
        "request ended"
    );
    out.send(RuntimeMessage::StepEnd(StepEnd {
        request_id: request_id.clone(),
        step_number,
        result: outcome.result,
        success: outcome.success,
        explicit_completion: outcome.explicit_completion,
        outputs: outcome.outputs,
        structured: outcome.structured,
        error: outcome.error,
        usage: outcome.usage,
        timestamp: now_ms(),
    }));
    out.send(RuntimeMessage::Idle(RuntimeIdle {
        run_id: out.run.clone(),
        request_id: Some(request_id),
        timestamp: now_ms(),
    }));
}

fn error(out: &Emitter, code: &str, message: String, request_id: Option<&str>) {
    out.send(RuntimeMessage::Error(RuntimeError {
        run_id: out.run.clone(),
        message,
        code: Some(code.to_owned()),
        request_id: request_id.map(str::to_owned),
        timestamp: now_ms(),
    }));
}

/// Runs the protocol until a `shutdown` command; returns the process exit code. An error (Redis
/// gone, the stream unwritable) ends the process non-zero, which the engine sees as a crash.
pub async fn run(cfg: RuntimeConfig) -> anyhow::Result<i32> {
    let client = tls::redis_client(cfg.redis_url.expose_secret(), cfg.redis_ca_cert.as_deref())?;
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub
        .subscribe(cfg.keys.run_commands(&cfg.tenant, &cfg.run))
        .await?;
    // A failed XADD ends the runtime (the stream must not lose a message, and a blind retry
    // could write one twice), so the writer waits longer than redis-rs's default 500 ms.
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(5)))
        .set_response_timeout(Some(Duration::from_secs(15)));
    let conn = client
        .get_multiplexed_async_connection_with_config(&config)
        .await?;
    let stream = cfg.keys.run_runtime(&cfg.tenant, &cfg.run);
    let (out, mut writer) = emit::spawn_writer(conn, stream, cfg.run.clone());
    let (calls, calls_task) = call_log(&cfg);
    let mut tools = Toolbox::new(&cfg.workspace, cfg.home.clone(), &cfg.tool_env)?;
    tools.team = team(&cfg)?;
    let runtime = Arc::new(Runtime {
        llm: Llm::new(RetryPolicy::default(), cfg.outbound_allow.clone())?,
        tools,
        history: Mutex::new(initial_history(&cfg)),
        out: out.clone(),
        calls,
        cfg,
    });
    // SIGTERM (the engine stopping the runtime, right after `shutdown`) ends it like `shutdown`:
    // the request is aborted with its stepEnd, and the queues drain, instead of dying mid-write.
    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let code = serve(&runtime, pubsub, term, &mut writer).await;
    // Let the writer drain what is queued (`exiting` included) before the process ends, and
    // the call log send its last records (bounded: it never holds the exit up for long).
    drop(runtime);
    drop(out);
    if let Some(task) = calls_task
        && tokio::time::timeout(CALL_LOG_DRAIN, task).await.is_err()
    {
        tracing::warn!("LLM call records still queued at exit are dropped");
    }
    let code = code?;
    match tokio::time::timeout(Duration::from_secs(5), writer).await {
        Ok(Ok(Ok(()))) => Ok(code),
        Ok(Ok(Err(e))) => Err(e.context("writing the runtime stream")),
        _ => anyhow::bail!("the runtime stream writer did not finish"),
    }
}

/// The team tools of `cfg`: none without an agent, its token or any service URL (with a line
/// saying so); an unusable URL stops the runtime, as any wrong configuration does.
fn team(cfg: &RuntimeConfig) -> anyhow::Result<Option<Team>> {
    let services = Services::new(
        cfg.agent_token.as_ref(),
        cfg.agent_svc_url.as_deref(),
        cfg.memory_svc_url.as_deref(),
        cfg.project_svc_url.as_deref(),
    )?;
    let (Some(services), Some(agent)) = (services, cfg.agent.clone()) else {
        tracing::info!("no team tools: AGENT_API_TOKEN or AGENT_ID is unset");
        return Ok(None);
    };
    let team = Team::new(services, agent, cfg.run.clone(), cfg.chat_session.clone());
    let offered: Vec<&str> = team.available().collect();
    tracing::info!(tools = offered.join(","), "team tools");
    Ok(Some(team))
}

/// How long the call log may take to send what is queued when the runtime stops.
const CALL_LOG_DRAIN: Duration = Duration::from_secs(5);

/// The call log of `cfg`'s target: disabled (with a line saying why) when the engine gave none
/// or the runtime has no agent, or when the target is unusable — recording never stops a run.
fn call_log(cfg: &RuntimeConfig) -> (CallLog, Option<JoinHandle<()>>) {
    let Some(target) = cfg.call_log.clone().filter(|_| cfg.agent.is_some()) else {
        tracing::info!(
            "LLM calls are not recorded: AGENT_SVC_URL, AGENT_API_TOKEN or AGENT_ID is unset"
        );
        return (CallLog::disabled(), None);
    };
    let url = target.agent_svc_url.clone();
    match CallLog::start(target) {
        Ok((log, task)) => {
            tracing::info!(agent_svc = url, "LLM calls are recorded in agent-svc");
            (log, Some(task))
        }
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "LLM calls are not recorded");
            (CallLog::disabled(), None)
        }
    }
}

async fn serve(
    rt: &Arc<Runtime>,
    pubsub: redis::aio::PubSub,
    mut term: tokio::signal::unix::Signal,
    writer: &mut JoinHandle<anyhow::Result<()>>,
) -> anyhow::Result<i32> {
    let out = &rt.out;
    let run_id = rt.cfg.run.clone();
    let mut model = rt.cfg.model.clone();
    let mut accepted: HashSet<String> = HashSet::new();
    let mut steps = 0u32;
    let mut current: Option<Current> = None;
    out.send(protocol::ready(&run_id, now_ms()));
    tracing::info!(run = run_id.as_str(), "runtime ready");
    let mut messages = pubsub.into_on_message();
    loop {
        tokio::select! {
            msg = messages.next() => {
                let Some(msg) = msg else {
                    anyhow::bail!("the Redis subscription closed before shutdown");
                };
                let payload: String = msg.get_payload().unwrap_or_default();
                let command = match protocol::decode(&payload, &run_id, now_ms()) {
                    Ok(command) => command,
                    Err(reply) => {
                        out.send(RuntimeMessage::Error(reply));
                        continue;
                    }
                };
                match command {
                    RuntimeCommand::Shutdown(_) => return Ok(stop(out, current.take()).await),
                    RuntimeCommand::Abort(abort) => {
                        match current.take() {
                            Some(cur) if cur.request_id == abort.request_id => {
                                let outcome = cancel(cur.task, "aborted").await;
                                end(out, cur.request_id, cur.step_number, outcome);
                            }
                            // Not in flight (done already, or never ours): nothing to stop.
                            other => current = other,
                        }
                    }
                    RuntimeCommand::ChangeModel(change) => match rt.cfg.providers.resolve(&change.model) {
                        Ok(_) => model = Some(change.model),
                        Err(e) => error(out, "unknown_model", e, None),
                    },
                    RuntimeCommand::GetContextUsage(query) => {
                        let used = rt.used_tokens();
                        let window = rt.cfg.context_window.max(1);
                        out.send(RuntimeMessage::ContextUsage(ContextUsage {
                            request_id: Some(query.request_id),
                            used_tokens: used,
                            context_window: window,
                            percent: (used as f64 * 100.0 / window as f64 * 10.0).round() / 10.0,
                            model: model.clone(),
                            timestamp: now_ms(),
                        }));
                    }
                    request => {
                        let request_id = request.request_id().unwrap_or_default().to_owned();
                        if accepted.contains(&request_id) {
                            // A resend of a request already acknowledged with `busy`.
                            tracing::debug!(request_id, "duplicate request ignored");
                            continue;
                        }
                        if let Some(cur) = &current {
                            error(out, "busy", format!("request {} is in flight", cur.request_id), Some(&request_id));
                            continue;
                        }
                        tracing::info!(request_id, "request accepted");
                        accepted.insert(request_id.clone());
                        steps += 1;
                        out.send(RuntimeMessage::Busy(RuntimeBusy {
                            run_id: run_id.clone(),
                            request_id: request_id.clone(),
                            timestamp: now_ms(),
                        }));
                        out.send(RuntimeMessage::StepStart(StepStart {
                            request_id: request_id.clone(),
                            step_number: steps,
                            timestamp: now_ms(),
                        }));
                        current = Some(Current {
                            request_id,
                            step_number: steps,
                            task: tokio::spawn(work(rt.clone(), request, model.clone())),
                        });
                    }
                }
            }
            outcome = async { (&mut current.as_mut()?.task).await.ok() }, if current.is_some() => {
                if let Some(cur) = current.take() {
                    let outcome = outcome.unwrap_or_else(|| Outcome::failed("internal error", "the request task panicked"));
                    end(out, cur.request_id, cur.step_number, outcome);
                }
            }
            _ = term.recv() => {
                tracing::info!("SIGTERM: stopping as for shutdown");
                return Ok(stop(out, current.take()).await);
            }
            result = &mut *writer => {
                let reason = match result {
                    Ok(Err(e)) => format!("{e:#}"),
                    _ => "the writer stopped".to_owned(),
                };
                anyhow::bail!("the runtime stream cannot be written: {reason}");
            }
        }
    }
}

/// Ends the request in flight (with its `stepEnd` and `idle`) and says `exiting`; the exit code.
async fn stop(out: &Emitter, current: Option<Current>) -> i32 {
    if let Some(cur) = current {
        let outcome = cancel(cur.task, "aborted").await;
        end(out, cur.request_id, cur.step_number, outcome);
    }
    out.send(protocol::exiting(&out.run, 0, now_ms()));
    0
}

/// The request's work, bounded by the step timeout.
async fn work(rt: Arc<Runtime>, request: RuntimeCommand, model: Option<String>) -> Outcome {
    let timeout = rt.cfg.step_timeout;
    let job = async move {
        match request {
            RuntimeCommand::AgentStep(step) => rt.agent_step(step, model).await,
            RuntimeCommand::StructuredOutput(req) => rt.structured(req, model).await,
            RuntimeCommand::Tool(cmd) => rt.tool(cmd).await,
            RuntimeCommand::CompactSession(cmd) => rt.compact(cmd, model).await,
            _ => Outcome::failed("not a request", "unsupported_command"),
        }
    };
    match timeout {
        Some(limit) => tokio::time::timeout(limit, job).await.unwrap_or_else(|_| {
            Outcome::failed(
                "timeout",
                format!("the step did not finish within {} ms", limit.as_millis()),
            )
        }),
        None => job.await,
    }
}
