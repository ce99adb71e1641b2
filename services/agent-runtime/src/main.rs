fn main() -> std::process::ExitCode {
    if !die_with_parent() {
        return std::process::ExitCode::FAILURE;
    }
    // RUST_LOG from the engine, else info; the output is the step's log.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .init();
    let outcome = agent_runtime::RuntimeConfig::from_env().and_then(|cfg| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(agent_runtime::run(cfg))
    });
    match outcome {
        Ok(code) => std::process::ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(err) => {
            tracing::error!(error = format!("{err:#}"), "runtime failed");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The engine that started this runtime is its parent. When the engine dies, even by SIGKILL, the
/// kernel kills the runtime too, so no step goes on working for an engine that can no longer
/// record its result. The replica that retries the step starts a fresh runtime. Returns false
/// when the parent was already gone, because then the runtime has been handed to init.
fn die_with_parent() -> bool {
    let parent = rustix::process::getppid();
    if let Err(err) =
        rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::KILL))
    {
        eprintln!("agent-runtime: cannot follow its parent's death: {err}");
    }
    rustix::process::getppid() == parent
}
