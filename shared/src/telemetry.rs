//! JSON logs through `tracing`, as CloudWatch expects them from a Lambda function.

/// Installs a JSON `tracing` subscriber (level from `RUST_LOG`, default `info`). Call once in `main`.
/// Each line carries the innermost span, so the Lambda request ID (`requestId`, from the runtime's
/// invocation span or the handler's own) is on every line.
pub fn init_json_logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .without_time()
        .try_init();
}
