//! Payment gateways: the seam where a host plugs in Stripe, Razorpay or another provider.
//!
//! The library never talks to a gateway on its own: the host passes a [`PaymentGateway`] to the use
//! cases that need one. Creating an intent is the gateway's business; a payment is recorded only when
//! the gateway's signed webhook says it succeeded, under the gateway's payment reference, so a
//! webhook delivered twice records one payment.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use super::BillingError;
use crate::ids::PatientId;
use crate::money::{Currency, Money};

/// A request to start an online payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntentRequest {
    /// The patient paying.
    pub patient: PatientId,
    /// How much.
    pub amount: Money,
    /// The hospital's own reference for the attempt (the gateway's idempotency key).
    pub reference: String,
}

/// A payment the gateway is ready to take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentIntent {
    /// The gateway's id of the intent.
    pub id: String,
    /// The gateway.
    pub provider: String,
    /// The patient paying.
    pub patient: PatientId,
    /// How much.
    pub amount: Money,
    /// What the payment page needs to complete the payment.
    pub client_secret: String,
}

/// What a verified webhook says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum GatewayEvent {
    /// A payment succeeded.
    PaymentSucceeded {
        /// The gateway's payment reference (unique per payment).
        payment_reference: String,
        /// The intent it completes.
        intent: String,
        /// The patient who paid.
        patient: PatientId,
        /// How much.
        amount: Money,
    },
    /// Anything else (a failure, a dispute), which records nothing.
    Other {
        /// The gateway's event name.
        name: String,
    },
}

/// A payment gateway adapter.
pub trait PaymentGateway: Send + Sync + fmt::Debug {
    /// The provider's name, e.g. `stripe`.
    fn provider(&self) -> &str;

    /// Starts an online payment.
    ///
    /// # Errors
    /// `gateway_failed` when the gateway refuses or cannot be reached.
    fn create_intent(&self, request: &IntentRequest) -> Result<PaymentIntent, BillingError>;

    /// Checks a webhook's signature and reads it.
    ///
    /// # Errors
    /// `invalid_signature` when the signature does not match the payload; `gateway_failed` when the
    /// payload cannot be read.
    fn verify_webhook(&self, payload: &[u8], signature: &str) -> Result<GatewayEvent, BillingError>;
}

/// An in-memory gateway for tests and demos.
///
/// Its webhooks are lines of `key=value` text, signed with a keyed 64-bit hash of a shared secret and
/// the payload. That hash is **not** cryptographic: it stands in for the HMAC-SHA256 a real provider
/// uses, so that tests can check that a bad signature is refused.
#[derive(Debug)]
pub struct MemoryGateway {
    secret: String,
    refuse: bool,
    next: AtomicU64,
}

impl MemoryGateway {
    /// A gateway that accepts every intent.
    pub fn new(secret: impl Into<String>) -> Self {
        MemoryGateway {
            secret: secret.into(),
            refuse: false,
            next: AtomicU64::new(1),
        }
    }

    /// A gateway that refuses every intent (a provider outage).
    pub fn refusing(secret: impl Into<String>) -> Self {
        MemoryGateway {
            refuse: true,
            ..MemoryGateway::new(secret)
        }
    }

    /// The signature of a payload.
    pub fn sign(&self, payload: &[u8]) -> String {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.secret.as_bytes().iter().chain([0u8].iter()).chain(payload) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        // A final avalanche (SplitMix64) so that near payloads get unrelated signatures.
        h = (h ^ (h >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        format!("{:016x}", h ^ (h >> 31))
    }

    /// The signed webhook the gateway sends when the payment of `intent` succeeds as
    /// `payment_reference`: `(payload, signature)`.
    pub fn succeeded_webhook(&self, intent: &PaymentIntent, payment_reference: &str) -> (Vec<u8>, String) {
        let payload = format!(
            "event=payment.succeeded\nintent={}\npayment={payment_reference}\npatient={}\namount={}\ncurrency={}\n",
            intent.id, intent.patient, intent.amount.amount, intent.amount.currency
        )
        .into_bytes();
        let sig = self.sign(&payload);
        (payload, sig)
    }

    fn unreadable(&self, what: &str) -> BillingError {
        BillingError::GatewayFailed {
            provider: self.provider().to_owned(),
            message: format!("the webhook has no readable `{what}`"),
        }
    }
}

impl PaymentGateway for MemoryGateway {
    fn provider(&self) -> &str {
        "memory"
    }

    fn create_intent(&self, request: &IntentRequest) -> Result<PaymentIntent, BillingError> {
        if self.refuse {
            return Err(BillingError::GatewayFailed {
                provider: self.provider().to_owned(),
                message: "the gateway is unavailable".to_owned(),
            });
        }
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        Ok(PaymentIntent {
            id: format!("pi_{n}"),
            provider: self.provider().to_owned(),
            patient: request.patient,
            amount: request.amount,
            client_secret: format!("pi_{n}_secret_{}", self.sign(request.reference.as_bytes())),
        })
    }

    fn verify_webhook(&self, payload: &[u8], signature: &str) -> Result<GatewayEvent, BillingError> {
        if self.sign(payload) != signature.trim() {
            return Err(BillingError::InvalidSignature {
                provider: self.provider().to_owned(),
            });
        }
        let text = std::str::from_utf8(payload).map_err(|_| self.unreadable("text"))?;
        let field = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
                .map(str::trim)
        };
        let event = field("event").ok_or_else(|| self.unreadable("event"))?;
        if event != "payment.succeeded" {
            return Ok(GatewayEvent::Other {
                name: event.to_owned(),
            });
        }
        let currency: Currency = field("currency")
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| self.unreadable("currency"))?;
        let amount = field("amount")
            .and_then(|a| Money::parse(a, currency).ok())
            .ok_or_else(|| self.unreadable("amount"))?;
        Ok(GatewayEvent::PaymentSucceeded {
            payment_reference: field("payment")
                .ok_or_else(|| self.unreadable("payment"))?
                .to_owned(),
            intent: field("intent")
                .ok_or_else(|| self.unreadable("intent"))?
                .to_owned(),
            patient: field("patient")
                .and_then(|p| p.parse().ok())
                .ok_or_else(|| self.unreadable("patient"))?,
            amount,
        })
    }
}
