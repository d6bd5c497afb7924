//! The drug catalog: what the pharmacy stocks, how it is dispensed, and when to reorder it.
//!
//! Rules: a drug has a generic name, a strength, a dispensing unit and a pack size of at least one
//! unit; its ATC code follows the WHO Anatomical Therapeutic Chemical structure (`N02BE01`, or a
//! shorter group code such as `N02BE`); a controlled substance always needs a prescription; a reorder
//! rule per store location has a reorder quantity of at least one unit.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Location;
use crate::error::{FieldCode, ValidationError};
use crate::ids::DrugId;
use crate::people::{fold_spaces, required_text};

/// The pharmaceutical form of a drug.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DosageForm {
    /// Tablet.
    Tablet,
    /// Capsule.
    Capsule,
    /// Oral solution or syrup.
    Syrup,
    /// Oral suspension.
    Suspension,
    /// Injection (vial, ampoule, prefilled syringe).
    Injection,
    /// Infusion bag.
    Infusion,
    /// Cream.
    Cream,
    /// Ointment.
    Ointment,
    /// Eye, ear or nose drops.
    Drops,
    /// Inhaler.
    Inhaler,
    /// Transdermal patch.
    Patch,
    /// Suppository.
    Suppository,
    /// Powder (sachet, for reconstitution).
    Powder,
    /// Anything else.
    Other,
}

/// When to reorder a drug at one store location.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReorderRule {
    /// Reorder when usable stock plus stock on order falls to this many units or fewer.
    pub level: u32,
    /// How many units to order (rounded up to whole packs when suggested).
    pub quantity: u32,
}

/// What the catalog records about a drug (the form an admin fills in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrugDetails {
    /// International non-proprietary name, e.g. `paracetamol`.
    pub generic_name: String,
    /// Brand name, if the catalog entry is a branded product.
    #[serde(default)]
    pub brand: Option<String>,
    /// Strength as printed, e.g. `500 mg`, `5 mg/ml`.
    pub strength: String,
    /// Form.
    pub form: DosageForm,
    /// The unit counted when dispensing and in stock, e.g. `tablet`, `vial`, `bottle`.
    pub dispensing_unit: String,
    /// Units in one pack as supplied.
    pub pack_size: u32,
    /// WHO ATC code, e.g. `N02BE01`.
    pub atc_code: String,
    /// Whether it is a controlled substance (opioids, benzodiazepines, …).
    #[serde(default)]
    pub controlled: bool,
    /// Whether it may be handed out only against a prescription.
    #[serde(default)]
    pub prescription_only: bool,
    /// Reorder rules per store location.
    #[serde(default)]
    pub reorder: BTreeMap<Location, ReorderRule>,
}

/// A drug in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drug {
    /// Its id.
    pub id: DrugId,
    /// What the catalog records (normalized).
    pub details: DrugDetails,
    /// When it was added.
    pub added_at: DateTime<Utc>,
    /// Incremented on every change.
    pub version: u32,
}

impl Drug {
    /// A name for people: `Paracetamol 500 mg tablet (Calpol)`.
    pub fn display_name(&self) -> String {
        let d = &self.details;
        let mut name = format!("{} {} {}", d.generic_name, d.strength, d.dispensing_unit);
        if let Some(b) = &d.brand {
            name.push_str(&format!(" ({b})"));
        }
        name
    }
}

/// The first letters of the 14 anatomical main groups of the ATC classification.
const ATC_GROUPS: &str = "ABCDGHJLMNPRSV";

/// Rule: whether `code` (already upper-case) is a WHO ATC code at level 1 to 5: an anatomical main
/// group letter, then two digits, a letter, a letter and two digits, cut after any whole level
/// (`N`, `N02`, `N02B`, `N02BE`, `N02BE01`).
pub fn is_atc_code(code: &str) -> bool {
    let b = code.as_bytes();
    if !matches!(b.len(), 1 | 3 | 4 | 5 | 7) {
        return false;
    }
    b.iter().enumerate().all(|(i, c)| match i {
        0 => ATC_GROUPS.as_bytes().contains(c),
        1 | 2 | 5 | 6 => c.is_ascii_digit(),
        _ => c.is_ascii_uppercase(),
    })
}

