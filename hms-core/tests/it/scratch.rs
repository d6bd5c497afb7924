//! Throw-away stores for tests: a store plus what to clean up when the test is done with it.
#![cfg(any(feature = "sqlite", feature = "postgres"))]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use hms_core::store::{Reads, Store, Writes};
use hms_core::Result;

/// What a [`Scratch`] does with its store when it is dropped.
type Cleanup<S> = Box<dyn FnOnce(&S) + Send + Sync>;

/// A store that runs `cleanup` on itself when dropped (deletes a temporary file, drops a schema).
pub struct Scratch<S: Store> {
    store: S,
    cleanup: Option<Cleanup<S>>,
}

impl<S: Store> Scratch<S> {
    pub fn new(store: S, cleanup: impl FnOnce(&S) + Send + Sync + 'static) -> Self {
        Scratch {
            store,
            cleanup: Some(Box::new(cleanup)),
        }
    }
}

impl<S: Store> Scratch<S> {
    /// The store itself.
    #[allow(dead_code)]
    pub fn inner(&self) -> &S {
        &self.store
    }
}

impl<S: Store> Drop for Scratch<S> {
    fn drop(&mut self) {
        if let Some(cleanup) = self.cleanup.take() {
            cleanup(&self.store);
        }
    }
}

impl<S: Store> Store for Scratch<S> {
    fn read<R>(&self, f: impl FnOnce(&dyn Reads) -> Result<R>) -> Result<R> {
        self.store.read(f)
    }

    fn write<R>(&self, f: impl FnMut(&mut dyn Writes) -> Result<R>) -> Result<R> {
        self.store.write(f)
    }
}

/// A fresh, empty directory under the system's temporary directory, removed by [`TempDir`]'s drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("hms-it-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Checks that `store` refuses an audit entry whose number is not the next one, names the next one,
/// and keeps nothing of the transaction.
#[allow(dead_code)]
pub fn audit_entries_out_of_order_are_refused<S: Store>(store: S) {
    use chrono::TimeZone;
    use hms_core::access::{Action, AuditHash, AuditRecord, ResourceKind};
    let entry = |seq, prev_hash| {
        AuditRecord {
            seq,
            at: chrono::Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).unwrap(),
            account: hms_core::ids::AccountId::from_uuid(uuid::Uuid::from_u128(1)),
            action: Action::Read,
            resource: ResourceKind::PatientProfile,
            patient: None,
            allowed: true,
            rule: "test".into(),
            reason: "test".into(),
            break_glass: false,
            prev_hash,
            hash: AuditHash::GENESIS,
        }
        .sealed()
    };
    let first = entry(1, AuditHash::GENESIS);
    let second = entry(2, first.hash);
    let fourth = entry(4, second.hash);
    store.write(|tx| tx.append_audit(&first)).unwrap();
    let err = store
        .write(|tx| {
            tx.append_audit(&second)?;
            tx.append_audit(&fourth)
        })
        .unwrap_err();
    assert_eq!(err.code(), "storage");
    assert!(
        err.to_string()
            .contains("audit entry 4 out of order (the next entry is 3)"),
        "{err}"
    );
    let seqs: Vec<u64> = store
        .read(|r| r.audit_after(0, 10))
        .unwrap()
        .iter()
        .map(|a| a.seq)
        .collect();
    assert_eq!(seqs, [1], "entry 2 went with the failed transaction");
}
