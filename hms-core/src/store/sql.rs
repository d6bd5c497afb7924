//! What the SQL backends share: migrations, the columns derived from a record, and the patient-search
//! plan.
//!
//! Each entity is stored as the columns that are queried or constrained (ids, unique keys, sort keys,
//! flags) plus the whole record as JSON. The JSON is the truth that reads return; the columns are kept
//! in step by the backend on every write, and the schema checks that the two agree where it cheaply can
//! (id, MRN, version).

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::{PatientQuery, StorageError};
use crate::error::{Error, Result};
use crate::people::{demographic_key, normalize_national_id, normalize_phone, Patient};

/// One step of a schema: applied once, in order, inside one transaction with its version row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Migration {
    /// 1, 2, 3, … with no gaps; each backend lists its steps in ascending order of version.
    pub version: u32,
    /// A short name, recorded in `schema_version`.
    pub name: &'static str,
    /// The statements.
    pub sql: &'static str,
}

/// The schema steps every SQL backend takes, in version order, each read from that backend's own
/// directory under `migrations/` (`migrations!("sqlite")`). One list for both backends, so a step
/// cannot be added to one and forgotten in the other: a missing file fails the build.
macro_rules! migrations {
    ($dialect:literal) => {
        &[
            $crate::store::sql::Migration {
                version: 1,
                name: "people",
                sql: include_str!(concat!("migrations/", $dialect, "/0001_people.sql")),
            },
            $crate::store::sql::Migration {
                version: 2,
                name: "scheduling_access",
                sql: include_str!(concat!("migrations/", $dialect, "/0002_scheduling_access.sql")),
            },
            $crate::store::sql::Migration {
                version: 3,
                name: "billing",
                sql: include_str!(concat!("migrations/", $dialect, "/0003_billing.sql")),
            },
            $crate::store::sql::Migration {
                version: 4,
                name: "pharmacy",
                sql: include_str!(concat!("migrations/", $dialect, "/0004_pharmacy.sql")),
            },
        ]
    };
}
pub(crate) use migrations;

/// The newest version in `migrations`.
pub(crate) fn latest(migrations: &[Migration]) -> u32 {
    migrations.iter().map(|m| m.version).max().unwrap_or(0)
}

/// Rule: a database newer than the library is refused, never downgraded or written to.
pub(crate) fn check_not_newer(found: u32, migrations: &[Migration]) -> Result<()> {
    let supported = latest(migrations);
    if found > supported {
        return Err(StorageError::SchemaTooNew { found, supported }.into());
    }
    Ok(())
}

/// The migrations still to apply to a database at version `current`, in order.
pub(crate) fn pending(current: u32, migrations: &[Migration]) -> impl Iterator<Item = &Migration> {
    migrations.iter().filter(move |m| m.version > current)
}

/// A storage error of `backend`.
pub(crate) fn storage(backend: &'static str, message: impl fmt::Display) -> Error {
    StorageError::Backend {
        backend,
        message: message.to_string(),
    }
    .into()
}

/// The snake_case name serde gives a unit enum variant (roles, actions, event types).
pub(crate) fn enum_name<T: Serialize>(backend: &'static str, value: &T) -> Result<String> {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        Ok(other) => Err(storage(backend, format!("`{other}` is not a plain name"))),
        Err(e) => Err(storage(backend, e)),
    }
}

/// A record as JSON text.
pub(crate) fn to_json<T: Serialize>(backend: &'static str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| storage(backend, e))
}

/// A count or sequence number from a database integer.
pub(crate) fn to_u64(backend: &'static str, n: i64) -> Result<u64> {
    u64::try_from(n).map_err(|_| {
        storage(
            backend,
            format!("negative number `{n}` where a count was expected"),
        )
    })
}

/// A sequence number or offset as a database integer (saturating: nothing is stored that far out).
pub(crate) fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A limit as a database integer (`usize::MAX` means "all").
pub(crate) fn limit_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// An instant as fixed-width UTC text (sorts like the instant; for columns only, never read back).
pub(crate) fn instant_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The columns of a patient row besides the JSON record.
#[derive(Debug, Clone)]
pub(crate) struct PatientColumns {
    pub mrn: String,
    pub national_id: Option<String>,
    pub demographic_key: Option<String>,
    pub phone: Option<String>,
    /// The family name lower-cased: the first sort key of a search.
    pub family_key: String,
    /// The given name lower-cased: the second sort key.
    pub given_key: String,
    /// Every name part lower-cased, each preceded by one space (` asha rao`), so that "a word is the
    /// start of a name part" is "` word` occurs in this text".
    pub name_words: String,
    pub active: bool,
    pub version: i64,
}

