//! Tests that need software `cargo xtask test` installs first (the browser test, the
//! real-collector test): why one cannot run here, and what `test` does then.

/// Why such a test cannot run here, and what would make it run.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Skip {
    /// The missing piece and why it could not be installed.
    pub(crate) why: String,
    /// What the user can do, ending with running the tests again.
    pub(crate) how: String,
}

impl Skip {
    /// The line printed about it: `skipping <test>: <why>; to run it, <how>`.
    pub(crate) fn line(&self, test: &str) -> String {
        format!("skipping {test}: {}; to run it, {}", self.why, self.how)
    }
}

/// A test that can skip itself: its description and the variable that tells it so
/// (`skip:<why>`) or, for some, where its software is.
pub(crate) struct Installing {
    /// The test, for the skip line: `the browser test (examples/…/browser.rs)`.
    pub(crate) test: &'static str,
    /// The variable the test reads.
    pub(crate) var: &'static str,
}

impl Installing {
    /// Handles a skip: under `CI`, unless the user asked for it (`chosen`), an error;
    /// otherwise the line on stderr, `var=skip:<why>` for the test (when it did not come
    /// from the user) and the line kept in `skips` to print again at the end.
    pub(crate) fn skip(
        &self,
        skip: &Skip,
        chosen: bool,
        in_ci: bool,
        env: &mut Vec<(&'static str, String)>,
        skips: &mut Vec<String>,
    ) -> Result<(), String> {
        let line = skip.line(self.test);
        if in_ci && !chosen {
            return Err(format!(
                "{line}\nxtask: CI is set, and a CI run must not skip {}",
                self.test
            ));
        }
        eprintln!("xtask: {line}");
        if !chosen {
            env.push((self.var, format!("skip:{}", skip.why)));
        }
        skips.push(line);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Installing = Installing {
        test: "the browser test (examples/agent-engine/tests/browser.rs)",
        var: "AGENT_ENGINE_BROWSER_TEST",
    };

    fn skip() -> Skip {
        Skip {
            why: "chromium missing".into(),
            how: "install it".into(),
        }
    }

    #[test]
    fn the_skip_line_names_the_test_the_reason_and_the_remedy() {
        assert_eq!(
            skip().line(T.test),
            "skipping the browser test (examples/agent-engine/tests/browser.rs): chromium \
             missing; to run it, install it"
        );
    }

    #[test]
    fn ci_refuses_a_skip_the_user_did_not_ask_for() {
        let (mut env, mut skips) = (Vec::new(), Vec::new());
        let e = T
            .skip(&skip(), false, true, &mut env, &mut skips)
            .unwrap_err();
        assert!(
            e.ends_with(
                "a CI run must not skip the browser test (examples/agent-engine/tests/browser.rs)"
            ),
            "{e}"
        );
        assert!(env.is_empty() && skips.is_empty());
        // Asked for by the user: allowed under CI, and the user's variable is left as it is.
        T.skip(&skip(), true, true, &mut env, &mut skips).unwrap();
        assert!(env.is_empty());
        assert_eq!(skips.len(), 1);
        // Outside CI: the test is told why.
        T.skip(&skip(), false, false, &mut env, &mut skips).unwrap();
        assert_eq!(
            env,
            [(
                "AGENT_ENGINE_BROWSER_TEST",
                "skip:chromium missing".to_owned()
            )]
        );
    }
}
