//! The `calculator` tool: arithmetic evaluated with the `evalexpr` crate.

use serde_json::{Value, json};

use super::{Tool, ToolError, string_argument};

/// Longest expression accepted, in bytes.
pub const MAX_EXPRESSION_LEN: usize = 1_000;

/// Evaluates arithmetic: `+ - * / % ^` (power), parentheses, and `evalexpr`'s `math::*`
/// functions (`math::sqrt(2)`, `math::ln(10)`, …).
///
/// Numbers are 64-bit floats: integer literals are read as floats before evaluation, so
/// `7 / 2` is `3.5` (plain `evalexpr` would truncate it to `3`). A result that is not a
/// finite number (`1 / 0`), a syntax error, a non-numeric result or an expression over
/// [`MAX_EXPRESSION_LEN`] bytes is a [`ToolError`] with `error.type` `invalid_expression`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Calculator;

impl Calculator {
    /// Evaluates `expression`.
    ///
    /// # Errors
    /// [`ToolError`] (`invalid_expression`) naming the expression and the problem.
    pub fn evaluate(expression: &str) -> Result<f64, ToolError> {
        let invalid = |why: String| {
            ToolError::new(
                "invalid_expression",
                format!("cannot evaluate {expression:?}: {why}"),
            )
        };
        if expression.trim().is_empty() {
            return Err(invalid(
                "expected an arithmetic expression such as 2 * (3 + 4)".into(),
            ));
        }
        if expression.len() > MAX_EXPRESSION_LEN {
            return Err(invalid(format!(
                "expected at most {MAX_EXPRESSION_LEN} bytes, got {}",
                expression.len()
            )));
        }
        let value =
            evalexpr::eval_number(&floats(expression)).map_err(|e| invalid(e.to_string()))?;
        if value.is_finite() {
            Ok(value)
        } else {
            Err(invalid(format!(
                "the result {value} is not a finite number"
            )))
        }
    }
}

/// Rewrites integer literals as floats (`7` → `7.0`), leaving identifiers such as `log2`
/// and existing floats (`1.5`, `2e3`) alone.
fn floats(expression: &str) -> String {
    let bytes = expression.as_bytes();
    let mut out = String::with_capacity(expression.len() + 8);
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let starts_number = c.is_ascii_digit()
            && (i == 0
                || !(bytes[i - 1].is_ascii_alphanumeric() || matches!(bytes[i - 1], b'_' | b'.')));
        if !starts_number {
            // Copy one whole UTF-8 character.
            let len = expression[i..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&expression[i..i + len]);
            i += len;
            continue;
        }
        let end = bytes[i..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .map_or(bytes.len(), |p| i + p);
        out.push_str(&expression[i..end]);
        let next = bytes.get(end);
        if !matches!(next, Some(b'.' | b'e' | b'E')) && !next.is_some_and(u8::is_ascii_alphabetic) {
            out.push_str(".0");
        }
        i = end;
    }
    out
}

#[async_trait::async_trait]
impl Tool for Calculator {
    fn name(&self) -> &'static str {
        "calculator"
    }

    fn description(&self) -> &'static str {
        "Evaluates an arithmetic expression (+ - * / % ^, parentheses, math::sqrt etc.) and \
         returns the number."
    }

    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {"expression": {"type": "string", "description": "e.g. 2 * (3 + 4)"}},
            "required": ["expression"],
            "additionalProperties": false,
        })
    }

    async fn call(&self, arguments: Value) -> Result<Value, ToolError> {
        let expression = string_argument(&arguments, "expression")?;
        let value = Self::evaluate(expression)?;
        Ok(json!(value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evaluates_real_expressions() {
        assert_eq!(Calculator::evaluate("2 + 2").unwrap(), 4.0);
        assert_eq!(Calculator::evaluate("7 / 2").unwrap(), 3.5);
        assert_eq!(Calculator::evaluate("(1 + 2) * 3 ^ 2").unwrap(), 27.0);
        assert_eq!(Calculator::evaluate("1.5 * 2").unwrap(), 3.0);
        assert_eq!(Calculator::evaluate("math::sqrt(16)").unwrap(), 4.0);
        assert_eq!(Calculator::evaluate("10 % 4").unwrap(), 2.0);
    }

    #[test]
    fn bad_expressions_are_errors_not_panics() {
        for bad in [
            "2 +* 3", "1 / 0", "", "(1 + 2", "\"text\"", "ü + 1", "2 > 1",
        ] {
            let e = Calculator::evaluate(bad).unwrap_err();
            assert_eq!(e.error_type, "invalid_expression", "{bad}");
            assert!(e.message.contains("cannot evaluate"), "{e}");
        }
        assert!(Calculator::evaluate(&"1+".repeat(600)).is_err());
    }
}
