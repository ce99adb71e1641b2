fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt().json().init();
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
