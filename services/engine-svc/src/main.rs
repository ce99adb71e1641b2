fn main() -> std::process::ExitCode {
    kit::cli::main(engine_svc::SERVICE, engine_svc::run, engine_svc::openapi)
}
