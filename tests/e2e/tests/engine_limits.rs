//! The per-tenant limit of running runs through the real stack: the 6th run of a tenant waits
//! `queued` until one of its five running runs ends; another tenant is not held up meanwhile.

mod engine_support;

use std::time::Duration;

use engine_support::*;
use llm_fake::LlmFake;

#[tokio::test]
async fn the_sixth_run_of_a_tenant_waits_for_a_slot_and_others_are_not_held_up() {
    let fake = LlmFake::start().await;
    let stack = stack(&fake, 0, &[]).await;
    let ada = tenant(&stack, "ada@example.com", &fake, &["engineer"]).await;
    let bob = tenant(&stack, "bob@example.com", &fake, &["engineer"]).await;
    let slow = model();
    fake.script(&slow, slow_completes(6, 3_000));
    create_pipeline(&stack, &ada, &pipeline("slow", &slow, 1)).await;
    let quick = model();
    fake.script(&quick, slow_completes(1, 200));
    create_pipeline(&stack, &bob, &pipeline("quick", &quick, 1)).await;

    let mut runs = Vec::new();
    for i in 0..6 {
        runs.push(start_run(&stack, &ada, "slow", &format!("task {i}")).await);
    }
    let sixth = runs[5].clone();
    for run in &runs[..5] {
        wait_status(&stack, &ada, run, &["running"], Duration::from_secs(10)).await;
    }
    assert_eq!(get_run(&stack, &ada, &sixth).await["status"], "queued");

    // Bob's run starts and ends while Ada's sixth still waits.
    let other = start_run(&stack, &bob, "quick", "not held up").await;
    let done = wait_end(&stack, &bob, &other, Duration::from_secs(20)).await;
    assert_eq!(done["status"], "completed", "{done}");
    let waiting = get_run(&stack, &ada, &sixth).await;
    assert_eq!(waiting["status"], "queued", "{waiting}");

    let mut first_end = i64::MAX;
    for run in &runs[..5] {
        let done = wait_end(&stack, &ada, run, Duration::from_secs(40)).await;
        assert_eq!(done["status"], "completed", "{done}");
        first_end = first_end.min(done["completed_at"].as_i64().expect("completed_at"));
    }
    let done = wait_end(&stack, &ada, &sixth, Duration::from_secs(40)).await;
    assert_eq!(done["status"], "completed", "{done}");
    let rows = attempts(&stack, std::slice::from_ref(&sixth)).await;
    let began = rows[0].started_at.expect("the sixth run's step began");
    assert!(
        began >= first_end,
        "the sixth run began at {began}, before the first run ended at {first_end}"
    );
    eprintln!(
        "the sixth run began {} ms after the first end",
        began - first_end
    );
}
