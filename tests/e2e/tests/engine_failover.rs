//! Three engine replicas share the runs of several tenants; one is killed (`kill -9`) while it
//! is in the middle of steps. Every run completes, the lost steps are retried by a survivor, no
//! attempt ever runs twice at once, and no runtime process outlives its engine.

mod engine_support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use engine_support::*;
use llm_fake::LlmFake;

const STEP_DELAY_MS: u64 = 2_500;
const KILLED: &str = "e2e-replica-0";

#[tokio::test]
async fn a_replica_killed_mid_step_costs_one_retry_and_nothing_runs_twice() {
    // Its runtime has reached the fake and waits for the answer.
    scenario(Some(Duration::from_millis(700))).await;
}

#[tokio::test]
async fn a_replica_killed_right_after_claiming_a_step_is_failed_over() {
    // Most likely before its runtime is even registered: only the step sweep sees the attempt.
    scenario(None).await;
}

/// Kills replica 0 `after` it is seen running an attempt (at once with `None`).
async fn scenario(after: Option<Duration>) {
    let fake = LlmFake::start().await;
    let mut stack = stack(&fake, 2, &[]).await;
    let tenants = [
        tenant(&stack, "ada@example.com", &fake, &["engineer"]).await,
        tenant(&stack, "bob@example.com", &fake, &["engineer"]).await,
    ];
    // Each run has its own pipeline and model, so the fake's record tells the runs apart.
    let mut runs: Vec<(usize, String, String)> = Vec::new();
    for (ti, t) in tenants.iter().enumerate() {
        for i in 0..3 {
            let model = model();
            fake.script(&model, slow_completes(8, STEP_DELAY_MS));
            let id = format!("slow-{i}");
            create_pipeline(&stack, t, &pipeline(&id, &model, 2)).await;
            let run = start_run(&stack, t, &id, &format!("task {ti}-{i}")).await;
            runs.push((ti, run, model));
        }
    }
    let ids: Vec<String> = runs.iter().map(|(_, r, _)| r.clone()).collect();

    // Wait until the replica to be killed is mid-step (its runtime is waiting on the fake).
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let busy: Vec<AttemptRow> = attempts(&stack, &ids)
            .await
            .into_iter()
            .filter(|a| a.status == "running" && a.instance.as_deref() == Some(KILLED))
            .collect();
        if !busy.is_empty() && busy.iter().all(|a| a.started_at.is_some()) {
            break;
        }
        assert!(Instant::now() < deadline, "replica 0 never ran a step");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    if let Some(after) = after {
        tokio::time::sleep(after).await;
    }
    stack.replicas.kill(0);
    let killed_at = now_ms();

    let deadline = Instant::now() + Duration::from_secs(60);
    for (ti, run, _) in &runs {
        loop {
            let done = get_run(&stack, &tenants[*ti], run).await;
            if done["status"] == "completed" {
                break;
            }
            assert!(
                Instant::now() < deadline && done["status"] == "running",
                "{run} is {}; attempts: {:#?}",
                done["status"],
                attempts(&stack, &ids).await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    wait_no_runtimes(&stack, Duration::from_secs(5)).await;

    let all = attempts(&stack, &ids).await;
    // No (run, step) ever had two attempts running at once.
    let mut by_step: BTreeMap<(String, String), Vec<&AttemptRow>> = BTreeMap::new();
    for a in &all {
        by_step
            .entry((a.run.clone(), a.step.clone()))
            .or_default()
            .push(a);
    }
    for ((run, step), tries) in &by_step {
        for pair in tries.windows(2) {
            let (earlier, later) = (pair[0], pair[1]);
            let ended = earlier.ended_at.expect("an earlier attempt ended");
            let started = later.started_at.expect("a later attempt started");
            assert!(
                ended <= started,
                "{run}/{step}: attempt {} ran until {ended}, attempt {} began at {started}",
                earlier.attempt,
                later.attempt
            );
        }
        assert_eq!(
            tries.last().map(|a| a.status.as_str()),
            Some("completed"),
            "{run}/{step}: {tries:?}"
        );
    }
    // The attempts the replica had in hand when it died (the kill is instant; one that ended
    // before it recorded its end before it).
    let victims: Vec<&AttemptRow> = all
        .iter()
        .filter(|a| a.instance.as_deref() == Some(KILLED))
        .filter(|a| a.ended_at.is_none_or(|end| end > killed_at))
        .collect();
    assert!(!victims.is_empty(), "replica 0 was killed mid-step");
    // Each killed attempt failed naming the lost replica, and a survivor ran the next one.
    let mut retry_delays = Vec::new();
    for v in &victims {
        let tries = &by_step[&(v.run.clone(), v.step.clone())];
        let lost = tries
            .iter()
            .find(|a| a.attempt == v.attempt)
            .expect("the victim");
        assert_eq!(lost.status, "failed", "{lost:?}");
        let error = lost.error.as_deref().unwrap_or_default();
        assert!(
            error.contains(KILLED),
            "the error names the replica: {error}"
        );
        let next = tries
            .iter()
            .find(|a| a.attempt == v.attempt + 1)
            .unwrap_or_else(|| panic!("no retry of {v:?}"));
        assert_ne!(next.instance.as_deref(), Some(KILLED), "{next:?}");
        assert_eq!(next.status, "completed", "{next:?}");
        retry_delays.push(next.started_at.unwrap_or_default() - killed_at);
    }
    let errors: std::collections::BTreeSet<&str> =
        victims.iter().filter_map(|v| v.error.as_deref()).collect();
    eprintln!(
        "killed {KILLED} with {} step(s) in flight; their retries began {retry_delays:?} ms after the kill; {errors:?}",
        victims.len()
    );
    // The fake saw one request per attempt, each inside its own attempt's running interval: no
    // runtime of a lost attempt kept working next to its retry.
    for (_, run, model) in &runs {
        let requests = fake.requests(model);
        let tries: Vec<&AttemptRow> = all.iter().filter(|a| &a.run == run).collect();
        let started = tries.iter().filter(|a| a.started_at.is_some()).count();
        assert!(
            requests.len() <= started,
            "{run}: {} requests, {started} attempts",
            requests.len()
        );
        for a in &tries {
            let (Some(from), Some(to)) = (a.started_at, a.ended_at) else {
                continue;
            };
            let inside = requests
                .iter()
                .filter(|r| {
                    let at = i64::try_from(r.at_ms).unwrap_or(i64::MAX);
                    at >= from && at <= to
                })
                .count();
            let expected = usize::from(a.status == "completed");
            assert!(
                inside <= 1 && inside >= expected,
                "{run}/{}#{}: {inside} LLM requests in its interval",
                a.step,
                a.attempt
            );
        }
    }
}
