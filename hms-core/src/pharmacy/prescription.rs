//! Prescriptions: what a doctor orders for a patient, line by line.
//!
//! This module is kept apart so that the clinical-records work can own prescriptions later; the rest
//! of the pharmacy only reads them.
//!
//! Rules: a prescription has one to 50 lines, each for a different drug; a line has a dose and a
//! frequency in words, a course of 1 to 365 days, a quantity of at least one unit per fill and at most
//! 12 refills. A line is handed out in fills: the first fill and then up to `refills` refills, each of
//! at most `quantity` units, possibly over several partial dispenses. A dispense goes to the first
//! fill begun that still has room (a return makes room again), and starts a new fill only when every
//! fill begun is complete.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::PharmacyError;
use crate::error::{FieldCode, ValidationError};
use crate::ids::{DrugId, PatientId, PrescriptionId, StaffId};
use crate::people::{fold_spaces, required_text};

/// The most lines one prescription may have.
pub const MAX_LINES: usize = 50;
/// The most refills one line may allow.
pub const MAX_REFILLS: u32 = 12;
/// The longest course of treatment one line may order, in days.
pub const MAX_COURSE_DAYS: u32 = 365;

/// One medicine ordered on a prescription.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PrescriptionLine {
    /// The drug.
    pub drug: DrugId,
    /// The dose in words, e.g. `1 tablet`, `5 ml`.
    pub dose: String,
    /// How often, e.g. `three times a day`.
    pub frequency: String,
    /// How many days the course lasts.
    pub duration_days: u32,
    /// Units to hand out per fill (in the drug's dispensing unit).
    pub quantity: u32,
    /// How many times the line may be filled again after the first fill.
    #[serde(default)]
    pub refills: u32,
}

impl PrescriptionLine {
    /// How many fills the line allows: the first plus its refills.
    pub fn fills_allowed(&self) -> u32 {
        self.refills.saturating_add(1)
    }
}

/// What a doctor writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPrescription {
    /// For whom.
    pub patient: PatientId,
    /// The medicines.
    pub lines: Vec<PrescriptionLine>,
    /// A note to the pharmacist.
    #[serde(default)]
    pub note: Option<String>,
}

/// A written prescription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prescription {
    /// Its id.
    pub id: PrescriptionId,
    /// For whom.
    pub patient: PatientId,
    /// The doctor who wrote it.
    pub prescriber: StaffId,
    /// When.
    pub written_at: DateTime<Utc>,
    /// The medicines, in the order written (a line is named by its position, from 0).
    pub lines: Vec<PrescriptionLine>,
    /// A note to the pharmacist.
    pub note: Option<String>,
}

/// Checks a prescription and returns it normalized (dose and frequency with single spaces).
///
/// # Errors
/// A [`ValidationError`] listing every invalid field (`lines[i].…`).
pub fn validate_prescription(p: &NewPrescription) -> Result<NewPrescription, ValidationError> {
    let mut e = ValidationError::default();
    if p.lines.is_empty() {
        e.push(
            "lines",
            FieldCode::Required,
            "a prescription has at least one line",
        );
    } else if p.lines.len() > MAX_LINES {
        e.push(
            "lines",
            FieldCode::OutOfRange,
            format!("a prescription has at most {MAX_LINES} lines"),
        );
    }
    for (i, l) in p.lines.iter().enumerate() {
        let f = |name: &str| format!("lines[{i}].{name}");
        required_text(&f("dose"), &l.dose, 200, &mut e);
        required_text(&f("frequency"), &l.frequency, 200, &mut e);
        if !(1..=MAX_COURSE_DAYS).contains(&l.duration_days) {
            e.push(
                f("duration_days"),
                FieldCode::OutOfRange,
                format!("a course lasts 1 to {MAX_COURSE_DAYS} days"),
            );
        }
        if l.quantity == 0 {
            e.push(
                f("quantity"),
                FieldCode::OutOfRange,
                "a line orders at least one unit",
            );
        }
        if l.refills > MAX_REFILLS {
            e.push(
                f("refills"),
                FieldCode::OutOfRange,
                format!("a line allows at most {MAX_REFILLS} refills"),
            );
        }
        if p.lines.iter().take(i).any(|other| other.drug == l.drug) {
            e.push(
                f("drug"),
                FieldCode::Inconsistent,
                format!("drug `{}` is already ordered on an earlier line", l.drug),
            );
        }
    }
    if p.note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        e.push(
            "note",
            FieldCode::TooLong,
            "the note is longer than 2000 characters",
        );
    }
    e.into_result()?;
    Ok(NewPrescription {
        patient: p.patient,
        lines: p
            .lines
            .iter()
            .map(|l| PrescriptionLine {
                dose: fold_spaces(&l.dose),
                frequency: fold_spaces(&l.frequency),
                ..l.clone()
            })
            .collect(),
        note: p
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned),
    })
}

/// How far a prescription line has been dispensed: net units (handed out less returned) in each fill
/// begun, first fill first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LineProgress {
    /// Net units per fill begun.
    pub fills: Vec<u32>,
}

impl LineProgress {
    /// Net units handed out over all fills.
    pub fn dispensed(&self) -> u64 {
        self.fills.iter().map(|q| u64::from(*q)).sum()
    }
}

