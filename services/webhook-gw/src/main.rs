fn main() -> std::process::ExitCode {
    kit::cli::main(webhook_gw::SERVICE, webhook_gw::run, webhook_gw::openapi)
}
