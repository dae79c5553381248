//! Amounts in whole đồng.
//!
//! # What [`Dong::parse`] accepts
//!
//! * Digits, optionally grouped by thousands with `.`, `,` or spaces (any Unicode space,
//!   including the no-break space): `1000000`, `1.000.000`, `1,000,000`, `1 000 000`. A group
//!   separator must be used consistently, the first group has 1 to 3 digits and does not
//!   start with 0, and every later group has exactly three digits. Following Vietnamese usage, `1.000` and `1,000` both mean one thousand.
//! * An optional currency after the number, with or without a space, any case, with or without
//!   diacritics: `đ`, `₫`, `đồng`, `VND`, `VNĐ` (and `d`, `dong`, typed without diacritics).
//! * An optional multiplier word before the currency: `nghìn`, `ngàn`, `k` (× 1.000),
//!   `triệu`, `tr` (× 1.000.000), `tỷ`, `tỉ` (× 1.000.000.000): `2 triệu`, `500k`,
//!   `1,5 triệu đồng`. Only with a multiplier may the number have a fractional part (1 or 2
//!   digits or more, but never exactly 3, which would read as a thousands group), and the result
//!   must still be whole đồng. Compound forms ("2 triệu 500 nghìn") are not accepted.
//! * A fractional part of zeros only (`1.000.000,00`) is accepted and ignored; any other
//!   fractional part without a multiplier is refused ([`errors::DECIMAL`]): `1000,5`, `1.5`.
//!
//! Refused, each with its own message: empty input, text, misplaced separators, a leading
//! minus sign (except in [`Dong::parse_signed`]), an unknown unit, and anything above
//! [`Dong::MAX_AMOUNT`] (10^12 đồng, one nghìn tỷ).
//!
//! # Limits, and why no total can overflow
//!
//! Amounts are `i64` (up to 9.2·10^18). Three caps keep every sum the program takes far below:
//!
//! * **one entry**: each amount typed, and each line of a new entry, at most
//!   [`Dong::MAX_AMOUNT`] = 10^12 đ;
//! * **one fund**: what it holds (cash, bank and in kind together) at most
//!   [`Dong::MAX_BALANCE`] = 10^15 đ, and not below −10^15 đ even when the fund may be
//!   overdrawn;
//! * **one unit, up to the whole country**: the money of one category (donations, fees,
//!   scholarships, transfers in, …) counted in one half-year at a unit and everything below it,
//!   at most [`Dong::MAX_HALF_YEAR`] = 10^15 đ either way. The centre is a unit, so this is
//!   also the most the nation may receive or pay of one category in a half-year.
//!
//! The application refuses a posting that would break one of them, with a message. Then a year
//! report of any unit reads at most two halves × 10^15 đ per category, 2·10^15 đ, which a
//! JavaScript number still holds exactly (below 2^53 ≈ 9·10^15); a fund's balance is at most
//! 10^15 đ; dates lie in 2000–2100, so even everything the country ever received (202
//! half-years × 10 categories × 10^15 đ ≈ 2·10^18 đ) fits in an `i64`. Gross sums are not
//! bounded (a receipt and its reversal leave the balance as it was, however many times), so
//! sums over many lines are taken in a wider type (`i128` here, two parts in SQL) and only the
//! result, bounded by the caps, comes back to `i64`.

use crate::errors;
use khuyenhoc_domain::text::fold;
use khuyenhoc_domain::Invalid;
use serde::{Deserialize, Serialize};

/// An amount of money in whole đồng. Any `i64` can be held (balances and totals may be large or
/// negative); user input is limited to [`Dong::MAX_AMOUNT`] (see the module documentation for
/// the caps). Serialised as a plain integer.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct Dong(i64);

const MAX: i64 = 1_000_000_000_000;
const MAX_HELD: i64 = 1_000_000_000_000_000;

