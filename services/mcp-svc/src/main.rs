fn main() -> std::process::ExitCode {
    kit::cli::main(mcp_svc::SERVICE, mcp_svc::run, mcp_svc::openapi)
}
