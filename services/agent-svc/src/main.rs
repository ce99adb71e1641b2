fn main() -> std::process::ExitCode {
    kit::cli::main(agent_svc::SERVICE, agent_svc::run, agent_svc::openapi)
}
