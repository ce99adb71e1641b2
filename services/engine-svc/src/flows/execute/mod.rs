//! Running one step attempt (ARCHITECTURE §6): take the run's lease, claim the attempt with the
//! lease's fencing token, start the agent's runtime, send it the step, relay its live output,
//! record its result (which moves the run on) and stop the runtime.
//!
//! The lease is renewed for as long as the attempt runs. A replica that loses it (paused by GC,
//! cut off from Redis) stops its runtime and records nothing: its fence is no longer the
//! attempt's, so `finish_attempt` would refuse it anyway. A replica that dies mid-step leaves a
//! `running` attempt whose owner has no liveness key; the step sweep retries it (one retry is
//! what a lost replica costs).

pub mod agent_env;
pub(crate) mod prepare;
pub mod relay;
pub mod takeover;
mod watch;

use std::sync::Arc;
use std::time::{Duration, Instant};

use bus::lease::{Heartbeat, Lease};
use kit::ApiError;
use shared_schemas::events::EventEnvelope;
use shared_schemas::ids::{RunId, StepId, TenantId};
use shared_schemas::pipeline::OutputMethod;
use shared_schemas::runtime::{
    Abort, AgentStep, RuntimeCommand, Shutdown, StructuredOutputRequest,
};
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::domain::outputs::StepResult;
use crate::flows::steps::{self, Finished, StepWork};
use crate::runtimes::RuntimeKind;
use crate::runtimes::service::{Runtimes, StartRuntime};
use crate::runtimes::session::{RuntimeSession, SessionError};
use agent_env::AgentEnv;
use prepare::Prepared;
use relay::{Relayed, failure, relay};

/// How long a run lease lasts unless renewed; renewed every third of it.
const LEASE_TTL: Duration = Duration::from_secs(30);
/// How long to wait for a lease another holder is about to release (it records the previous
/// step's result, which queues this one, before it lets go).
const LEASE_WAIT: Duration = Duration::from_secs(20);
/// How long an aborted runtime may take to end its request before it is stopped anyway.
const ABORT_GRACE: Duration = Duration::from_secs(5);

/// How a claimed attempt's work ended.
enum Outcome {
    Result(StepResult),
    /// The run's lease expired or changed hands.
    LeaseLost,
    /// The attempt is no longer running under this fence.
    TakenAway,
}

/// Everything the executor works with.
#[derive(Clone)]
pub struct Executor {
    pub app: AppState,
    pub runtimes: Arc<Runtimes>,
    pub agents: AgentEnv,
    /// `DJINNBOT_API_URL` for the runtime (HAProxy's address).
    pub api_url: String,
}

/// One attempt a STEP_QUEUED event asks for.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub tenant: TenantId,
    pub run: RunId,
    pub step: StepId,
    pub attempt: i32,
}

