//! The trace of checks one validation ran, for `studiogate inspect` and debug logs.

use serde::Serialize;

/// One named check and how it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable check name (`signature`, `audience`, ...).
    pub name: &'static str,
    /// Whether it passed.
    pub passed: bool,
    /// What was found, or what is wrong and how to fix it.
    pub detail: String,
}

/// Checks in the order they ran.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Report {
    checks: Vec<Check>,
}

impl Report {
    /// Records a passed check.
    pub fn pass(&mut self, name: &'static str, detail: impl Into<String>) {
        self.checks.push(Check {
            name,
            passed: true,
            detail: detail.into(),
        });
    }

    /// Records a failed check.
    pub fn fail(&mut self, name: &'static str, detail: impl Into<String>) {
        self.checks.push(Check {
            name,
            passed: false,
            detail: detail.into(),
        });
    }

    /// Records a check from its result, returning the result unchanged.
    pub fn record<T>(
        &mut self,
        name: &'static str,
        result: Result<T, super::Rejection>,
        ok_detail: impl FnOnce(&T) -> String,
    ) -> Result<T, super::Rejection> {
        match &result {
            Ok(value) => self.pass(name, ok_detail(value)),
            Err(rejection) => self.fail(name, format!("{}: {rejection}", rejection.reason_code())),
        }
        result
    }

    /// The checks, in order.
    pub fn checks(&self) -> &[Check] {
        &self.checks
    }
}
