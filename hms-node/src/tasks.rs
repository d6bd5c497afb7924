//! Work that runs off the JavaScript thread: every `Hospital` use case (they touch the store) and
//! the slot searches that can scan a lot. Each is an `AsyncTask` run on libuv's thread pool and
//! returned to JavaScript as a `Promise`, so the event loop is never blocked.
//!
//! One generic task, [`Job`]: the work is a closure over core types only (the arguments are read
//! and checked on the JavaScript thread before it starts), and a core error becomes the `HmsError`
//! rejection in `resolve`, back on the JavaScript thread. napi-rs cannot name the `Promise`'s type
//! from a generic task, so each method that returns one says it in `ts_return_type` (a
//! `#[napi] impl Task` per result type would name it, but registers an empty class per task in the
//! module's exports).

use napi::bindgen_prelude::{AsyncTask, Task, ToNapiValue, TypeName};
use napi::Env;

use crate::errors;

/// The work of one task: runs once, on a thread-pool thread.
type Work<T> = Box<dyn FnOnce() -> hms_core::Result<T> + Send>;

/// A use case or search to run on the thread pool, resolving to `T`.
pub struct Job<T>(Option<Work<T>>);

impl<T> std::fmt::Debug for Job<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

impl<T: Send + 'static> Job<T> {
    /// A task that runs `work` on the thread pool.
    pub fn spawn(work: impl FnOnce() -> hms_core::Result<T> + Send + 'static) -> AsyncTask<Job<T>>
    where
        T: ToNapiValue + TypeName,
    {
        AsyncTask::new(Job(Some(Box::new(work))))
    }
}

impl<T: ToNapiValue + TypeName + Send + 'static> Task for Job<T> {
    type Output = hms_core::Result<T>;
    type JsValue = T;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        match self.0.take() {
            // A panic must not unwind into libuv (that aborts Node): it rejects the promise with a
            // plain (non-`HmsError`) error instead. The core does not panic on purpose.
            Some(work) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(work))
                .map_err(|_| napi::Error::from_reason("hms: internal error (a panic in the core)")),
            // napi computes a task once; a second run is a storage error rather than a panic.
            None => Ok(Err(hms_core::error::StorageError::Backend {
                backend: "node",
                message: "a task ran twice".to_owned(),
            }
            .into())),
        }
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<T> {
        output.map_err(|e| errors::to_napi(&env, &e))
    }
}
