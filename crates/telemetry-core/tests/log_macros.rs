//! The level-checked log macros: attributes are evaluated only for an enabled level, and an
//! enabled call reaches the logger with its level, message and attributes.

use std::cell::Cell;
use std::sync::{Arc, Mutex};

use telemetry_core::{Attribute, LogLevel, Logger, info, log, warning};

/// Keeps every call at or above `min`.
struct Recording {
    min: LogLevel,
    calls: Mutex<Vec<(LogLevel, String, Vec<Attribute>)>>,
}

impl Logger for Recording {
    fn enabled(&self, level: LogLevel) -> bool {
        level >= self.min
    }
    fn log(&self, level: LogLevel, message: &str, attributes: &[Attribute]) {
        if self.enabled(level) {
            let call = (level, message.to_owned(), attributes.to_vec());
            self.calls.lock().unwrap().push(call);
        }
    }
    fn level(&self) -> Option<LogLevel> {
        Some(self.min)
    }
    fn set_level(&self, _level: Option<LogLevel>) {}
}

#[test]
fn attributes_are_built_only_for_an_enabled_level() {
    let recording = Arc::new(Recording {
        min: LogLevel::Warning,
        calls: Mutex::new(Vec::new()),
    });
    // As applications hold it.
    let logger: Arc<dyn Logger> = recording.clone();
    let built = Cell::new(0);
    let value = || {
        built.set(built.get() + 1);
        "planner"
    };

    info!(logger, "below the level", "agent" => value());
    assert_eq!(
        built.get(),
        0,
        "a disabled call must not build its attributes"
    );

    warning!(logger, "slow model", "agent" => value(), "attempt" => 2);
    log!(logger, LogLevel::Error, "failed");
    assert_eq!(built.get(), 1);

    let calls = recording.calls.lock().unwrap();
    assert_eq!(
        *calls,
        [
            (
                LogLevel::Warning,
                "slow model".to_owned(),
                vec![
                    Attribute::new("agent", "planner"),
                    Attribute::new("attempt", 2)
                ],
            ),
            (LogLevel::Error, "failed".to_owned(), vec![]),
        ]
    );
}
