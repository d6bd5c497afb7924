//! Money: a decimal amount in an ISO 4217 currency.
//!
//! Rules this module keeps:
//! - amounts are [`Decimal`], never binary floating point, so `0.10 + 0.20 == 0.30` exactly;
//! - two amounts in different currencies never add up: the attempt is a [`MoneyError::CurrencyMismatch`];
//! - rounding is half-up (away from zero on a tie) to the currency's minor unit: cents for USD, none for
//!   JPY, fils (three places) for KWD;
//! - a split of an amount into parts ([`Money::allocate`]) uses the largest-remainder method, so the parts
//!   always add up to the whole to the last minor unit.

use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// An error from a money rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// Two amounts in different currencies were combined.
    #[error("cannot combine `{left}` with `{right}`: the currencies differ")]
    CurrencyMismatch {
        /// The currency of the left operand.
        left: Currency,
        /// The currency of the right operand.
        right: Currency,
    },
    /// The currency code is not an active ISO 4217 code.
    #[error("`{code}` is not an ISO 4217 currency code")]
    UnknownCurrency {
        /// The code as given.
        code: String,
    },
    /// The arithmetic a money rule needs goes beyond the largest number an amount can hold (about
    /// 7.9 × 10^28), e.g. a huge amount split by huge weights.
    #[error("`{amount}` cannot be split by these weights: the numbers are too large")]
    Overflow {
        /// The amount being split.
        amount: Money,
    },
}

impl MoneyError {
    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            MoneyError::CurrencyMismatch { .. } => "currency_mismatch",
            MoneyError::UnknownCurrency { .. } => "unknown_currency",
            MoneyError::Overflow { .. } => "amount_overflow",
        }
    }
}

/// An ISO 4217 currency: its three-letter code and the number of decimal places of its minor unit.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: [u8; 3],
    minor_units: u8,
}

/// Active ISO 4217 codes and their minor units (the standard's list, funds codes and precious metals
/// left out).
#[rustfmt::skip]
const CURRENCIES: &[(&str, u8)] = &[
    ("AED", 2), ("AFN", 2), ("ALL", 2), ("AMD", 2), ("ANG", 2), ("AOA", 2), ("ARS", 2), ("AUD", 2),
    ("AWG", 2), ("AZN", 2), ("BAM", 2), ("BBD", 2), ("BDT", 2), ("BGN", 2), ("BHD", 3), ("BIF", 0),
    ("BMD", 2), ("BND", 2), ("BOB", 2), ("BRL", 2), ("BSD", 2), ("BTN", 2), ("BWP", 2), ("BYN", 2),
    ("BZD", 2), ("CAD", 2), ("CDF", 2), ("CHF", 2), ("CLP", 0), ("CNY", 2), ("COP", 2), ("CRC", 2),
    ("CUP", 2), ("CVE", 2), ("CZK", 2), ("DJF", 0), ("DKK", 2), ("DOP", 2), ("DZD", 2), ("EGP", 2),
    ("ERN", 2), ("ETB", 2), ("EUR", 2), ("FJD", 2), ("FKP", 2), ("GBP", 2), ("GEL", 2), ("GHS", 2),
    ("GIP", 2), ("GMD", 2), ("GNF", 0), ("GTQ", 2), ("GYD", 2), ("HKD", 2), ("HNL", 2), ("HTG", 2),
    ("HUF", 2), ("IDR", 2), ("ILS", 2), ("INR", 2), ("IQD", 3), ("IRR", 2), ("ISK", 0), ("JMD", 2),
    ("JOD", 3), ("JPY", 0), ("KES", 2), ("KGS", 2), ("KHR", 2), ("KMF", 0), ("KPW", 2), ("KRW", 0),
    ("KWD", 3), ("KYD", 2), ("KZT", 2), ("LAK", 2), ("LBP", 2), ("LKR", 2), ("LRD", 2), ("LSL", 2),
    ("LYD", 3), ("MAD", 2), ("MDL", 2), ("MGA", 2), ("MKD", 2), ("MMK", 2), ("MNT", 2), ("MOP", 2),
    ("MRU", 2), ("MUR", 2), ("MVR", 2), ("MWK", 2), ("MXN", 2), ("MYR", 2), ("MZN", 2), ("NAD", 2),
    ("NGN", 2), ("NIO", 2), ("NOK", 2), ("NPR", 2), ("NZD", 2), ("OMR", 3), ("PAB", 2), ("PEN", 2),
    ("PGK", 2), ("PHP", 2), ("PKR", 2), ("PLN", 2), ("PYG", 0), ("QAR", 2), ("RON", 2), ("RSD", 2),
    ("RUB", 2), ("RWF", 0), ("SAR", 2), ("SBD", 2), ("SCR", 2), ("SDG", 2), ("SEK", 2), ("SGD", 2),
    ("SHP", 2), ("SLE", 2), ("SOS", 2), ("SRD", 2), ("SSP", 2), ("STN", 2), ("SVC", 2), ("SYP", 2),
    ("SZL", 2), ("THB", 2), ("TJS", 2), ("TMT", 2), ("TND", 3), ("TOP", 2), ("TRY", 2), ("TTD", 2),
    ("TWD", 2), ("TZS", 2), ("UAH", 2), ("UGX", 0), ("USD", 2), ("UYU", 2), ("UZS", 2), ("VES", 2),
    ("VND", 0), ("VUV", 0), ("WST", 2), ("XAF", 0), ("XCD", 2), ("XOF", 0), ("XPF", 0), ("YER", 2),
    ("ZAR", 2), ("ZMW", 2), ("ZWG", 2),
];

