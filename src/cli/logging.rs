//! How `uwlr serve` logs: to standard error, as text (the default, for a person at a
//! terminal or `journalctl`) or as one JSON object per line (`--log-format json`, for a log
//! collector). Either way, a line logged during a fetch or a delivery carries the span it
//! ran in, `fetch` or `deliver`, with the koppeling id and location; in JSON those are the
//! fields of `span` (the innermost) and `spans` (all, outermost first). `RUST_LOG` filters
//! as usual (default `info`). Keys and tokens are never logged, in either format.

use clap::ValueEnum;

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines (colours only on a terminal).
    #[default]
    Text,
    /// One JSON object per line: timestamp, level, target, fields, span, spans.
    Json,
}

/// Installs the process's log subscriber; a second call changes nothing.
pub fn init(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => {
            let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
            builder.with_ansi(ansi).try_init()
        }
        LogFormat::Json => builder.json().with_current_span(true).with_span_list(true).try_init(),
    };
}
