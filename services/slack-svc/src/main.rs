fn main() -> std::process::ExitCode {
    kit::cli::main(slack_svc::SERVICE, slack_svc::run, slack_svc::openapi)
}
