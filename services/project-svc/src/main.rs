fn main() -> std::process::ExitCode {
    kit::cli::main(project_svc::SERVICE, project_svc::run, project_svc::openapi)
}
