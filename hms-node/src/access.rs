//! `Policy`: an access policy, read from TOML or JSON and checked, with the core's pure decision
//! function. `decide` is synchronous (a decision is a few bit tests on the compiled index); the
//! hospital's use cases decide with their own policy (the second argument of its factories) and
//! load the facts themselves.

use std::sync::Arc;

use hms_core::access::{decide, default_policy, CompiledPolicy, Policy as CorePolicy};
use napi::Env;
use napi_derive::napi;

use crate::convert::access::{self as acc, AccessFacts, AccessRequest, AppointmentWindow, Decision};
use crate::convert::{Instant, Reader};
use crate::errors::OrThrow;

/// An access policy: rules as data (deny unless a rule permits; a forbid rule beats any permit),
/// and its settings (the appointment window, the longest emergency access).
#[napi]
#[derive(Debug, Clone)]
pub struct Policy {
    compiled: Arc<CompiledPolicy>,
}

impl Policy {
    fn of(policy: CorePolicy) -> Result<Policy, hms_core::access::AccessError> {
        Ok(Policy {
            compiled: Arc::new(CompiledPolicy::compile(policy)?),
        })
    }

    /// The built-in hospital policy.
    ///
    /// # Errors
    /// None in practice: the built-in policy is valid (a core test pins it).
    pub fn default_policy() -> hms_core::Result<Policy> {
        Ok(Policy::of(default_policy())?)
    }

    /// A compiled copy for a hospital.
    ///
    /// # Errors
    /// None in practice: the policy was checked when it was made.
    pub fn compiled(&self) -> hms_core::Result<CompiledPolicy> {
        Ok(CompiledPolicy::compile(self.compiled.policy().clone())?)
    }
}

#[napi]
impl Policy {
    /// The built-in hospital policy (what a hospital uses when given none).
    #[napi(factory, catch_unwind)]
    pub fn hospital_default(env: Env) -> napi::Result<Policy> {
        Policy::default_policy().or_throw(&env)
    }

    /// Reads and checks a policy written in JSON. Throws `invalid_policy` listing every problem
    /// (`problems`: path, code, message).
    #[napi(factory, catch_unwind)]
    pub fn from_json(env: Env, text: String) -> napi::Result<Policy> {
        CorePolicy::from_json(&text).and_then(Policy::of).or_throw(&env)
    }

    /// Reads and checks a policy written in TOML. Throws `invalid_policy` listing every problem.
    #[napi(factory, catch_unwind)]
    pub fn from_toml(env: Env, text: String) -> napi::Result<Policy> {
        CorePolicy::from_toml(&text).and_then(Policy::of).or_throw(&env)
    }

    /// The policy as pretty JSON (what `fromJson` reads).
    #[napi(catch_unwind)]
    pub fn to_json(&self, env: Env) -> napi::Result<String> {
        self.compiled.policy().to_json().or_throw(&env)
    }

    /// The policy as TOML (what `fromToml` reads).
    #[napi(catch_unwind)]
    pub fn to_toml(&self, env: Env) -> napi::Result<String> {
        self.compiled.policy().to_toml().or_throw(&env)
    }

    /// How many rules it has.
    #[napi(getter)]
    pub fn rule_count(&self) -> u32 {
        u32::try_from(self.compiled.rule_count()).unwrap_or(u32::MAX)
    }

    /// The rules' ids, in order.
    #[napi]
    pub fn rule_ids(&self) -> Vec<String> {
        self.compiled
            .policy()
            .rules
            .iter()
            .map(|r| r.id.clone())
            .collect()
    }

    /// The longest emergency access, in minutes.
    #[napi(getter)]
    pub fn break_glass_max_minutes(&self) -> u32 {
        self.compiled.settings().break_glass_max_minutes
    }

    /// The window around an appointment in which it makes its doctor part of the patient's care.
    #[napi(getter)]
    pub fn appointment_window(&self) -> AppointmentWindow {
        self.compiled.settings().appointment_window.into()
    }

    /// Decides a request at `now`, given what is known of the subject's relationships with the
    /// patient (`facts`, none when left out): allowed or not, the deciding rule, the reason.
    /// Throws `invalid_input` for an unreadable id or instant.
    #[napi(catch_unwind)]
    pub fn decide(
        &self,
        env: Env,
        request: AccessRequest,
        now: Instant,
        facts: Option<AccessFacts>,
    ) -> napi::Result<Decision> {
        let mut r = Reader::new();
        let req = acc::request(&mut r, &request);
        let now = r.instant("now", &now);
        let facts = acc::facts(&mut r, &facts.unwrap_or_default(), req.map(|q| q.subject.account));
        let ((req, now), facts) = r.take(req.zip(now).zip(facts)).or_throw(&env)?;
        Ok(decide(&self.compiled, &req, &facts, now).into())
    }
}
