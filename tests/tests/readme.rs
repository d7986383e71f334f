//! README.md stays readable and true: its Rust blocks are complete programs (no hidden
//! doc-test lines a Markdown reader would see), and its service example is the file
//! `cargo xtask test` builds and runs as a user's crate.

const README: &str = include_str!("../../README.md");
const SERVICE: &str = include_str!("../../crates/agent-telemetry/examples/service.rs");
const START: &str = "<!-- service-example:start";
const END: &str = "<!-- service-example:end -->";

/// The body of every fenced block whose info string starts with `rust`, with its line number.
fn rust_blocks(text: &str) -> Vec<(usize, Vec<&str>)> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, Vec<&str>)> = None;
    for (n, line) in text.lines().enumerate() {
        match &mut open {
            None if line.starts_with("```rust") => open = Some((n + 1, Vec::new())),
            Some(_) if line.starts_with("```") => blocks.extend(open.take()),
            Some((_, body)) => body.push(line),
            None => {}
        }
    }
    blocks
}

#[test]
fn rust_blocks_have_no_hidden_lines() {
    let blocks = rust_blocks(README);
    assert!(
        blocks.len() >= 12,
        "found only {} Rust blocks",
        blocks.len()
    );
    for (at, body) in blocks {
        for (i, line) in body.iter().enumerate() {
            // rustdoc hides `# ` lines and a lone `#` from its output, not Markdown from readers.
            assert!(
                !(line.trim_start().starts_with("# ") || line.trim() == "#"),
                "README.md:{}: a hidden doc-test line readers would see: {line:?}; make the \
                 block a complete program instead",
                at + 1 + i
            );
        }
    }
}

#[test]
fn the_service_example_is_the_file_ci_runs() {
    let start = README
        .find(START)
        .expect("README.md has the service example's start marker");
    let end = README
        .find(END)
        .expect("README.md has the service example's end marker");
    let section = &README[start..end];
    let fence = section
        .find("\n```rust")
        .expect("a Rust block after the start marker")
        + 1;
    let body_start = fence + section[fence..].find('\n').expect("the fence line ends") + 1;
    let body_end = section.rfind("```").expect("the block's closing fence");
    let block = &section[body_start..body_end];
    assert!(
        block == SERVICE,
        "README.md's service example differs from crates/agent-telemetry/examples/service.rs \
         (the file CI builds and runs); copy the file between the markers:\n{SERVICE}"
    );
}