impl Currency {
    /// US dollar.
    pub const USD: Currency = Currency {
        code: *b"USD",
        minor_units: 2,
    };
    /// Euro.
    pub const EUR: Currency = Currency {
        code: *b"EUR",
        minor_units: 2,
    };
    /// Pound sterling.
    pub const GBP: Currency = Currency {
        code: *b"GBP",
        minor_units: 2,
    };
    /// Indian rupee.
    pub const INR: Currency = Currency {
        code: *b"INR",
        minor_units: 2,
    };
    /// Japanese yen (no minor unit).
    pub const JPY: Currency = Currency {
        code: *b"JPY",
        minor_units: 0,
    };
    /// Kuwaiti dinar (three decimal places).
    pub const KWD: Currency = Currency {
        code: *b"KWD",
        minor_units: 3,
    };

    /// Looks up an ISO 4217 code (case-insensitive).
    ///
    /// # Errors
    /// [`MoneyError::UnknownCurrency`] when the code is not an active ISO 4217 currency.
    ///
    /// # Example
    /// ```
    /// # use hms_core::money::Currency;
    /// assert_eq!(Currency::from_code("eur")?.minor_units(), 2);
    /// assert_eq!(Currency::from_code("JPY")?.minor_units(), 0);
    /// # Ok::<(), hms_core::money::MoneyError>(())
    /// ```
    pub fn from_code(code: &str) -> Result<Currency, MoneyError> {
        let upper = code.trim().to_ascii_uppercase();
        CURRENCIES
            .iter()
            .find(|(c, _)| *c == upper)
            .and_then(|(c, minor)| {
                let bytes: [u8; 3] = c.as_bytes().try_into().ok()?;
                Some(Currency {
                    code: bytes,
                    minor_units: *minor,
                })
            })
            .ok_or_else(|| MoneyError::UnknownCurrency {
                code: code.to_owned(),
            })
    }

    /// The three-letter code, e.g. `"USD"`.
    pub fn code(&self) -> &str {
        // INVARIANT: `code` is always copied from the ASCII table above.
        std::str::from_utf8(&self.code).unwrap_or("XXX")
    }

    /// Decimal places of the minor unit (2 for cents).
    pub fn minor_units(&self) -> u32 {
        u32::from(self.minor_units)
    }

    /// The smallest amount of this currency: 0.01 for USD, 1 for JPY.
    pub fn minor_unit(&self) -> Decimal {
        Decimal::new(1, self.minor_units())
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::from_code(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Currency::from_code(&s).map_err(serde::de::Error::custom)
    }
}

/// An amount of money in one currency.
///
/// The amount keeps whatever precision it was made with (a unit price may have more places than the
/// currency's minor unit); [`Money::round`] brings it to the minor unit.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// The amount, as an exact decimal (serialized as a string, never a float).
    pub amount: Decimal,
    /// The currency.
    pub currency: Currency,
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount, self.currency)
    }
}