/// Checks a catalog entry and returns it normalized (names with single spaces, generic name in lower
/// case, ATC code in upper case).
///
/// # Errors
/// A [`ValidationError`] listing every invalid field.
pub fn validate_drug(d: &DrugDetails) -> Result<DrugDetails, ValidationError> {
    let mut e = ValidationError::default();
    required_text("generic_name", &d.generic_name, 200, &mut e);
    required_text("strength", &d.strength, 64, &mut e);
    required_text("dispensing_unit", &d.dispensing_unit, 32, &mut e);
    let brand = d.brand.as_deref().map(fold_spaces).filter(|b| !b.is_empty());
    if let Some(b) = &brand {
        crate::people::required_text("brand", b, 200, &mut e);
    }
    if d.pack_size == 0 {
        e.push(
            "pack_size",
            FieldCode::OutOfRange,
            "a pack holds at least one unit",
        );
    }
    let atc = d.atc_code.trim().to_ascii_uppercase();
    if atc.is_empty() {
        e.push("atc_code", FieldCode::Required, "the ATC code is required");
    } else if !is_atc_code(&atc) {
        e.push(
            "atc_code",
            FieldCode::InvalidFormat,
            format!("`{}` is not an ATC code (e.g. `N02BE01`)", d.atc_code),
        );
    }
    if d.controlled && !d.prescription_only {
        e.push(
            "prescription_only",
            FieldCode::Inconsistent,
            "a controlled substance can only be dispensed against a prescription",
        );
    }
    for (location, rule) in &d.reorder {
        if rule.quantity == 0 {
            e.push(
                format!("reorder[{location}].quantity"),
                FieldCode::OutOfRange,
                "the reorder quantity is at least one unit",
            );
        }
    }
    e.into_result()?;
    Ok(DrugDetails {
        generic_name: fold_spaces(&d.generic_name).to_lowercase(),
        brand,
        strength: fold_spaces(&d.strength),
        form: d.form,
        dispensing_unit: fold_spaces(&d.dispensing_unit).to_lowercase(),
        pack_size: d.pack_size,
        atc_code: atc,
        controlled: d.controlled,
        prescription_only: d.prescription_only,
        reorder: d.reorder.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn paracetamol() -> DrugDetails {
        DrugDetails {
            generic_name: "  Paracetamol ".into(),
            brand: Some("Calpol".into()),
            strength: "500  mg".into(),
            form: DosageForm::Tablet,
            dispensing_unit: "Tablet".into(),
            pack_size: 20,
            atc_code: "n02be01".into(),
            controlled: false,
            prescription_only: false,
            reorder: [(
                Location::parse("main").unwrap(),
                ReorderRule {
                    level: 100,
                    quantity: 200,
                },
            )]
            .into(),
        }
    }

    #[test]
    fn atc_codes_follow_the_who_structure() {
        for ok in ["N", "N02", "N02B", "N02BE", "N02BE01", "A10BA02", "J01CA04"] {
            assert!(is_atc_code(ok), "{ok}");
        }
        // E is not an anatomical main group; levels cannot be cut mid-way; letters and digits have
        // fixed places.
        for bad in [
            "E02BE01", "N0", "N02BE0", "N2BE01X", "NO2BE01", "N02be01", "N02BE01X", "",
        ] {
            assert!(!is_atc_code(bad), "{bad}");
        }
    }

    #[test]
    fn a_drug_is_normalized() {
        let d = validate_drug(&paracetamol()).unwrap();
        assert_eq!(d.generic_name, "paracetamol");
        assert_eq!(d.strength, "500 mg");
        assert_eq!(d.dispensing_unit, "tablet");
        assert_eq!(d.atc_code, "N02BE01");
        let drug = Drug {
            id: DrugId::from_uuid(uuid::Uuid::from_u128(1)),
            details: d,
            added_at: chrono::DateTime::UNIX_EPOCH,
            version: 1,
        };
        assert_eq!(drug.display_name(), "paracetamol 500 mg tablet (Calpol)");
    }

    #[test]
    fn every_bad_field_is_listed() {
        let mut d = paracetamol();
        d.generic_name = " ".into();
        d.pack_size = 0;
        d.atc_code = "X99".into();
        d.controlled = true; // a controlled substance sold without a prescription
        d.reorder.insert(
            Location::parse("ward-3").unwrap(),
            ReorderRule {
                level: 10,
                quantity: 0,
            },
        );
        let e = validate_drug(&d).unwrap_err();
        let fields: Vec<_> = e.problems().iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "generic_name",
                "pack_size",
                "atc_code",
                "prescription_only",
                "reorder[ward-3].quantity"
            ]
        );
    }
}