/// An attempt this replica holds: its lease (kept alive by the heartbeat) and its work.
pub struct Claimed {
    attempt: Attempt,
    lease: Lease,
    heartbeat: Heartbeat,
    work: StepWork,
}

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("run {0} is held by another replica")]
    Busy(RunId),
    #[error(transparent)]
    Api(#[from] ApiError),
    #[error(transparent)]
    Bus(#[from] bus::BusError),
}

impl Executor {
    fn now(&self) -> i64 {
        self.app.platform.clock.now_ms()
    }

    /// Takes the run's lease and claims `a` (queued → running under the lease's fence). `None`
    /// when there is nothing to run: the attempt is not current any more, or the run is not
    /// running. [`ExecError::Busy`] when another replica keeps the run's lease.
    pub async fn claim(
        &self,
        a: Attempt,
        shutdown: &CancellationToken,
    ) -> Result<Option<Claimed>, ExecError> {
        let key = self.app.platform.keys.run_lock(&a.run);
        let holder = self.runtimes.instance_id().to_owned();
        let deadline = Instant::now() + LEASE_WAIT;
        let lease = loop {
            let got = Lease::acquire(
                self.app.platform.redis.clone(),
                &self.app.platform.keys,
                key.clone(),
                holder.clone(),
                LEASE_TTL,
            )
            .await?;
            match got {
                Some(lease) => break lease,
                None if Instant::now() < deadline && !shutdown.is_cancelled() => {
                    // A holder that died mid-step would keep the run for the rest of its TTL.
                    let broken =
                        takeover::break_if_dead(&self.runtimes, &self.app.platform.redis, &key)
                            .await
                            .unwrap_or(false);
                    if !broken {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
                None => return Err(ExecError::Busy(a.run)),
            }
        };
        let fence = i64::try_from(lease.fencing_token()).unwrap_or(i64::MAX);
        let work = steps::begin_attempt(
            &self.app.platform.db,
            &a.tenant,
            a.run.as_str(),
            a.step.as_str(),
            a.attempt,
            fence,
            &holder,
            self.now(),
        )
        .await;
        let work = match work {
            Ok(Some(work)) => work,
            Ok(None) => {
                release(lease).await;
                return Ok(None);
            }
            Err(err) => {
                release(lease).await;
                return Err(err.into());
            }
        };
        let heartbeat = lease.spawn_heartbeat(LEASE_TTL / 3, shutdown.child_token());
        Ok(Some(Claimed {
            attempt: a,
            lease,
            heartbeat,
            work,
        }))
    }

    /// Runs a claimed attempt to its end and records the result.
    pub async fn run(&self, claimed: Claimed) {
        let Claimed {
            attempt: a,
            lease,
            heartbeat,
            work,
        } = claimed;
        let lost = heartbeat.lost();
        let fence = i64::try_from(lease.fencing_token()).unwrap_or(i64::MAX);
        let outcome = tokio::select! {
            result = self.execute(&a, &work) => Outcome::Result(result),
            () = lost.cancelled() => Outcome::LeaseLost,
            () = watch::until_taken_away(&self.app, &a, fence) => Outcome::TakenAway,
        };
        if let Err(err) = self.runtimes.stop(&a.run).await {
            tracing::warn!(run = %a.run, error = %err, "could not stop the step's runtime");
        }
        match outcome {
            Outcome::Result(result) => self.finish(&a, fence, result).await,
            Outcome::LeaseLost => tracing::warn!(run = %a.run, step = %a.step,
                "the run's lease was lost mid-step; the replica that holds it now retries the step"),
            Outcome::TakenAway => tracing::info!(run = %a.run, step = %a.step, attempt = a.attempt,
                "the attempt ended under its runtime (cancelled, restarted or failed over); runtime stopped"),
        }
        heartbeat.stop().await;
        release(lease).await;
    }

    async fn finish(&self, a: &Attempt, fence: i64, result: StepResult) {
        let finished = steps::report(
            &self.app,
            &a.tenant,
            a.run.as_str(),
            a.step.as_str(),
            a.attempt,
            fence,
            result,
        )
        .await;
        match finished {
            Ok(Finished::Stale) => {
                tracing::info!(run = %a.run, step = %a.step, attempt = a.attempt,
                    "the attempt's result came too late (cancelled, restarted or taken over)");
            }
            Ok(_) => {}
            // The attempt stays running; the step sweep fails it over once this replica is gone
            // or it times out, so the run is not stuck.
            Err(err) => tracing::error!(run = %a.run, step = %a.step, error = %err,
                "could not record a step's result"),
        }
    }

    /// Starts the runtime, sends the step and reads it to its end. Never fails: what goes wrong
    /// is the attempt's failure (retried by the pipeline's rules).
    async fn execute(&self, a: &Attempt, work: &StepWork) -> StepResult {
        match self.try_execute(a, work).await {
            Ok(result) => result,
            Err(error) => failure(error),
        }
    }

    async fn try_execute(&self, a: &Attempt, work: &StepWork) -> Result<StepResult, String> {
        let Prepared { agent, model, env } = self.prepare(a, work).await?;
        // A new runtime of the run starts on a fresh stream: the last one's `ready` and
        // messages must not be read as this one's.
        self.clear_stream(a).await.map_err(|e| e.to_string())?;
        self.runtimes
            .start(StartRuntime {
                tenant: a.tenant.clone(),
                run: a.run.clone(),
                agent,
                kind: RuntimeKind::PipelineStep {
                    step_id: a.step.as_str().to_owned(),
                    attempt: a.attempt,
                },
                model: model.clone(),
                env,
                memory_limit_bytes: None,
                cpu_millis: None,
                image: None,
            })
            .await
            .map_err(|e| format!("the runtime could not start: {e}"))?;
        let mut session = RuntimeSession::open(&self.runtimes, &a.tenant, &a.run)
            .await
            .map_err(|e| e.to_string())?;
        session.wait_ready().await.map_err(|e| e.to_string())?;
        let request = format!("{}:{}:{}", a.run, a.step, a.attempt);
        session
            .send(&command(&request, work))
            .await
            .map_err(|e| e.to_string())?;
        let timeout = Duration::from_secs(work.timeout_secs.max(1));
        let mut result =
            match tokio::time::timeout(timeout, self.follow(a, &mut session, &request)).await {
                Ok(result) => result?,
                Err(_) => {
                    let abort = RuntimeCommand::Abort(Abort {
                        request_id: request.clone(),
                        timestamp: now_u64(),
                    });
                    let _ = tokio::time::timeout(ABORT_GRACE, session.send(&abort)).await;
                    failure(format!("the step timed out after {} s", work.timeout_secs))
                }
            };
        let _ = session
            .send(&RuntimeCommand::Shutdown(Shutdown {
                graceful: true,
                timestamp: now_u64(),
            }))
            .await;
        if result.model_used.is_none() {
            result.model_used = model;
        }
        Ok(result)
    }

    /// Reads the request's messages until its end, publishing the live ones.
    async fn follow(
        &self,
        a: &Attempt,
        session: &mut RuntimeSession,
        request: &str,
    ) -> Result<StepResult, String> {
        let publisher = self.app.platform.publisher();
        let mut ended: Option<StepResult> = None;
        let mut last_error: Option<String> = None;
        loop {
            let next = session.next_for(request, Duration::from_secs(3600)).await;
            let message = match next {
                Ok(Some(message)) => message,
                Ok(None) => break,
                Err(SessionError::Ended(status)) => {
                    return Ok(ended.unwrap_or_else(|| {
                        failure(format!(
                            "the runtime ended before the step did ({status:?})"
                        ))
                    }));
                }
                Err(err) => return Err(err.to_string()),
            };
            match relay(&a.step, message) {
                Relayed::Live(event) => {
                    let envelope = EventEnvelope::new(a.tenant.clone(), Some(a.run.clone()), event);
                    if let Err(err) = publisher.publish_live(&a.tenant, &a.run, &envelope).await {
                        tracing::debug!(run = %a.run, error = %err, "a live event was not published");
                    }
                }
                Relayed::End(result) => ended = Some(result),
                Relayed::Error(message) => last_error = Some(message),
                Relayed::Nothing => {}
            }
        }
        Ok(ended.unwrap_or_else(|| {
            failure(
                last_error
                    .unwrap_or_else(|| "the runtime ended the request without a result".into()),
            )
        }))
    }

    async fn clear_stream(&self, a: &Attempt) -> redis::RedisResult<()> {
        redis::cmd("DEL")
            .arg(self.app.platform.keys.run_runtime(&a.tenant, &a.run))
            .query_async::<()>(&mut self.app.platform.redis.clone())
            .await
    }
}

fn command(request: &str, work: &StepWork) -> RuntimeCommand {
    match &work.output_schema {
        Some(schema) => RuntimeCommand::StructuredOutput(StructuredOutputRequest {
            request_id: request.to_owned(),
            prompt: work.prompt.clone(),
            system_prompt: work.system_prompt.clone(),
            output_schema: schema.clone(),
            output_method: work.output_method.or(Some(OutputMethod::ResponseFormat)),
            temperature: None,
            max_output_tokens: None,
            model: work.model.clone(),
            timestamp: now_u64(),
        }),
        None => RuntimeCommand::AgentStep(AgentStep {
            request_id: request.to_owned(),
            prompt: work.prompt.clone(),
            tools: Vec::new(),
            max_steps: work.max_turns,
            attachments: None,
            model: work.model.clone(),
            system_prompt: None,
            timestamp: now_u64(),
        }),
    }
}

fn now_u64() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

async fn release(lease: Lease) {
    if let Err(err) = lease.release().await {
        tracing::debug!(error = %err, "a run lease could not be released; it expires by itself");
    }
}
