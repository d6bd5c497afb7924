//! Findings: the result of a check that a person reads, as data.
//!
//! A check that a screen shows to a receptionist or a clerk (can this visit be booked here? is this
//! invoice complete?) returns every [`Finding`] at once instead of stopping at the first error, so the
//! screen can list them all. Each finding has a stable snake_case `code` (for an error finding, the same
//! code the matching error returns), a [`Severity`] and a one-line message in the library's style.
//!
//! Only an API call that cannot proceed returns `Err`; such calls usually wrap a findings function and
//! fail on its first error finding.

use serde::{Deserialize, Serialize};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The action cannot go ahead.
    Error,
    /// The action may go ahead, but a person should look at it.
    Warning,
}

/// One problem found by a check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Finding {
    /// A stable snake_case code, e.g. `outside_availability` or `off_grid`.
    pub code: String,
    /// Whether the action can go ahead.
    pub severity: Severity,
    /// A plain-language, one-line message.
    pub message: String,
}

impl Finding {
    /// A finding that stops the action.
    pub fn error(code: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            code: code.into(),
            severity: Severity::Error,
            message: message.into(),
        }
    }

    /// A finding that lets the action go ahead but should be shown.
    pub fn warning(code: impl Into<String>, message: impl Into<String>) -> Self {
        Finding {
            code: code.into(),
            severity: Severity::Warning,
            message: message.into(),
        }
    }

    /// Whether this finding stops the action.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Whether any of the findings stops the action.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(Finding::is_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_error_findings_stop_an_action() {
        let warn = Finding::warning("off_grid", "the visit starts off the slot grid");
        assert!(!has_errors(std::slice::from_ref(&warn)));
        let err = Finding::error("in_past", "the visit starts in the past");
        assert!(has_errors(&[warn, err]));
        assert!(!has_errors(&[]));
    }

    #[test]
    fn findings_travel_as_snake_case_json() {
        let f = Finding::warning("off_grid", "m");
        let json = serde_json::to_string(&f).unwrap();
        assert_eq!(json, r#"{"code":"off_grid","severity":"warning","message":"m"}"#);
        assert_eq!(serde_json::from_str::<Finding>(&json).unwrap(), f);
    }
}
