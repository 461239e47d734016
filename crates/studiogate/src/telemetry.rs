//! JSON logs through `tracing`, as CloudWatch expects them from a Lambda function.

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

/// Installs a JSON `tracing` subscriber (level from `RUST_LOG`, default `info`) writing to
/// standard output. Call once in `main`. Each line carries the innermost span, so the Lambda
/// request ID (`requestId`, from the runtime's invocation span or the handler's own) is on every line.
pub fn init_json_logs() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing::subscriber::set_global_default(json_logs(std::io::stdout, filter));
}

/// The subscriber `init_json_logs` installs, writing to `writer`: one JSON object per line, no
/// timestamp (CloudWatch stamps each line), the current span's fields under `span`. Tests capture
/// the functions' real log lines with it.
pub fn json_logs<W>(writer: W, filter: EnvFilter) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .without_time()
        .with_writer(writer)
        .finish()
}