impl PatientColumns {
    pub(crate) fn of(p: &Patient) -> Self {
        let n = &p.details.name;
        let name_words: String = [Some(&n.given), n.middle.as_ref(), Some(&n.family)]
            .into_iter()
            .flatten()
            .flat_map(|s| s.split_whitespace())
            .map(|w| format!(" {}", w.to_lowercase()))
            .collect();
        PatientColumns {
            mrn: p.mrn.as_str().to_owned(),
            national_id: p.details.national_id.clone(),
            demographic_key: demographic_key(&p.details).map(|k| k.as_str().to_owned()),
            phone: p.details.phone.clone(),
            family_key: n.family.to_lowercase(),
            given_key: n.given.to_lowercase(),
            name_words,
            active: p.is_active(),
            version: i64::from(p.version),
        }
    }
}

/// A [`PatientQuery`] turned into what a `WHERE` clause compares, so that the database returns exactly
/// the patients [`PatientQuery::matches`] accepts, already ordered and limited.
#[derive(Debug, Clone)]
pub(crate) struct SearchPlan {
    /// `None` when the text is blank (every patient matches).
    pub text: Option<TextMatch>,
    pub include_inactive: bool,
    pub limit: i64,
}

/// The text part of a search: an exact identifier, or every word at the start of a name part.
#[derive(Debug, Clone)]
pub(crate) struct TextMatch {
    /// Compared with the MRN.
    pub exact: String,
    /// Compared with the national id.
    pub national_id: String,
    /// Compared with the telephone number (none when the text is not a telephone number).
    pub phone: Option<String>,
    /// Each word lower-cased with a leading space, to be found in `name_words`.
    pub words: Vec<String>,
}

impl SearchPlan {
    pub(crate) fn of(q: &PatientQuery) -> Self {
        let text = q.text.trim();
        SearchPlan {
            text: (!text.is_empty()).then(|| TextMatch {
                exact: text.to_owned(),
                national_id: normalize_national_id(text),
                phone: normalize_phone(text),
                words: text
                    .split_whitespace()
                    .map(|w| format!(" {}", w.to_lowercase()))
                    .collect(),
            }),
            include_inactive: q.include_inactive,
            limit: limit_i64(q.effective_limit()),
        }
    }

    /// The `WHERE` condition (without the keyword), with placeholders made by `param(n)` for the n-th
    /// parameter (1-based), and `contains(haystack, needle)` for a substring test; the parameters come
    /// from [`SearchPlan::params`] in the same order.
    pub(crate) fn condition(
        &self,
        param: impl Fn(usize) -> String,
        contains: impl Fn(&str, &str) -> String,
    ) -> String {
        let mut parts = Vec::new();
        let mut n = 0;
        let mut next = || {
            n += 1;
            param(n)
        };
        if !self.include_inactive {
            parts.push("active".to_owned());
        }
        if let Some(t) = &self.text {
            let exact = format!(
                "mrn = {} OR national_id = {} OR phone = {}",
                next(),
                next(),
                next()
            );
            let words: Vec<String> = t.words.iter().map(|_| contains("name_words", &next())).collect();
            parts.push(format!("({exact} OR ({}))", words.join(" AND ")));
        }
        if parts.is_empty() {
            "TRUE".to_owned()
        } else {
            parts.join(" AND ")
        }
    }

    /// The text parameters of [`SearchPlan::condition`], in order (`None` is SQL `NULL`).
    pub(crate) fn params(&self) -> Vec<Option<&str>> {
        let mut out = Vec::new();
        if let Some(t) = &self.text {
            out.push(Some(t.exact.as_str()));
            out.push(Some(t.national_id.as_str()));
            out.push(t.phone.as_deref());
            out.extend(t.words.iter().map(|w| Some(w.as_str())));
        }
        out
    }
}

// --- billing ---

/// An amount as whole minor units (cents, paise), the form the SQL backends store and check.
fn minor(backend: &'static str, m: crate::money::Money) -> Result<i64> {
    m.to_minor().ok_or_else(|| {
        storage(
            backend,
            format!("amount `{m}` is not a whole number of minor units or is too large"),
        )
    })
}

/// The columns of an invoice row besides the JSON record.
#[derive(Debug, Clone)]
pub(crate) struct InvoiceColumns {
    /// `invoice` or `credit_note`.
    pub kind: &'static str,
    /// The invoice a credit note corrects.
    pub original: Option<crate::ids::InvoiceId>,
    /// The FHIR status code.
    pub status: &'static str,
    pub number: Option<String>,
    pub currency: String,
    /// The shares, paid and credited amounts in minor units (the schema checks paid + credited ≤ share).
    pub patient_share: i64,
    pub payer_share: i64,
    pub paid_patient: i64,
    pub paid_payer: i64,
    pub credited_patient: i64,
    pub credited_payer: i64,
    /// The figures an issued invoice keeps for ever, as JSON text (compared, never parsed).
    pub figures: String,
    pub version: i64,
}

