//! Field rules shared by patients, staff and contacts: names, telephone numbers, e-mail addresses,
//! addresses. Each rule checks one field and records its problem in a [`ValidationError`] so that a
//! form can show every mistake at once.

use serde::{Deserialize, Serialize};

use crate::error::{FieldCode, ValidationError};

/// The longest name part accepted (given, middle or family name).
pub const MAX_NAME_LEN: usize = 100;
/// The longest free-text field accepted (address lines, payer names, …).
pub const MAX_TEXT_LEN: usize = 200;

/// A person's name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PersonName {
    /// Given (first) name. Required.
    pub given: String,
    /// Middle name(s), if any.
    #[serde(default)]
    pub middle: Option<String>,
    /// Family name (surname). Required.
    pub family: String,
}

impl PersonName {
    /// A name with no middle name.
    pub fn new(given: impl Into<String>, family: impl Into<String>) -> Self {
        PersonName {
            given: given.into(),
            middle: None,
            family: family.into(),
        }
    }

    /// `Given Middle Family`.
    pub fn full(&self) -> String {
        match &self.middle {
            Some(m) if !m.trim().is_empty() => format!("{} {} {}", self.given, m, self.family),
            _ => format!("{} {}", self.given, self.family),
        }
    }

    /// The name with surrounding white space removed and inner runs of white space folded.
    pub fn normalized(&self) -> PersonName {
        PersonName {
            given: fold_spaces(&self.given),
            middle: self.middle.as_deref().map(fold_spaces).filter(|m| !m.is_empty()),
            family: fold_spaces(&self.family),
        }
    }

    /// Rule: given and family names are required and at most [`MAX_NAME_LEN`] characters.
    pub fn check(&self, field: &str, errors: &mut ValidationError) {
        required_text(&format!("{field}.given"), &self.given, MAX_NAME_LEN, errors);
        required_text(&format!("{field}.family"), &self.family, MAX_NAME_LEN, errors);
        if let Some(m) = &self.middle {
            max_len(&format!("{field}.middle"), m, MAX_NAME_LEN, errors);
        }
    }
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Address {
    /// Street and number. Required.
    pub line1: String,
    /// Flat, building, care-of.
    #[serde(default)]
    pub line2: Option<String>,
    /// City or town. Required.
    pub city: String,
    /// State, province or county.
    #[serde(default)]
    pub region: Option<String>,
    /// Postal code.
    #[serde(default)]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code, e.g. `IN`, `US`, `DE`. Required.
    pub country: String,
}

impl Address {
    /// Rule: street, city and country are required; the country is two letters (ISO 3166-1 alpha-2).
    pub fn check(&self, field: &str, errors: &mut ValidationError) {
        required_text(&format!("{field}.line1"), &self.line1, MAX_TEXT_LEN, errors);
        required_text(&format!("{field}.city"), &self.city, MAX_TEXT_LEN, errors);
        if let Some(l) = &self.line2 {
            max_len(&format!("{field}.line2"), l, MAX_TEXT_LEN, errors);
        }
        if let Some(r) = &self.region {
            max_len(&format!("{field}.region"), r, MAX_TEXT_LEN, errors);
        }
        if let Some(p) = &self.postal_code {
            max_len(&format!("{field}.postal_code"), p, 16, errors);
        }
        let c = self.country.trim();
        if c.is_empty() {
            errors.push(
                format!("{field}.country"),
                FieldCode::Required,
                "the country is required",
            );
        } else if c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_alphabetic()) {
            errors.push(
                format!("{field}.country"),
                FieldCode::InvalidFormat,
                format!("`{c}` is not a two-letter country code"),
            );
        }
    }

    /// The address with trimmed fields and an upper-case country code.
    pub fn normalized(&self) -> Address {
        let opt = |o: &Option<String>| o.as_deref().map(fold_spaces).filter(|s| !s.is_empty());
        Address {
            line1: fold_spaces(&self.line1),
            line2: opt(&self.line2),
            city: fold_spaces(&self.city),
            region: opt(&self.region),
            postal_code: opt(&self.postal_code),
            country: self.country.trim().to_ascii_uppercase(),
        }
    }
}

/// Trims and folds inner white space to single spaces.
pub fn fold_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Rule: a required text field is not blank and not longer than `max` characters.
pub fn required_text(field: &str, value: &str, max: usize, errors: &mut ValidationError) {
    if value.trim().is_empty() {
        errors.push(field, FieldCode::Required, format!("`{field}` is required"));
    } else {
        max_len(field, value, max, errors);
    }
}