impl Dong {
    pub const ZERO: Dong = Dong(0);
    /// The largest amount a user may type, and the largest amount of one line of a new entry:
    /// 10^12 đồng (1.000.000.000.000 đ, một nghìn tỷ).
    pub const MAX_AMOUNT: Dong = Dong(MAX);
    /// The most one fund may hold, cash, bank and in kind together: 10^15 đồng (một triệu tỷ).
    /// Also the largest line [`crate::Entry::new`] takes back from storage (entries made before
    /// the 10^12 cap must stay reversible).
    pub const MAX_BALANCE: Dong = Dong(MAX_HELD);
    /// The most of one category of money one unit (its subtree included, so also the whole
    /// country) may count in one half-year: 10^15 đồng.
    pub const MAX_HALF_YEAR: Dong = Dong(MAX_HELD);

    /// An amount read from storage (any `i64`).
    pub const fn new(dong: i64) -> Self {
        Self(dong)
    }

    /// The number of đồng.
    pub const fn get(self) -> i64 {
        self.0
    }

    /// A non-negative amount typed by a user, `0 ..= MAX_AMOUNT`. See the module documentation
    /// for the accepted forms.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        parse(input, false)
    }

    /// Like [`Dong::parse`], but a leading `-` (or `−`) is allowed: `-MAX_AMOUNT ..= MAX_AMOUNT`.
    pub fn parse_signed(input: &str) -> Result<Self, Invalid> {
        parse(input, true)
    }

    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
    pub const fn is_positive(self) -> bool {
        self.0 > 0
    }
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }
    /// `true` when `-MAX_BALANCE <= self <= MAX_BALANCE`: an amount a fund may hold, and a line
    /// that may be stored.
    pub const fn within_limit(self) -> bool {
        -MAX_HELD <= self.0 && self.0 <= MAX_HELD
    }

    /// An `i128` total (a sum of many amounts, taken wide so that it cannot overflow on the way)
    /// as an amount, or [`errors::OVERFLOW`] when it does not fit.
    pub fn from_wide(total: i128) -> Result<Dong, Invalid> {
        i64::try_from(total).map(Dong).map_err(|_| errors::OVERFLOW)
    }

    pub fn checked_add(self, other: Dong) -> Result<Dong, Invalid> {
        self.0
            .checked_add(other.0)
            .map(Dong)
            .ok_or(errors::OVERFLOW)
    }
    pub fn checked_sub(self, other: Dong) -> Result<Dong, Invalid> {
        self.0
            .checked_sub(other.0)
            .map(Dong)
            .ok_or(errors::OVERFLOW)
    }
    pub fn checked_neg(self) -> Result<Dong, Invalid> {
        self.0.checked_neg().map(Dong).ok_or(errors::OVERFLOW)
    }
    /// `self × times`, for instance 20 scholarships of 2.000.000 đ.
    pub fn checked_mul(self, times: i64) -> Result<Dong, Invalid> {
        self.0.checked_mul(times).map(Dong).ok_or(errors::OVERFLOW)
    }
    /// The sum of the amounts, or [`errors::OVERFLOW`]. Also available as
    /// `iter.sum::<Result<Dong, Invalid>>()`.
    pub fn checked_sum<I: IntoIterator<Item = Dong>>(amounts: I) -> Result<Dong, Invalid> {
        amounts
            .into_iter()
            .try_fold(Dong::ZERO, |acc, d| acc.checked_add(d))
    }

    /// Digits grouped by thousands with dots, no unit: `1.234.567`, `-5.000`, `0`.
    pub fn grouped(self) -> String {
        let digits = self.0.unsigned_abs().to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
        if self.0 < 0 {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push('.');
            }
            out.push(c);
        }
        out
    }

    /// Plain digits for spreadsheets and machines: `1234567`, `-5000`.
    pub fn plain(self) -> String {
        self.0.to_string()
    }
}

/// Vietnamese style: `1.234.567 đ`. Width and alignment flags apply to the whole text.
impl std::fmt::Display for Dong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(&format!("{} đ", self.grouped()))
    }
}

impl std::str::FromStr for Dong {
    type Err = Invalid;
    /// Same as [`Dong::parse_signed`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Dong::parse_signed(s)
    }
}

impl From<Dong> for i64 {
    fn from(d: Dong) -> i64 {
        d.0
    }
}

impl std::iter::Sum<Dong> for Result<Dong, Invalid> {
    fn sum<I: Iterator<Item = Dong>>(iter: I) -> Self {
        Dong::checked_sum(iter)
    }
}

