fn main() -> std::process::ExitCode {
    kit::cli::main(auth_svc::SERVICE, auth_svc::run, auth_svc::openapi)
}
