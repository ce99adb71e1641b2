fn main() -> std::process::ExitCode {
    kit::cli::main(sse_relay::SERVICE, sse_relay::run, sse_relay::openapi)
}