impl<'a> std::iter::Sum<&'a Dong> for Result<Dong, Invalid> {
    fn sum<I: Iterator<Item = &'a Dong>>(iter: I) -> Self {
        Dong::checked_sum(iter.copied())
    }
}

fn is_number_char(c: char) -> bool {
    c.is_ascii_digit() || c == '.' || c == ',' || c.is_whitespace()
}

fn parse(input: &str, signed: bool) -> Result<Dong, Invalid> {
    let s = input.trim();
    if s.is_empty() {
        return Err(errors::EMPTY);
    }
    let (negative, s) = match s.strip_prefix(['-', '\u{2212}']) {
        Some(rest) => (true, rest.trim_start()),
        None => (false, s),
    };
    let split = s
        .char_indices()
        .find(|&(_, c)| !is_number_char(c))
        .map_or(s.len(), |(i, _)| i);
    let (number, rest) = s.split_at(split);
    let number = number.trim_end();
    if number.is_empty() {
        return Err(errors::NOT_A_NUMBER);
    }
    let multiplier = multiplier(rest)?;
    let magnitude = magnitude(number, multiplier)?;
    if magnitude > MAX as u128 {
        return Err(errors::TOO_LARGE);
    }
    // `magnitude <= MAX`, so the conversion and the negation cannot fail.
    let value = i64::try_from(magnitude).map_err(|_| errors::TOO_LARGE)?;
    if negative && value != 0 {
        if !signed {
            return Err(errors::NEGATIVE);
        }
        return Ok(Dong(-value));
    }
    Ok(Dong(value))
}

/// The multiplier named by the words after the number (currency and scale).
fn multiplier(rest: &str) -> Result<u128, Invalid> {
    let folded = fold(rest);
    let mut unit = folded.as_str();
    for currency in ["vnd", "dong", "d", "\u{20ab}"] {
        if let Some(u) = unit.strip_suffix(currency) {
            unit = u.trim_end();
            break;
        }
    }
    match unit {
        "" => Ok(1),
        "k" | "nghin" | "ngan" => Ok(1_000),
        "tr" | "trieu" => Ok(1_000_000),
        "ty" | "ti" => Ok(1_000_000_000),
        _ => Err(errors::UNIT),
    }
}

/// Splits `number` (digits, `.`, `,`, whitespace; not empty, no trailing whitespace) into runs of
/// digits and the separator before each run after the first (`' '` for any run of whitespace).
fn runs(number: &str) -> Result<(Vec<&str>, Vec<char>), Invalid> {
    let mut runs = Vec::new();
    let mut seps = Vec::new();
    let mut start: Option<usize> = None;
    let mut pending: Option<char> = None;
    let mut need_digit = true;
    for (i, c) in number.char_indices() {
        if c.is_ascii_digit() {
            if start.is_none() {
                start = Some(i);
                if let Some(p) = pending.take() {
                    seps.push(p);
                }
            }
            need_digit = false;
            continue;
        }
        if let Some(st) = start.take() {
            runs.push(&number[st..i]);
        }
        let sep = if c.is_whitespace() { ' ' } else { c };
        match pending {
            None if !need_digit => pending = Some(sep),
            Some(' ') if sep == ' ' => {}
            _ => return Err(errors::BAD_FORMAT),
        }
        need_digit = true;
    }
    match start {
        Some(st) if !need_digit => runs.push(&number[st..]),
        _ => return Err(errors::BAD_FORMAT),
    }
    Ok((runs, seps))
}