/// Rule: a text field is not longer than `max` characters.
pub fn max_len(field: &str, value: &str, max: usize, errors: &mut ValidationError) {
    let n = value.trim().chars().count();
    if n > max {
        errors.push(
            field,
            FieldCode::TooLong,
            format!("`{field}` has {n} characters, at most {max} are allowed"),
        );
    }
}

/// Normalizes a telephone number to `+` (if given) followed by its digits, or `None` if it is not one.
///
/// Rule: a telephone number has 7 to 15 digits (the E.164 maximum), may start with `+`, and may use
/// spaces, dashes, dots and parentheses as separators; nothing else.
///
/// ```
/// # use hms_core::people::normalize_phone;
/// assert_eq!(normalize_phone("+91 (80) 4123-4567").as_deref(), Some("+918041234567"));
/// assert_eq!(normalize_phone("12-34"), None);
/// assert_eq!(normalize_phone("call me"), None);
/// ```
pub fn normalize_phone(raw: &str) -> Option<String> {
    let s = raw.trim();
    let (plus, rest) = match s.strip_prefix('+') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let mut digits = String::with_capacity(rest.len() + 1);
    if plus {
        digits.push('+');
    }
    for ch in rest.chars() {
        match ch {
            '0'..='9' => digits.push(ch),
            ' ' | '-' | '.' | '(' | ')' => {}
            _ => return None,
        }
    }
    let count = digits.chars().filter(char::is_ascii_digit).count();
    (7..=15).contains(&count).then_some(digits)
}

/// Rule: a telephone number as [`normalize_phone`] accepts it.
pub fn check_phone(field: &str, value: &str, errors: &mut ValidationError) {
    if value.trim().is_empty() {
        errors.push(field, FieldCode::Required, format!("`{field}` is required"));
    } else if normalize_phone(value).is_none() {
        errors.push(
            field,
            FieldCode::InvalidPhone,
            format!("`{}` is not a telephone number", value.trim()),
        );
    }
}

/// Rule: an e-mail address has one `@`, a non-empty local part, a domain with a dot and no empty
/// label, no white space, and at most 254 characters.
///
/// ```
/// # use hms_core::people::is_email;
/// assert!(is_email("asha.rao@clinic.example"));
/// assert!(!is_email("asha.rao@clinic"));
/// assert!(!is_email("asha rao@clinic.example"));
/// ```
pub fn is_email(value: &str) -> bool {
    let v = value.trim();
    if v.len() > 254 || v.chars().any(char::is_whitespace) {
        return false;
    }
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && domain
            .split('.')
            .all(|label| !label.is_empty() && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

/// Rule: an e-mail address as [`is_email`] accepts it.
pub fn check_email(field: &str, value: &str, errors: &mut ValidationError) {
    if !is_email(value) {
        errors.push(
            field,
            FieldCode::InvalidEmail,
            format!("`{}` is not an e-mail address", value.trim()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers() {
        assert_eq!(normalize_phone("030 1234567").as_deref(), Some("0301234567"));
        assert_eq!(
            normalize_phone("+1 212.555.0100").as_deref(),
            Some("+12125550100")
        );
        assert_eq!(normalize_phone("123456"), None, "six digits is too short");
        assert_eq!(
            normalize_phone("1234567890123456"),
            None,
            "sixteen digits is too long"
        );
        assert_eq!(normalize_phone("+49 30 1234567 ext 5"), None);
        assert_eq!(normalize_phone("++491234567"), None);
    }

    #[test]
    fn emails() {
        assert!(is_email("a@b.co"));
        assert!(!is_email("@b.co"));
        assert!(!is_email("a@@b.co"));
        assert!(!is_email("a@b..co"));
        assert!(!is_email("a@.b.co"));
        assert!(!is_email(""));
    }

    #[test]
    fn names_need_given_and_family() {
        let mut e = ValidationError::default();
        PersonName::new("  ", "Rao").check("name", &mut e);
        PersonName::new("Asha", "x".repeat(101)).check("name", &mut e);
        let codes: Vec<_> = e.problems().iter().map(|p| (p.field.as_str(), p.code)).collect();
        assert_eq!(
            codes,
            [
                ("name.given", FieldCode::Required),
                ("name.family", FieldCode::TooLong)
            ]
        );
    }

    #[test]
    fn addresses_need_street_city_and_a_country_code() {
        let mut e = ValidationError::default();
        Address {
            line1: "".into(),
            line2: None,
            city: "Pune".into(),
            region: None,
            postal_code: None,
            country: "India".into(),
        }
        .check("address", &mut e);
        let codes: Vec<_> = e.problems().iter().map(|p| (p.field.as_str(), p.code)).collect();
        assert_eq!(
            codes,
            [
                ("address.line1", FieldCode::Required),
                ("address.country", FieldCode::InvalidFormat)
            ]
        );
    }
}