/// Rule: which fill a dispense of `requested` units of line `line` goes to (see the module docs).
///
/// # Errors
/// `refills_exhausted` when every allowed fill is begun and complete; `exceeds_prescription` (naming
/// what is left) when the fill it goes to has fewer than `requested` units left.
///
/// # Example
/// ```
/// # use hms_core::pharmacy::prescription::{plan_fill, LineProgress, PrescriptionLine};
/// # use hms_core::ids::{DrugId, PrescriptionId};
/// let line = PrescriptionLine {
///     drug: DrugId::from_uuid(uuid::Uuid::from_u128(1)),
///     dose: "1 tablet".into(), frequency: "twice a day".into(), duration_days: 15, quantity: 30, refills: 1,
/// };
/// let rx = PrescriptionId::from_uuid(uuid::Uuid::from_u128(2));
/// // 20 of 30 handed out: the next 10 complete the first fill; 30 more would be too many.
/// let progress = LineProgress { fills: vec![20] };
/// assert_eq!(plan_fill(rx, 0, &line, &progress, 10)?, 0);
/// assert_eq!(plan_fill(rx, 0, &line, &progress, 30).unwrap_err().code(), "exceeds_prescription");
/// // The first fill is complete: the next dispense begins the refill (fill 1).
/// assert_eq!(plan_fill(rx, 0, &line, &LineProgress { fills: vec![30] }, 30)?, 1);
/// // Both fills complete: used up.
/// let done = LineProgress { fills: vec![30, 30] };
/// assert_eq!(plan_fill(rx, 0, &line, &done, 1).unwrap_err().code(), "refills_exhausted");
/// # Ok::<(), hms_core::pharmacy::PharmacyError>(())
/// ```
pub fn plan_fill(
    prescription: PrescriptionId,
    line: usize,
    l: &PrescriptionLine,
    progress: &LineProgress,
    requested: u32,
) -> Result<u32, PharmacyError> {
    let begun = u32::try_from(progress.fills.len()).unwrap_or(u32::MAX);
    let (fill, room) = match progress
        .fills
        .iter()
        .position(|net| *net < l.quantity)
        .and_then(|i| Some((u32::try_from(i).ok()?, progress.fills.get(i)?)))
    {
        Some((i, net)) => (i, l.quantity - net),
        None if begun < l.fills_allowed() => (begun, l.quantity),
        None => {
            return Err(PharmacyError::RefillsExhausted {
                prescription,
                line,
                fills: l.fills_allowed(),
            })
        }
    };
    if requested > room {
        return Err(PharmacyError::ExceedsPrescription {
            prescription,
            line,
            fill,
            requested,
            remaining: room,
        });
    }
    Ok(fill)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(drug: u128, quantity: u32, refills: u32) -> PrescriptionLine {
        PrescriptionLine {
            drug: DrugId::from_uuid(uuid::Uuid::from_u128(drug)),
            dose: "1  tablet".into(),
            frequency: "three times a day".into(),
            duration_days: 7,
            quantity,
            refills,
        }
    }

    fn rx() -> PrescriptionId {
        PrescriptionId::from_uuid(uuid::Uuid::from_u128(7))
    }

    #[test]
    fn a_prescription_is_checked_line_by_line() {
        let ok = validate_prescription(&NewPrescription {
            patient: PatientId::from_uuid(uuid::Uuid::from_u128(1)),
            lines: vec![line(1, 21, 0)],
            note: Some("  ".into()),
        })
        .unwrap();
        assert_eq!(ok.lines[0].dose, "1 tablet");
        assert_eq!(ok.note, None);
        let mut bad = line(1, 0, 13);
        bad.duration_days = 0;
        bad.frequency = String::new();
        let e = validate_prescription(&NewPrescription {
            patient: PatientId::from_uuid(uuid::Uuid::from_u128(1)),
            lines: vec![line(1, 21, 0), bad],
            note: None,
        })
        .unwrap_err();
        let fields: Vec<_> = e.problems().iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "lines[1].frequency",
                "lines[1].duration_days",
                "lines[1].quantity",
                "lines[1].refills",
                "lines[1].drug"
            ]
        );
        let empty = NewPrescription {
            patient: PatientId::from_uuid(uuid::Uuid::from_u128(1)),
            lines: vec![],
            note: None,
        };
        assert_eq!(
            validate_prescription(&empty).unwrap_err().problems()[0].field,
            "lines"
        );
    }

    #[test]
    fn a_line_is_filled_partially_then_refilled_up_to_its_refill_count() {
        // 21 tablets with 2 refills: up to 3 fills of 21.
        let l = line(1, 21, 2);
        let p = |fills: &[u32]| LineProgress {
            fills: fills.to_vec(),
        };
        assert_eq!(plan_fill(rx(), 0, &l, &p(&[]), 10), Ok(0));
        assert_eq!(
            plan_fill(rx(), 0, &l, &p(&[10]), 11),
            Ok(0),
            "completes the first fill"
        );
        assert_eq!(
            plan_fill(rx(), 0, &l, &p(&[10]), 12),
            Err(PharmacyError::ExceedsPrescription {
                prescription: rx(),
                line: 0,
                fill: 0,
                requested: 12,
                remaining: 11
            }),
            "a dispense never runs past the fill into the next one"
        );
        assert_eq!(plan_fill(rx(), 0, &l, &p(&[21]), 21), Ok(1));
        assert_eq!(plan_fill(rx(), 0, &l, &p(&[21, 21]), 5), Ok(2));
        assert_eq!(
            plan_fill(rx(), 0, &l, &p(&[21, 21, 21]), 1),
            Err(PharmacyError::RefillsExhausted {
                prescription: rx(),
                line: 0,
                fills: 3
            })
        );
        // 5 units of the first fill were returned: the next dispense goes back to the first fill.
        assert_eq!(plan_fill(rx(), 0, &l, &p(&[16, 21, 21]), 5), Ok(0));
    }
}
