fn main() -> std::process::ExitCode {
    kit::cli::main(memory_svc::SERVICE, memory_svc::run, memory_svc::openapi)
}
