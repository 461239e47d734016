//! JSON logs through `tracing`, as CloudWatch expects them from a Lambda function.

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;

/// Installs a JSON `tracing` subscriber (levels from `RUST_LOG`, default `info`) writing to
/// standard output. Call once in `main`. Each line carries the innermost span, so the Lambda
/// request ID (`requestId`, from the runtime's invocation span or the handler's own) is on every line.
pub fn init_json_logs() {
    let _ = tracing::subscriber::set_global_default(json_logs(
        std::io::stdout,
        log_filter(std::env::var("RUST_LOG").ok().as_deref()),
    ));
}

/// The levels `RUST_LOG` asks for: a level (`debug`), targets with levels
/// (`studiogate=debug,info`), or both; `info` when it is unset or unreadable (span and field
/// filters, `[span{field}]=level`, are not read: they need tracing-subscriber's regex engine).
/// Never more than `debug`, whatever it asks: at `trace` lambda_runtime logs each raw event (an
/// ACS event holds the SAMLResponse, presign's its credentials) and the SDK each request and
/// response (the SAMLResponse sent to STS, the sealed invocation, the presigned URL).
pub fn log_filter(rust_log: Option<&str>) -> Targets {
    let asked: Targets = rust_log
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    let cap = |level: LevelFilter| level.min(LevelFilter::DEBUG);
    let capped = Targets::new().with_targets(
        asked
            .iter()
            .map(|(target, level)| (target.to_owned(), cap(level))),
    );
    match asked.default_level() {
        Some(level) => capped.with_default(cap(level)),
        None => capped,
    }
}

/// The subscriber `init_json_logs` installs, writing to `writer`: one JSON object per line, no
/// timestamp (CloudWatch stamps each line), the current span's fields under `span`. Tests capture
/// the functions' real log lines with it.
pub fn json_logs<W>(writer: W, filter: Targets) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let lines = tracing_subscriber::fmt::layer()
        .json()
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .without_time()
        .with_writer(writer);
    tracing_subscriber::registry().with(lines).with(filter)
}

#[cfg(test)]
mod tests {
    use super::log_filter;
    use tracing::Level;

    #[test]
    fn unset_or_unreadable_rust_log_logs_info_and_above() {
        for rust_log in [
            None,
            Some("[span{field=1}]=debug"),
            Some("no such level=loud"),
        ] {
            let filter = log_filter(rust_log);
            assert!(
                filter.would_enable("studiogate", &Level::INFO),
                "{rust_log:?}"
            );
            assert!(
                !filter.would_enable("studiogate", &Level::DEBUG),
                "{rust_log:?}"
            );
        }
    }

    #[test]
    fn a_level_applies_to_every_target() {
        let filter = log_filter(Some("debug"));
        assert!(filter.would_enable("aws_smithy_runtime", &Level::DEBUG));
        assert!(!filter.would_enable("aws_smithy_runtime", &Level::TRACE));
    }

    #[test]
    fn trace_is_never_on_whatever_rust_log_asks() {
        for rust_log in [
            "trace",
            "lambda_runtime=trace,aws_smithy_runtime=trace,info",
        ] {
            let filter = log_filter(Some(rust_log));
            for target in ["lambda_runtime::layers", "aws_smithy_runtime", "aws_sigv4"] {
                assert!(
                    !filter.would_enable(target, &Level::TRACE),
                    "{rust_log}: {target}"
                );
            }
            assert!(
                filter.would_enable("lambda_runtime", &Level::DEBUG),
                "{rust_log}"
            );
        }
    }

    #[test]
    fn targets_take_their_own_levels_beside_the_default() {
        let filter = log_filter(Some("saml_validator=debug,warn"));
        assert!(filter.would_enable("saml_validator::handler", &Level::DEBUG));
        assert!(!filter.would_enable("studiogate", &Level::INFO));
        assert!(filter.would_enable("studiogate", &Level::WARN));
    }
}
