//! Printing each finished trace as a tree on a terminal: [`TreePrinter`].

use std::io::{IsTerminal, Write};

use crate::recorder::Recorder;
use crate::tree::{TreeStyle, render_tree};

/// The environment variable that turns the terminal tree on: `1`, `true`, `yes` or `on`
/// (case-insensitive); anything else, or unset, leaves it off.
pub const TRACE_TREE_ENV: &str = "AGENT_TELEMETRY_TRACE_TREE";

/// Whether [`TRACE_TREE_ENV`] asks for the tree.
pub fn trace_tree_from_env() -> bool {
    std::env::var(TRACE_TREE_ENV).is_ok_and(|v| {
        matches!(
            v.trim().to_ascii_lowercase().as_str(),
            "1" | "true" | "yes" | "on"
        )
    })
}

/// Prints each trace as an indented tree when its local root ends.
#[derive(Clone, Copy, Debug)]
pub struct TreePrinter;

impl TreePrinter {
    /// Prints to stdout, coloured when stdout is a terminal and `NO_COLOR` is unset or empty.
    /// A failed write is ignored: printing never fails the application.
    pub fn stdout(recorder: &Recorder) {
        let color = std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Self::to_writer(
            recorder,
            TreeStyle {
                color,
                mask_timings: false,
            },
            std::io::stdout,
        );
    }

    /// Prints to the writer `make` returns, one whole tree per write.
    pub fn to_writer<W: Write>(
        recorder: &Recorder,
        style: TreeStyle,
        make: impl Fn() -> W + Send + Sync + 'static,
    ) {
        recorder.on_root_end(move |trace| {
            let text = render_tree(trace, style);
            let _ = make().write_all(text.as_bytes());
        });
    }
}
