//! The `clock` tool: the current UTC date and time.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::{Tool, ToolError};

/// Returns the current time as `{"utc": "<RFC 3339>", "unix_seconds": <integer>}`.
///
/// Only UTC: the server has no time-zone database. A `timezone` argument other than `UTC`
/// is an `invalid_arguments` error rather than a silently wrong answer.
#[derive(Clone, Copy, Debug, Default)]
pub struct Clock;

#[async_trait::async_trait]
impl Tool for Clock {
    fn name(&self) -> &'static str {
        "clock"
    }

    fn description(&self) -> &'static str {
        "Returns the current date and time in UTC (RFC 3339) and as Unix seconds."
    }

    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {"timezone": {"type": "string", "enum": ["UTC"]}},
            "additionalProperties": false,
        })
    }

    async fn call(&self, arguments: Value) -> Result<Value, ToolError> {
        match arguments.get("timezone") {
            None | Some(Value::Null) => {}
            Some(Value::String(tz)) if tz.eq_ignore_ascii_case("utc") => {}
            Some(other) => {
                return Err(ToolError::invalid_arguments(format!(
                    "invalid timezone {other}: expected \"UTC\" (the only zone supported)"
                )));
            }
        }
        let now = SystemTime::now();
        let unix = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        Ok(json!({
            "utc": humantime::format_rfc3339_seconds(now).to_string(),
            "unix_seconds": unix,
        }))
    }
}