impl fmt::Display for Money {
    /// `12.50 USD`: the amount with at least the currency's minor-unit places.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut a = self.amount;
        if a.scale() < self.currency.minor_units() {
            a.rescale(self.currency.minor_units());
        }
        write!(f, "{} {}", a, self.currency)
    }
}

impl Money {
    /// `amount` of `currency`, exactly as given.
    pub fn new(amount: Decimal, currency: Currency) -> Self {
        Money { amount, currency }
    }

    /// Zero of `currency`.
    pub fn zero(currency: Currency) -> Self {
        Money {
            amount: Decimal::ZERO,
            currency,
        }
    }

    /// An amount given in minor units: `Money::from_minor(1250, USD)` is 12.50 USD.
    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Money {
            amount: Decimal::new(minor, currency.minor_units()),
            currency,
        }
    }

    /// Parses a decimal amount such as `"12.50"` in `currency`.
    ///
    /// # Errors
    /// A validation error when the text is not a decimal number.
    pub fn parse(amount: &str, currency: Currency) -> Result<Self, crate::error::ValidationError> {
        Decimal::from_str_exact(amount.trim())
            .map(|a| Money::new(a, currency))
            .map_err(|_| {
                crate::error::ValidationError::single(
                    "amount",
                    crate::error::FieldCode::InvalidFormat,
                    format!("`{amount}` is not a decimal amount"),
                )
            })
    }

    /// Rounds half-up (a tie goes away from zero) to the currency's minor unit.
    ///
    /// The rule accountants expect: 0.125 USD is 0.13, -0.125 USD is -0.13, 2.5 JPY is 3.
    pub fn round(self) -> Self {
        Money {
            amount: self.amount.round_dp_with_strategy(
                self.currency.minor_units(),
                RoundingStrategy::MidpointAwayFromZero,
            ),
            currency: self.currency,
        }
    }

    /// Whether the amount is already a whole number of minor units.
    pub fn is_rounded(&self) -> bool {
        self.round().amount == self.amount
    }

    /// The amount in minor units, if it is a whole number of them and fits an `i64`.
    pub fn to_minor(&self) -> Option<i64> {
        if !self.is_rounded() {
            return None;
        }
        let scaled = self.amount * Decimal::from(10_i64.checked_pow(self.currency.minor_units())?);
        i64::try_from(scaled.trunc()).ok()
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }

    /// `self + other`.
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] when the currencies differ.
    ///
    /// # Example
    /// ```
    /// # use hms_core::money::{Money, Currency};
    /// let a = Money::from_minor(10, Currency::USD);
    /// let b = Money::from_minor(20, Currency::USD);
    /// assert_eq!(a.checked_add(b)?, Money::from_minor(30, Currency::USD));
    /// assert!(a.checked_add(Money::from_minor(1, Currency::EUR)).is_err());
    /// # Ok::<(), hms_core::money::MoneyError>(())
    /// ```
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        Ok(Money {
            amount: self.amount + other.amount,
            currency: self.currency,
        })
    }

    /// `self - other`.
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] when the currencies differ.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        Ok(Money {
            amount: self.amount - other.amount,
            currency: self.currency,
        })
    }

    /// The amount times a quantity or rate, unrounded.
    pub fn times(self, factor: Decimal) -> Money {
        Money {
            amount: self.amount * factor,
            currency: self.currency,
        }
    }

    /// The amount with its sign flipped.
    pub fn negate(self) -> Money {
        Money {
            amount: -self.amount,
            currency: self.currency,
        }
    }

    /// Whether the amount is below zero.
    pub fn is_negative(&self) -> bool {
        self.amount.is_sign_negative() && !self.amount.is_zero()
    }

    /// Whether the amount is zero.
    pub fn is_zero(&self) -> bool {
        self.amount.is_zero()
    }

    /// The smaller of two amounts of one currency.
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] when the currencies differ.
    pub fn min(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(&other)?;
        Ok(if other.amount < self.amount { other } else { self })
    }

    /// Sums amounts that must all be in `currency`; an empty sum is zero.
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] at the first amount in another currency.
    pub fn sum<I: IntoIterator<Item = Money>>(currency: Currency, items: I) -> Result<Money, MoneyError> {
        items
            .into_iter()
            .try_fold(Money::zero(currency), Money::checked_add)
    }

    /// Splits this amount (rounded to the minor unit first) into parts proportional to `weights`, so that
    /// the parts add up to the rounded whole exactly.
    ///
    /// The rule is the largest-remainder method: every part is first rounded *down* to the minor unit,
    /// then the minor units left over go one each to the parts with the largest remainders (ties go to
    /// the earlier part). Zero or negative weights get nothing; if no weight is positive the whole
    /// amount goes to the first part. An empty weight list returns an empty list.
    ///
    /// # Errors
    /// [`MoneyError::Overflow`] when the weights add up to, or an exact share needs an intermediate
    /// product of amount and weight beyond, the largest number an amount can hold.
    ///
    /// # Example
    /// ```
    /// # use hms_core::money::{Money, Currency};
    /// # use rust_decimal::Decimal;
    /// // 100.00 split three ways: 33.34 + 33.33 + 33.33
    /// let parts = Money::from_minor(10_000, Currency::USD).allocate(&[Decimal::ONE; 3])?;
    /// let cents: Vec<_> = parts.iter().map(|m| m.to_minor().unwrap()).collect();
    /// assert_eq!(cents, [3334, 3333, 3333]);
    /// // A split whose arithmetic needs more than a decimal holds is refused.
    /// let huge = Money::new(Decimal::from(10_u128.pow(20)), Currency::USD);
    /// assert!(huge.allocate(&[Decimal::from(10_u64.pow(10)), Decimal::ONE]).is_err());
    /// # Ok::<(), hms_core::money::MoneyError>(())
    /// ```
    pub fn allocate(self, weights: &[Decimal]) -> Result<Vec<Money>, MoneyError> {
        let overflow = || MoneyError::Overflow { amount: self };
        let whole = self.round();
        let cur = self.currency;
        if weights.is_empty() {
            return Ok(Vec::new());
        }
        let positive: Vec<Decimal> = weights.iter().map(|w| (*w).max(Decimal::ZERO)).collect();
        let total_weight = positive
            .iter()
            .try_fold(Decimal::ZERO, |sum, w| sum.checked_add(*w))
            .ok_or_else(overflow)?;
        if total_weight.is_zero() {
            let mut out = vec![Money::zero(cur); weights.len()];
            if let Some(first) = out.first_mut() {
                *first = whole;
            }
            return Ok(out);
        }
        let unit = cur.minor_unit();
        let negative = whole.amount.is_sign_negative();
        let magnitude = whole.amount.abs();
        // Floor every share to the minor unit; remember how much each lost.
        let mut parts: Vec<Decimal> = Vec::with_capacity(positive.len());
        let mut remainders: Vec<(usize, Decimal)> = Vec::with_capacity(positive.len());
        for (i, w) in positive.iter().enumerate() {
            let product = magnitude.checked_mul(*w).ok_or_else(overflow)?;
            let exact = product.checked_div(total_weight).ok_or_else(overflow)?;
            let mut floored = exact.round_dp_with_strategy(cur.minor_units(), RoundingStrategy::ToZero);
            // What the floor left over, times the total weight: no division, so it is exact and
            // equal remainders tie exactly (a rounded quotient would break ties by rounding noise).
            let mut lost = floored
                .checked_mul(total_weight)
                .and_then(|f| product.checked_sub(f))
                .ok_or_else(overflow)?;
            if lost.is_sign_negative() && !lost.is_zero() {
                // The quotient was rounded up across a unit boundary: the true floor is one unit less.
                floored -= unit;
                lost = unit
                    .checked_mul(total_weight)
                    .and_then(|u| lost.checked_add(u))
                    .ok_or_else(overflow)?;
            }
            parts.push(floored);
            remainders.push((i, lost));
        }
        let assigned = parts
            .iter()
            .try_fold(Decimal::ZERO, |sum, p| sum.checked_add(*p))
            .ok_or_else(overflow)?;
        let mut leftover_units = magnitude
            .checked_sub(assigned)
            .and_then(|left| left.checked_div(unit))
            .ok_or_else(overflow)?
            .round();
        // Largest remainder first; on a tie the earlier part wins (stable sort keeps index order).
        remainders.sort_by_key(|r| std::cmp::Reverse(r.1));
        for (i, _) in remainders.iter().cycle() {
            if leftover_units <= Decimal::ZERO {
                break;
            }
            if positive.get(*i).is_some_and(|w| !w.is_zero()) {
                if let Some(p) = parts.get_mut(*i) {
                    *p += unit;
                    leftover_units -= Decimal::ONE;
                }
            }
        }
        Ok(parts
            .into_iter()
            .map(|p| Money::new(if negative { -p } else { p }, cur))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal_macros::dec;

    #[test]
    fn equal_remainders_tie_exactly_and_the_earlier_part_wins() {
        // 21,330.90 split by these weights leaves parts 5 and 9 exactly the same fraction of a cent
        // over their floors (0.5553869...): the earlier one, part 5, gets the last cent. Computed by
        // division, the two remainders differed in the 28th digit and part 9 won.
        let weights = [
            30495, 48641, 75785, 18746, 97551, 2269, 20554, 95838, 30209, 46422, 58791, 82872, 67290, 68008,
            6118, 29338, 33620,
        ]
        .map(Decimal::from);
        let parts = Money::from_minor(2_133_090, Currency::USD)
            .allocate(&weights)
            .unwrap();
        let minor: Vec<i64> = parts.iter().map(|p| p.to_minor().unwrap()).collect();
        assert_eq!(minor[5], 5957);
        assert_eq!(minor[9], 121_866);
        assert_eq!(minor.iter().sum::<i64>(), 2_133_090);
    }

    #[test]
    fn currencies_know_their_minor_units() {
        assert_eq!(Currency::from_code("usd").unwrap(), Currency::USD);
        assert_eq!(Currency::from_code("JPY").unwrap().minor_units(), 0);
        assert_eq!(Currency::from_code("KWD").unwrap().minor_units(), 3);
        assert_eq!(Currency::from_code("XYZ").unwrap_err().code(), "unknown_currency");
        assert!(
            CURRENCIES.windows(2).all(|w| w[0].0 < w[1].0),
            "table sorted, no duplicates"
        );
    }

    #[test]
    fn rounding_is_half_up_to_the_minor_unit() {
        let usd = |d| Money::new(d, Currency::USD);
        assert_eq!(usd(dec!(0.125)).round().amount, dec!(0.13));
        assert_eq!(usd(dec!(0.124)).round().amount, dec!(0.12));
        assert_eq!(usd(dec!(-0.125)).round().amount, dec!(-0.13));
        assert_eq!(Money::new(dec!(2.5), Currency::JPY).round().amount, dec!(3));
        assert_eq!(
            Money::new(dec!(1.0005), Currency::KWD).round().amount,
            dec!(1.001)
        );
    }

    #[test]
    fn mixed_currencies_never_add() {
        let e = Money::from_minor(1, Currency::USD)
            .checked_add(Money::from_minor(1, Currency::EUR))
            .unwrap_err();
        assert_eq!(
            e,
            MoneyError::CurrencyMismatch {
                left: Currency::USD,
                right: Currency::EUR
            }
        );
        assert_eq!(
            e.to_string(),
            "cannot combine `USD` with `EUR`: the currencies differ"
        );
    }

    #[test]
    fn display_pads_to_the_minor_unit() {
        assert_eq!(Money::new(dec!(12.5), Currency::USD).to_string(), "12.50 USD");
        assert_eq!(Money::new(dec!(1500), Currency::JPY).to_string(), "1500 JPY");
    }

    #[test]
    fn money_serializes_amount_as_a_string() {
        let m = Money::from_minor(1999, Currency::EUR);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":"19.99","currency":"EUR"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
        assert!(serde_json::from_str::<Money>(r#"{"amount":"1","currency":"ABC"}"#).is_err());
    }

    #[test]
    fn allocation_worked_examples() {
        // 10.00 split 1:1:1 → 3.34 + 3.33 + 3.33 (the extra cent goes to the first of the tied parts)
        let parts = Money::from_minor(1000, Currency::USD)
            .allocate(&[dec!(1), dec!(1), dec!(1)])
            .unwrap();
        assert_eq!(
            parts.iter().map(|m| m.to_minor().unwrap()).collect::<Vec<_>>(),
            [334, 333, 333]
        );
        // 0.05 split 70:30 → exact 0.035 + 0.015 → floors 0.03 + 0.01, 1 cent left, remainders .005 vs .005 → first
        let parts = Money::from_minor(5, Currency::USD)
            .allocate(&[dec!(70), dec!(30)])
            .unwrap();
        assert_eq!(
            parts.iter().map(|m| m.to_minor().unwrap()).collect::<Vec<_>>(),
            [4, 1]
        );
        // zero weights get nothing
        let parts = Money::from_minor(100, Currency::USD)
            .allocate(&[dec!(0), dec!(1)])
            .unwrap();
        assert_eq!(
            parts.iter().map(|m| m.to_minor().unwrap()).collect::<Vec<_>>(),
            [0, 100]
        );
        // negative amounts (refunds) split the same way
        let parts = Money::from_minor(-1000, Currency::USD)
            .allocate(&[dec!(1), dec!(1), dec!(1)])
            .unwrap();
        assert_eq!(
            parts.iter().map(|m| m.to_minor().unwrap()).collect::<Vec<_>>(),
            [-334, -333, -333]
        );
    }

    fn currency() -> impl Strategy<Value = Currency> {
        prop_oneof![
            Just(Currency::USD),
            Just(Currency::EUR),
            Just(Currency::JPY),
            Just(Currency::KWD)
        ]
    }

    fn money_in(c: Currency) -> impl Strategy<Value = Money> {
        (-1_000_000_000_i64..1_000_000_000).prop_map(move |m| Money::from_minor(m, c))
    }

    proptest! {
        #[test]
        fn addition_is_associative_and_commutative(c in currency(), seed in any::<[i64; 3]>()) {
            let [a, b, d] = seed.map(|x| Money::from_minor(x % 1_000_000_000_000, c));
            let left = a.checked_add(b).unwrap().checked_add(d).unwrap();
            let right = a.checked_add(b.checked_add(d).unwrap()).unwrap();
            prop_assert_eq!(left, right);
            prop_assert_eq!(a.checked_add(b).unwrap(), b.checked_add(a).unwrap());
        }

        #[test]
        fn sums_never_mix_currencies(a in currency(), b in currency(), x in money_in(Currency::USD)) {
            let m1 = Money::new(x.amount, a);
            let m2 = Money::new(x.amount, b);
            let r = Money::sum(a, [m1, m2]);
            prop_assert_eq!(r.is_ok(), a == b);
        }

        #[test]
        fn allocation_parts_add_up_to_the_rounded_whole(
            c in currency(),
            whole in -10_000_000_i64..10_000_000,
            weights in proptest::collection::vec(0_u32..1000, 1..20),
        ) {
            let m = Money::from_minor(whole, c);
            let w: Vec<Decimal> = weights.iter().map(|x| Decimal::from(*x)).collect();
            let parts = m.allocate(&w).unwrap();
            prop_assert_eq!(parts.len(), w.len());
            prop_assert_eq!(Money::sum(c, parts.clone()).unwrap(), m.round());
            for p in &parts {
                prop_assert!(p.is_rounded());
            }
            // No part is more than one minor unit away from its exact share.
            let total: Decimal = w.iter().copied().sum();
            if !total.is_zero() {
                for (p, wi) in parts.iter().zip(&w) {
                    let exact = m.amount * *wi / total;
                    prop_assert!((p.amount - exact).abs() < c.minor_unit());
                }
            }
        }

        #[test]
        fn rounding_moves_at_most_half_a_minor_unit(c in currency(), raw in -1_000_000_000_i64..1_000_000_000, scale in 0_u32..6) {
            let m = Money::new(Decimal::new(raw, scale), c);
            let r = m.round();
            prop_assert!(r.is_rounded());
            prop_assert!((r.amount - m.amount).abs() * Decimal::TWO <= c.minor_unit());
        }
    }
}