impl InvoiceColumns {
    pub(crate) fn of(backend: &'static str, i: &crate::billing::Invoice) -> Result<Self> {
        use crate::billing::InvoiceKind;
        let (kind, original) = match &i.kind {
            InvoiceKind::Invoice => ("invoice", None),
            InvoiceKind::CreditNote { original, .. } => ("credit_note", Some(*original)),
        };
        let totals = i.breakdown.as_ref().map(|b| &b.totals);
        let zero = crate::money::Money::zero(i.currency);
        Ok(InvoiceColumns {
            kind,
            original,
            status: i.status.code(),
            number: i.number.clone(),
            currency: i.currency.to_string(),
            patient_share: minor(backend, totals.map_or(zero, |t| t.patient))?,
            payer_share: minor(backend, totals.map_or(zero, |t| t.payer))?,
            paid_patient: minor(backend, i.paid_patient)?,
            paid_payer: minor(backend, i.paid_payer)?,
            credited_patient: minor(backend, i.credited_patient)?,
            credited_payer: minor(backend, i.credited_payer)?,
            figures: invoice_figures(backend, i)?,
            version: i64::from(i.version),
        })
    }
}

/// Rule of the store (as the memory store's): the figures of an invoice that is no longer a draft —
/// kind, patient, currency, number, lines, discount, coverage, breakdown, dates — never change.
pub(crate) fn invoice_figures(backend: &'static str, i: &crate::billing::Invoice) -> Result<String> {
    to_json(
        backend,
        &(
            &i.kind,
            &i.patient,
            &i.currency,
            &i.number,
            &i.lines,
            &i.invoice_discount,
            &i.coverage,
            &i.breakdown,
            &i.issue_date,
            &i.due_date,
        ),
    )
}

/// The columns of a payment row besides the JSON record.
#[derive(Debug, Clone)]
pub(crate) struct PaymentColumns {
    /// Minor units (the schema checks amount > 0, refunded and allocated within it).
    pub amount: i64,
    pub refunded: i64,
    pub allocated: i64,
    pub currency: String,
    pub version: i64,
}

impl PaymentColumns {
    pub(crate) fn of(backend: &'static str, p: &crate::billing::Payment) -> Result<Self> {
        let mut allocated = 0_i64;
        for a in &p.allocations {
            allocated = allocated
                .checked_add(minor(backend, a.amount)?)
                .ok_or_else(|| storage(backend, "allocations too large"))?;
        }
        Ok(PaymentColumns {
            amount: minor(backend, p.amount)?,
            refunded: minor(backend, p.refunded())?,
            allocated,
            currency: p.amount.currency.to_string(),
            version: i64::from(p.version),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn migrations() -> [Migration; 2] {
        [
            Migration {
                version: 1,
                name: "a",
                sql: "",
            },
            Migration {
                version: 2,
                name: "b",
                sql: "",
            },
        ]
    }

    #[test]
    fn a_newer_database_is_refused() {
        // Worked example: the library knows versions 1 and 2; a database at version 3 was written by a
        // newer library and must not be touched.
        let err = check_not_newer(3, &migrations()).unwrap_err();
        assert_eq!(err.code(), "storage");
        assert!(matches!(
            err,
            Error::Storage(StorageError::SchemaTooNew {
                found: 3,
                supported: 2
            })
        ));
        assert!(check_not_newer(2, &migrations()).is_ok());
    }

    #[test]
    fn only_newer_migrations_are_pending() {
        let all = migrations();
        let versions: Vec<u32> = pending(1, &all).map(|m| m.version).collect();
        assert_eq!(versions, [2]);
        assert_eq!(pending(0, &all).count(), 2);
    }

    #[test]
    fn search_condition_lists_one_placeholder_per_parameter() {
        let plan = SearchPlan::of(&PatientQuery {
            text: " Ash  RA ".into(),
            ..Default::default()
        });
        let sql = plan.condition(|n| format!("${n}"), |h, n| format!("strpos({h}, {n}) > 0"));
        assert_eq!(
            sql,
            "active AND (mrn = $1 OR national_id = $2 OR phone = $3 OR \
             (strpos(name_words, $4) > 0 AND strpos(name_words, $5) > 0))"
        );
        assert_eq!(
            plan.params(),
            [Some("Ash  RA"), Some("ASHRA"), None, Some(" ash"), Some(" ra")]
        );
        let all = SearchPlan::of(&PatientQuery {
            include_inactive: true,
            ..Default::default()
        });
        assert_eq!(
            all.condition(|n| format!("?{n}"), |h, n| format!("{h}{n}")),
            "TRUE"
        );
        assert!(all.params().is_empty());
    }
}
