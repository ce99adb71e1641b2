fn main() -> std::process::ExitCode {
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