/// The value of `number × multiplier` in đồng, as long as it is whole and not far above the
/// limit (the caller compares with the limit).
fn magnitude(number: &str, multiplier: u128) -> Result<u128, Invalid> {
    let (runs, seps) = runs(number)?;
    let n = runs.len();
    let (int_runs, int_seps, fraction) = match runs.last() {
        Some(last) if n >= 2 && last.len() != 3 => {
            let mark = seps[n - 2];
            if mark == ' ' {
                return Err(errors::GROUPING);
            }
            (&runs[..n - 1], &seps[..n - 2], Some((mark, *last)))
        }
        _ => (&runs[..], &seps[..], None),
    };
    if let (Some(&group), [first, others @ ..]) = (int_seps.first(), int_runs) {
        let consistent = int_seps.iter().all(|&s| s == group);
        let sized =
            first.len() <= 3 && !first.starts_with('0') && others.iter().all(|r| r.len() == 3);
        let distinct_mark = fraction.is_none_or(|(mark, _)| mark != group);
        if !(consistent && sized && distinct_mark) {
            return Err(errors::GROUPING);
        }
    }
    let mut whole: u128 = 0;
    for b in int_runs.iter().flat_map(|r| r.bytes()) {
        whole = whole * 10 + u128::from(b - b'0');
        if whole > MAX as u128 {
            return Err(errors::TOO_LARGE);
        }
    }
    let mut total = whole * multiplier;
    if let Some((_, digits)) = fraction {
        let digits = digits.trim_end_matches('0');
        if !digits.is_empty() {
            // At most 9 significant digits can still give whole đồng (the largest multiplier
            // is 10^9), so the numbers below stay small.
            if multiplier == 1 || digits.len() > 9 {
                return Err(errors::DECIMAL);
            }
            let value = digits
                .bytes()
                .fold(0u128, |acc, b| acc * 10 + u128::from(b - b'0'));
            let scale = 10u128.pow(digits.len() as u32);
            let scaled = value * multiplier;
            if scaled % scale != 0 {
                return Err(errors::DECIMAL);
            }
            total += scaled / scale;
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(s: &str) -> i64 {
        match Dong::parse(s) {
            Ok(d) => d.get(),
            Err(e) => panic!("{s:?}: {e}"),
        }
    }

    #[test]
    fn forms_users_type() {
        for s in [
            "1000000",
            "1.000.000",
            "1,000,000",
            "1 000 000",
            "1\u{a0}000\u{a0}000",
            "1.000.000 đ",
            "1.000.000đ",
            "1.000.000 Đ",
            "1.000.000₫",
            "1.000.000 VND",
            "1.000.000 vnđ",
            "1.000.000 VNĐ",
            "1.000.000 đồng",
            "1.000.000 dong",
            "1.000.000d",
            "  1.000.000,00 đ ",
            "1 triệu",
            "1 trieu",
            "1tr",
            "1 TRIỆU ĐỒNG",
            "1000 nghìn",
            "1.000 ngàn",
            "1000k",
            "1.000.000,0",
        ] {
            assert_eq!(ok(s), 1_000_000, "{s:?}");
        }
        assert_eq!(ok("2 triệu"), 2_000_000);
        assert_eq!(ok("1,5 triệu"), 1_500_000);
        assert_eq!(ok("1.5 triệu"), 1_500_000);
        assert_eq!(ok("2,75 tỷ"), 2_750_000_000);
        assert_eq!(ok("1.500 triệu"), 1_500_000_000);
        assert_eq!(ok("500k"), 500_000);
        assert_eq!(ok("1,5 nghìn"), 1_500);
        assert_eq!(ok("1.000"), 1_000);
        assert_eq!(ok("0"), 0);
        assert_eq!(ok("-0"), 0);
        assert_eq!(ok("007"), 7);
        assert_eq!(ok("1.000.000.000.000"), 1_000_000_000_000);
        assert_eq!(ok("1.000 tỷ"), 1_000_000_000_000);
        assert_eq!(ok("0,5 triệu"), 500_000);
        // Decomposed diacritics (NFD) are understood too.
        assert_eq!(ok("2 trie\u{0302}\u{0323}u"), 2_000_000);
    }

    #[test]
    fn refusals_say_why() {
        let cases: &[(&str, Invalid)] = &[
            ("", errors::EMPTY),
            ("   ", errors::EMPTY),
            ("abc", errors::NOT_A_NUMBER),
            ("đ", errors::NOT_A_NUMBER),
            ("hai triệu", errors::NOT_A_NUMBER),
            ("1000,5", errors::DECIMAL),
            ("1.5", errors::DECIMAL),
            ("1,50", errors::DECIMAL),
            ("1.000.000,5 đ", errors::DECIMAL),
            ("1,2345 nghìn", errors::DECIMAL),
            ("-5", errors::NEGATIVE),
            ("−1.000 đ", errors::NEGATIVE),
            ("1.000.000.000.001", errors::TOO_LARGE),
            ("1.000.000.000.000.000", errors::TOO_LARGE),
            ("1.001 tỷ", errors::TOO_LARGE),
            ("1.000.001 tỷ", errors::TOO_LARGE),
            ("2 triệu tỷ", errors::UNIT),
            ("0,001 tỷ", errors::GROUPING),
            ("01.000", errors::GROUPING),
            (
                "99999999999999999999999999999999999999999999",
                errors::TOO_LARGE,
            ),
            ("1.00.000", errors::GROUPING),
            ("1000.000", errors::GROUPING),
            ("1.000,000", errors::GROUPING),
            ("1.000.5", errors::GROUPING),
            ("1 5", errors::GROUPING),
            ("1..000", errors::BAD_FORMAT),
            ("1.000.", errors::BAD_FORMAT),
            (".5", errors::BAD_FORMAT),
            ("1. 000", errors::BAD_FORMAT),
            ("1.000 USD", errors::UNIT),
            ("5 triệu 500 nghìn", errors::UNIT),
            ("12abc", errors::UNIT),
            ("1e6", errors::UNIT),
            ("0x10", errors::UNIT),
        ];
        for (s, want) in cases {
            assert_eq!(Dong::parse(s).as_ref(), Err(want), "{s:?}");
        }
    }

    #[test]
    fn signed_parse() {
        assert_eq!(Dong::parse_signed("-1.000 đ"), Ok(Dong(-1000)));
        assert_eq!(Dong::parse_signed("- 2 triệu"), Ok(Dong(-2_000_000)));
        assert_eq!(Dong::parse_signed("−5"), Ok(Dong(-5)));
        assert_eq!(
            Dong::parse_signed("-1.000.000.000.001"),
            Err(errors::TOO_LARGE)
        );
        assert_eq!(Dong::parse_signed("--5"), Err(errors::NOT_A_NUMBER));
        assert_eq!("-7".parse::<Dong>(), Ok(Dong(-7)));
    }

    #[test]
    fn formats() {
        assert_eq!(Dong(1_234_567).to_string(), "1.234.567 đ");
        assert_eq!(Dong(0).to_string(), "0 đ");
        assert_eq!(Dong(999).to_string(), "999 đ");
        assert_eq!(Dong(1000).to_string(), "1.000 đ");
        assert_eq!(Dong(-1_000_000).to_string(), "-1.000.000 đ");
        assert_eq!(Dong(i64::MIN).grouped(), "-9.223.372.036.854.775.808");
        assert_eq!(Dong(1_234_567).plain(), "1234567");
        assert_eq!(format!("{:>12}", Dong(5000)), "     5.000 đ");
    }

    #[test]
    fn serde_as_integer() -> Result<(), serde_json::Error> {
        assert_eq!(serde_json::to_string(&Dong(1_500_000))?, "1500000");
        assert_eq!(serde_json::from_str::<Dong>("-42")?, Dong(-42));
        assert!(serde_json::from_str::<Dong>("\"42\"").is_err());
        assert!(serde_json::from_str::<Dong>("4.5").is_err());
        Ok(())
    }

    #[test]
    fn arithmetic_edges() {
        assert_eq!(Dong(i64::MAX).checked_add(Dong(1)), Err(errors::OVERFLOW));
        assert_eq!(Dong(i64::MIN).checked_sub(Dong(1)), Err(errors::OVERFLOW));
        assert_eq!(Dong(i64::MIN).checked_neg(), Err(errors::OVERFLOW));
        assert_eq!(Dong(i64::MAX / 2 + 1).checked_mul(2), Err(errors::OVERFLOW));
        assert_eq!(Dong(2_000_000).checked_mul(20), Ok(Dong(40_000_000)));
        let many = vec![Dong::MAX_BALANCE; 10_000];
        assert_eq!(
            Dong::checked_sum(many.iter().copied()),
            Err(errors::OVERFLOW)
        );
        let total: Result<Dong, Invalid> = many[..9000].iter().sum();
        assert_eq!(total, Ok(Dong(9_000 * MAX_HELD)));
        assert_eq!(
            Dong::from_wide(i128::from(i64::MAX) + 1),
            Err(errors::OVERFLOW)
        );
        assert_eq!(Dong::from_wide(-5), Ok(Dong(-5)));
    }

    proptest! {
        #[test]
        fn parse_of_format_roundtrips(x in 0..=MAX) {
            let d = Dong(x);
            prop_assert_eq!(Dong::parse(&d.to_string()), Ok(d));
            prop_assert_eq!(Dong::parse(&d.grouped()), Ok(d));
            prop_assert_eq!(Dong::parse(&d.plain()), Ok(d));
            prop_assert_eq!(Dong::parse(&d.grouped().replace('.', ",")), Ok(d));
            prop_assert_eq!(Dong::parse(&d.grouped().replace('.', " ")), Ok(d));
            prop_assert_eq!(Dong::parse(&format!("{} VND", d.grouped())), Ok(d));
        }

        #[test]
        fn signed_roundtrips(x in -MAX..=MAX) {
            let d = Dong(x);
            prop_assert_eq!(Dong::parse_signed(&d.to_string()), Ok(d));
            prop_assert_eq!(Dong::parse_signed(&d.plain()), Ok(d));
            if x > 0 {
                prop_assert_eq!(Dong::parse(&Dong(-x).to_string()), Err(errors::NEGATIVE));
            }
        }

        #[test]
        fn above_the_limit_is_refused(x in (MAX + 1)..=i64::MAX) {
            prop_assert_eq!(Dong::parse(&Dong(x).to_string()), Err(errors::TOO_LARGE));
            prop_assert_eq!(Dong::parse_signed(&Dong(-x).plain()), Err(errors::TOO_LARGE));
        }

        #[test]
        fn multipliers(x in 0i64..=1_000, unit in prop::sample::select(vec![
            ("k", 1_000i64), (" nghìn", 1_000), (" ngàn", 1_000), ("tr", 1_000_000),
            (" triệu", 1_000_000), (" tỷ", 1_000_000_000), (" tỉ đồng", 1_000_000_000),
        ])) {
            let (word, factor) = unit;
            prop_assert_eq!(Dong::parse(&format!("{x}{word}")), Ok(Dong(x * factor)));
        }

        #[test]
        fn never_panics_on_any_text(s in "\\PC{0,40}") {
            check_bounds(&s)?;
        }

        #[test]
        fn never_panics_on_number_like_text(
            s in "[-−]?[0-9 .,\u{a0}]{0,30}( ?(đ|₫|VND|vnđ|đồng|k|tr|triệu|nghìn|tỷ|tỷ đ|usd))?"
        ) {
            check_bounds(&s)?;
        }

        #[test]
        fn checked_arithmetic_never_wraps(a in any::<i64>(), b in any::<i64>()) {
            let exact = |v: i128| i64::try_from(v).map(Dong).map_err(|_| errors::OVERFLOW);
            prop_assert_eq!(Dong(a).checked_add(Dong(b)), exact(i128::from(a) + i128::from(b)));
            prop_assert_eq!(Dong(a).checked_sub(Dong(b)), exact(i128::from(a) - i128::from(b)));
            prop_assert_eq!(Dong(a).checked_neg(), exact(-i128::from(a)));
            prop_assert_eq!(Dong(a).checked_mul(b), exact(i128::from(a) * i128::from(b)));
        }

        #[test]
        fn sums_never_wrap(xs in prop::collection::vec(any::<i64>(), 0..20)) {
            let exact: i128 = xs.iter().map(|&x| i128::from(x)).sum();
            let mut running: i128 = 0;
            let mut overflowed = false;
            for &x in &xs {
                running += i128::from(x);
                overflowed |= i64::try_from(running).is_err();
            }
            let got = Dong::checked_sum(xs.iter().map(|&x| Dong(x)));
            if overflowed {
                prop_assert_eq!(got, Err(errors::OVERFLOW));
            } else {
                prop_assert_eq!(got.map(|d| i128::from(d.get())), Ok(exact));
            }
        }
    }

    fn check_bounds(s: &str) -> Result<(), TestCaseError> {
        if let Ok(d) = Dong::parse(s) {
            prop_assert!((0..=MAX).contains(&d.get()), "{s:?} -> {d:?}");
        }
        if let Ok(d) = Dong::parse_signed(s) {
            prop_assert!((-MAX..=MAX).contains(&d.get()), "{s:?} -> {d:?}");
        }
        Ok(())
    }
}
