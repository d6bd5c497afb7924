//! The SQL backends search patients in SQL; this checks, over many generated patients and queries
//! (upper case, accents, dotted capital I, several-word names, identifiers typed with spaces and
//! dashes, inactive records, limits), that they return exactly what the rule
//! [`PatientQuery::matches`] accepts, in the rule's order — the memory store's semantics.
#![cfg(any(feature = "sqlite", feature = "postgres"))]

use chrono::{NaiveDate, TimeZone, Utc};
use hms_core::ids::PatientId;
use hms_core::people::{
    deactivate, register, validate_patient, AdministrativeSex, Mrn, Patient, PatientDetails, PersonName,
};
use hms_core::store::{MemoryStore, PatientQuery, Store};

/// SplitMix64, so the generated data is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &'a [&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const GIVEN: &[&str] = &[
    "Asha", "Ashok", "ASHWINI", "Émile", "İlker", "Zoë", "Mary Ann", "O'Neil", "Bina", "ash",
];
const MIDDLE: &[&str] = &["K", "Lakshmi", "van", "Ásta"];
const FAMILY: &[&str] = &[
    "Rao",
    "de la Cruz",
    "Öztürk",
    "Van Der Berg",
    "Nair",
    "Raoul",
    "RAO",
    "rao",
    "Ünal",
];

fn patients() -> Vec<Patient> {
    let mut rng = Rng(7);
    let today = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap();
    (0..60u64)
        .map(|i| {
            let mut name = PersonName::new(rng.pick(GIVEN), rng.pick(FAMILY));
            if rng.below(3) == 0 {
                name.middle = Some(rng.pick(MIDDLE).to_owned());
            }
            let mut d = PatientDetails::new(
                name,
                NaiveDate::from_ymd_opt(1950 + (i % 50) as i32, 1 + (i % 12) as u32, 1).unwrap(),
                AdministrativeSex::Unknown,
            );
            d.phone = Some(format!("+91 98450 {:05}", 10_000 + i));
            if rng.below(2) == 0 {
                d.national_id = Some(format!("ab-{:04} {:04}", i, 7_000 + i));
            }
            let d = validate_patient(&d, today).unwrap();
            // Ids in an order unrelated to the names, so ties on the name are broken by id.
            let id = PatientId::from_uuid(uuid::Uuid::from_u128(u128::from(rng.next())));
            let p = register(id, Mrn::from_sequence(i + 1), d, now);
            if rng.below(5) == 0 {
                deactivate(&p, "registered in error", now).unwrap()
            } else {
                p
            }
        })
        .collect()
}

fn prefix(s: &str, rng: &mut Rng) -> String {
    let n = s.chars().count();
    let take = 1 + rng.below(n.max(1));
    let p: String = s.chars().take(take).collect();
    match rng.below(3) {
        0 => p.to_uppercase(),
        1 => p.to_lowercase(),
        _ => p,
    }
}

fn queries(patients: &[Patient]) -> Vec<PatientQuery> {
    let mut rng = Rng(11);
    let mut out = Vec::new();
    for _ in 0..300 {
        let p = &patients[rng.below(patients.len())];
        let n = &p.details.name;
        let parts: Vec<&str> = [
            Some(n.given.as_str()),
            n.middle.as_deref(),
            Some(n.family.as_str()),
        ]
        .into_iter()
        .flatten()
        .flat_map(str::split_whitespace)
        .collect();
        let text = match rng.below(9) {
            0 => p.mrn.as_str().to_owned(),
            1 => p
                .details
                .phone
                .clone()
                .unwrap()
                .replace("+91", "+91 ")
                .replace('9', "9-"),
            2 => p.details.national_id.clone().unwrap_or_default().to_lowercase(),
            3 => String::new(),
            4 => "zz".to_owned(),
            5 => format!(
                "{} {}",
                prefix(parts[rng.below(parts.len())], &mut rng),
                prefix(parts[rng.below(parts.len())], &mut rng)
            ),
            6 => format!("  {}  ", prefix(parts[rng.below(parts.len())], &mut rng)),
            _ => prefix(parts[rng.below(parts.len())], &mut rng),
        };
        out.push(PatientQuery {
            text,
            include_inactive: rng.below(2) == 0,
            limit: [0, 1, 3, 100][rng.below(4)],
        });
    }
    out
}

/// What the rule says a search returns: matching patients by family name, given name, id.
fn expected(patients: &[Patient], q: &PatientQuery) -> Vec<PatientId> {
    let mut found: Vec<&Patient> = patients.iter().filter(|p| q.matches(p)).collect();
    found.sort_by_key(|p| {
        (
            p.details.name.family.to_lowercase(),
            p.details.name.given.to_lowercase(),
            p.id,
        )
    });
    found
        .into_iter()
        .take(q.effective_limit())
        .map(|p| p.id)
        .collect()
}

fn check<S: Store>(store: S) {
    let patients = patients();
    store
        .write(|tx| {
            for p in &patients {
                tx.insert_patient(p)?;
            }
            Ok(())
        })
        .unwrap();
    let mut non_empty = 0;
    for q in queries(&patients) {
        let want = expected(&patients, &q);
        non_empty += usize::from(!want.is_empty());
        let got: Vec<PatientId> = store
            .read(|r| r.search_patients(&q))
            .unwrap()
            .into_iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(got, want, "query {q:?}");
    }
    assert!(
        non_empty > 200,
        "the queries mostly find someone ({non_empty} of 300)"
    );
}

#[test]
fn the_reference_store_agrees_with_the_rule() {
    check(MemoryStore::new());
}

#[cfg(feature = "sqlite")]
#[test]
fn sqlite_search_agrees_with_the_rule() {
    check(hms_core::store::sqlite::SqliteStore::in_memory().unwrap());
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_search_agrees_with_the_rule() {
    check(crate::conformance_postgres::scratch(
        hms_core::store::postgres::PostgresOptions::default(),
    ));
}
