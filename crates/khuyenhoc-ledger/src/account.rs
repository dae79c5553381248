//! The accounts of a fund's books: where the money is (assets) and why it came in (income) or
//! went out (expense).

use crate::errors;
use khuyenhoc_domain::Invalid;
use serde::{Deserialize, Serialize};

/// Which side of the books an account is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// Where the money is; increases with a positive (debit) line.
    Asset,
    /// A category of receipts (thu); increases with a negative (credit) line.
    Income,
    /// A category of payments (chi); increases with a positive (debit) line.
    Expense,
}

macro_rules! accounts {
    ($($variant:ident = $code:literal, $kind:ident, $vi:literal, $en:literal;)+) => {
        /// An account of a fund's books. The code is stable: store it, never the label.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum Account { $($variant,)+ }

        impl Account {
            /// Every account, assets first, then income, then expense categories.
            pub const ALL: &'static [Account] = &[$(Account::$variant,)+];
            /// The stable code (`"cash"`, `"membership_fee"`, ...), equal to the serde form.
            pub fn code(self) -> &'static str { match self { $(Account::$variant => $code,)+ } }
            pub fn kind(self) -> AccountKind { match self { $(Account::$variant => AccountKind::$kind,)+ } }
            pub fn label_vi(self) -> &'static str { match self { $(Account::$variant => $vi,)+ } }
            pub fn label_en(self) -> &'static str { match self { $(Account::$variant => $en,)+ } }
            /// The account with this code.
            pub fn parse(code: &str) -> Result<Self, Invalid> {
                match code.trim() {
                    $($code => Ok(Account::$variant),)+
                    _ => Err(errors::UNKNOWN_ACCOUNT),
                }
            }
        }
    };
}

accounts! {
    Cash = "cash", Asset, "Tiền mặt", "Cash";
    Bank = "bank", Asset, "Tiền gửi ngân hàng", "Bank deposit";
    InKind = "in_kind", Asset, "Hiện vật", "In kind";
    Donation = "donation", Income, "Ủng hộ, tài trợ", "Donations";
    MembershipFee = "membership_fee", Income, "Hội phí", "Membership fees";
    PiggyBank = "piggy_bank", Income, "Heo đất khuyến học", "Piggy-bank campaign";
    TransferIn = "transfer_in", Income, "Nhận chuyển từ quỹ khác", "Transfers from other funds";
    OtherIncome = "other_income", Income, "Thu khác", "Other income";
    Scholarship = "scholarship", Expense, "Học bổng", "Scholarships";
    Award = "award", Expense, "Phần thưởng", "Awards";
    TeacherSupport = "teacher_support", Expense, "Hỗ trợ giáo viên khó khăn", "Support for teachers in hardship";
    TransferOut = "transfer_out", Expense, "Chuyển cho quỹ khác", "Transfers to other funds";
    OtherExpense = "other_expense", Expense, "Chi khác", "Other expenses";
}

impl Account {
    /// `Cash`, `Bank`, `InKind`.
    pub fn assets() -> impl Iterator<Item = Account> {
        Self::of_kind(AccountKind::Asset)
    }
    /// The income categories, `TransferIn` included.
    pub fn income() -> impl Iterator<Item = Account> {
        Self::of_kind(AccountKind::Income)
    }
    /// The expense categories, `TransferOut` included.
    pub fn expenses() -> impl Iterator<Item = Account> {
        Self::of_kind(AccountKind::Expense)
    }
    fn of_kind(kind: AccountKind) -> impl Iterator<Item = Account> {
        Self::ALL.iter().copied().filter(move |a| a.kind() == kind)
    }

    pub fn is_asset(self) -> bool {
        self.kind() == AccountKind::Asset
    }
    /// `TransferIn` or `TransferOut`: the lines a consolidated report may eliminate.
    pub fn is_transfer(self) -> bool {
        matches!(self, Account::TransferIn | Account::TransferOut)
    }
}

impl std::fmt::Display for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label_vi())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_roundtrip_and_match_serde() -> Result<(), serde_json::Error> {
        for a in Account::ALL {
            assert_eq!(Account::parse(a.code()), Ok(*a));
            assert_eq!(serde_json::to_string(a)?, format!("\"{}\"", a.code()));
            assert!(!a.label_vi().is_empty() && !a.label_en().is_empty());
        }
        assert_eq!(Account::parse("castle"), Err(errors::UNKNOWN_ACCOUNT));
        assert_eq!(Account::assets().count(), 3);
        assert_eq!(Account::income().count(), 5);
        assert_eq!(Account::expenses().count(), 5);
        assert_eq!(Account::PiggyBank.label_vi(), "Heo đất khuyến học");
        assert!(Account::TransferIn.is_transfer() && !Account::Donation.is_transfer());
        Ok(())
    }
}
