//! Voucher numbers: receipt vouchers (phiếu thu, `PT`) and payment vouchers (phiếu chi, `PC`),
//! numbered from 1 per fund, kind and year: `PT-2025-000123`. The sequence comes from the
//! application's per-(fund, year) counter, updated in the posting transaction; this module only
//! formats and reads the number. Sequences above 999999 simply get more digits.

use crate::errors;
use khuyenhoc_domain::Invalid;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VoucherKind {
    /// Phiếu thu: money comes in.
    Receipt,
    /// Phiếu chi: money goes out.
    Payment,
}

impl VoucherKind {
    /// `PT` or `PC`.
    pub fn prefix(self) -> &'static str {
        match self {
            VoucherKind::Receipt => "PT",
            VoucherKind::Payment => "PC",
        }
    }
    pub fn label_vi(self) -> &'static str {
        match self {
            VoucherKind::Receipt => "Phiếu thu",
            VoucherKind::Payment => "Phiếu chi",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            VoucherKind::Receipt => "Receipt voucher",
            VoucherKind::Payment => "Payment voucher",
        }
    }
}

/// A voucher number. Displayed and parsed as `PT-2025-000123`; serialised as that string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VoucherNumber {
    kind: VoucherKind,
    year: u16,
    seq: u32,
}

const WIDTH: usize = 6;

impl VoucherNumber {
    /// `year` in 1000..=9999, `seq >= 1`.
    pub fn new(kind: VoucherKind, year: u16, seq: u32) -> Result<Self, Invalid> {
        if (1000..=9999).contains(&year) && seq >= 1 {
            Ok(Self { kind, year, seq })
        } else {
            Err(errors::BAD_VOUCHER)
        }
    }

    /// The canonical form only (what [`std::fmt::Display`] writes); surrounding spaces and a
    /// lower-case prefix are tolerated.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let upper = s.trim().to_ascii_uppercase();
        let mut parts = upper.split('-');
        let (Some(prefix), Some(year), Some(seq), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(errors::BAD_VOUCHER);
        };
        let kind = match prefix {
            "PT" => VoucherKind::Receipt,
            "PC" => VoucherKind::Payment,
            _ => return Err(errors::BAD_VOUCHER),
        };
        let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        if year.len() != 4 || !digits(year) || seq.len() < WIDTH || !digits(seq) {
            return Err(errors::BAD_VOUCHER);
        }
        // Only the padding to six digits may add leading zeros.
        if seq.len() > WIDTH && seq.starts_with('0') {
            return Err(errors::BAD_VOUCHER);
        }
        let year: u16 = year.parse().map_err(|_| errors::BAD_VOUCHER)?;
        let seq: u32 = seq.parse().map_err(|_| errors::BAD_VOUCHER)?;
        Self::new(kind, year, seq)
    }

    pub fn kind(self) -> VoucherKind {
        self.kind
    }
    pub fn year(self) -> u16 {
        self.year
    }
    pub fn seq(self) -> u32 {
        self.seq
    }
}

impl std::fmt::Display for VoucherNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}-{:04}-{:0width$}",
            self.kind.prefix(),
            self.year,
            self.seq,
            width = WIDTH
        )
    }
}

impl Serialize for VoucherNumber {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for VoucherNumber {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        VoucherNumber::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_and_reads() -> Result<(), Invalid> {
        let pt = VoucherNumber::new(VoucherKind::Receipt, 2025, 123)?;
        assert_eq!(pt.to_string(), "PT-2025-000123");
        let pc = VoucherNumber::new(VoucherKind::Payment, 2025, 45)?;
        assert_eq!(pc.to_string(), "PC-2025-000045");
        assert_eq!(VoucherNumber::parse(" pt-2025-000123 "), Ok(pt));
        let big = VoucherNumber::new(VoucherKind::Receipt, 2025, 1_234_567)?;
        assert_eq!(big.to_string(), "PT-2025-1234567");
        assert_eq!(VoucherNumber::parse("PT-2025-1234567"), Ok(big));
        for bad in [
            "",
            "PT-2025-123",
            "PX-2025-000123",
            "PT-25-000123",
            "PT-2025-0000123",
            "PT-2025-000000",
            "PT-2025-000123-1",
            "PT-2025-00012a",
            "PT-2025-99999999999",
            "PT 2025 000123",
        ] {
            assert_eq!(VoucherNumber::parse(bad), Err(errors::BAD_VOUCHER), "{bad}");
        }
        assert_eq!(
            VoucherNumber::new(VoucherKind::Receipt, 2025, 0),
            Err(errors::BAD_VOUCHER)
        );
        Ok(())
    }

    proptest! {
        #[test]
        fn roundtrips(receipt in any::<bool>(), year in 1000u16..=9999, seq in 1u32..) {
            let kind = if receipt { VoucherKind::Receipt } else { VoucherKind::Payment };
            let v = VoucherNumber::new(kind, year, seq).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(VoucherNumber::parse(&v.to_string()), Ok(v));
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = VoucherNumber::parse(&s);
        }
    }
}
