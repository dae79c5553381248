//! Pure ledger rules of khuyenhoc's funds (quỹ khuyến học). Nothing here does IO, knows SQL,
//! HTTP or async: the application queries rows, hands them in as plain data and stores what
//! comes out.
//!
//! * [`Dong`]: an amount in whole đồng (`i64`), parsed from what Vietnamese users type
//!   ("1.000.000 đ", "2 triệu"), formatted as "1.234.567 đ", with checked arithmetic; the caps
//!   on one entry, one fund and one unit's half-year (the country's included), and why no total
//!   can then overflow, are in [`dong`].
//! * [`Account`], [`Line`], [`Entry`]: a fund's books. Every movement is an entry whose lines
//!   balance per fund; entries are never changed, a mistake is corrected by
//!   [`Entry::reversal`]. Builders: [`Entry::receipt`], [`Entry::payment`],
//!   [`Entry::transfer`].
//! * [`balance`], [`receipts_and_payments`]: balances and the report of receipts and payments
//!   (báo cáo thu chi) of one fund or of a subtree of funds, transfers inside the subtree
//!   eliminated.
//! * [`VoucherNumber`]: receipt and payment voucher numbers ("PT-2025-000123").
//!
//! # Sign convention
//!
//! A line's amount is **debit positive, credit negative**:
//!
//! | account kind | increases with | example: 500.000 đ donated in cash |
//! |---|---|---|
//! | asset (`Cash`, `Bank`, `InKind`) | a positive line | `Cash +500.000` |
//! | income (`Donation`, ...) | a negative line | `Donation −500.000` |
//! | expense (`Scholarship`, ...) | a positive line | (a scholarship paid: `Scholarship +X`, `Cash −X`) |
//!
//! The lines of each fund in an entry sum to zero, so for every fund
//! `Δ assets = −(income lines) − (expense lines) = receipts − payments`.

pub mod account;
pub mod date;
pub mod dong;
pub mod entry;
pub mod report;
pub mod voucher;

pub use account::{Account, AccountKind};
pub use date::{Date, Period};
pub use dong::Dong;
pub use entry::{Entry, FundId, Line, Transfer};
pub use khuyenhoc_domain::Invalid;
pub use report::{
    balance, balance_by_asset, balances, receipts_and_payments, receipts_and_payments_of_fund,
    AccountTotal, ReceiptsPayments, ReportLine,
};
pub use voucher::{VoucherKind, VoucherNumber};

/// Every error this crate returns, Vietnamese first, English second, so the application can
/// compare against them or show them beside the field.
pub mod errors {
    use khuyenhoc_domain::Invalid;

    // Amounts typed by users.
    pub const EMPTY: Invalid = Invalid::new("Chưa nhập số tiền", "The amount is empty");
    pub const NOT_A_NUMBER: Invalid = Invalid::new(
        "Số tiền phải là số, ví dụ 1.000.000 hoặc 2 triệu",
        "The amount must be a number, for example 1.000.000 or 2 triệu",
    );
    pub const BAD_FORMAT: Invalid = Invalid::new(
        "Cách viết số tiền không đúng (ví dụ đúng: 1.000.000 hoặc 1000000)",
        "The amount is not written correctly (correct: 1.000.000 or 1000000)",
    );
    pub const GROUPING: Invalid = Invalid::new(
        "Dấu phân cách hàng nghìn đặt không đúng chỗ (ví dụ đúng: 1.000.000)",
        "Thousands separators are misplaced (correct: 1.000.000)",
    );
    pub const DECIMAL: Invalid = Invalid::new(
        "Số tiền phải là số đồng chẵn, không có phần lẻ (1000,5 hoặc 1.5 không hợp lệ)",
        "The amount must be whole đồng, without a fractional part (1000,5 or 1.5 is invalid)",
    );
    pub const NEGATIVE: Invalid =
        Invalid::new("Số tiền không được âm", "The amount must not be negative");
    pub const TOO_LARGE: Invalid = Invalid::new(
        "Số tiền vượt quá mức tối đa của một khoản: 1.000.000.000.000 đồng (một nghìn tỷ)",
        "The amount exceeds the maximum of one entry: 1,000,000,000,000 đồng",
    );
    pub const UNIT: Invalid = Invalid::new(
        "Đơn vị không hợp lệ: chỉ dùng đồng (đ, VND), nghìn (k), triệu (tr) hoặc tỷ",
        "Unknown unit: use đồng (đ, VND), nghìn (k), triệu (tr) or tỷ",
    );

    // Arithmetic.
    pub const OVERFLOW: Invalid = Invalid::new(
        "Tổng số tiền vượt quá giới hạn tính toán",
        "The total is beyond the range that can be computed",
    );

    // Entries.
    pub const TOO_FEW_LINES: Invalid = Invalid::new(
        "Bút toán phải có ít nhất hai dòng",
        "An entry needs at least two lines",
    );
    pub const ZERO_LINE: Invalid = Invalid::new(
        "Dòng bút toán không được có số tiền bằng 0",
        "An entry line must not have a zero amount",
    );
    pub const LINE_TOO_LARGE: Invalid = Invalid::new(
        "Số tiền trên một dòng bút toán vượt quá mức tối đa 1.000.000.000.000.000 đồng",
        "A line amount exceeds the maximum of 1,000,000,000,000,000 đồng",
    );
    pub const FUND_FULL: Invalid = Invalid::new(
        "Khoản này làm số dư của quỹ vượt mức tối đa một quỹ được giữ: 1.000.000.000.000.000 đồng (một triệu tỷ), âm hay dương",
        "This would take the fund's balance beyond what one fund may hold: 1,000,000,000,000,000 đồng either way",
    );
    pub const HALF_YEAR_FULL: Invalid = Invalid::new(
        "Khoản này làm tổng của loại thu, chi này trong nửa năm, tại đơn vị hoặc một cấp trên (kể cả toàn quốc), vượt mức tối đa 1.000.000.000.000.000 đồng; không thể ghi sổ",
        "This would take the half-year total of this category, at the unit or a level above it (the whole country included), beyond 1,000,000,000,000,000 đồng; it cannot be posted",
    );
    pub const UNBALANCED: Invalid = Invalid::new(
        "Bút toán không cân: các dòng của mỗi quỹ phải có tổng bằng 0",
        "Unbalanced entry: the lines of each fund must sum to zero",
    );
    pub const NOT_POSITIVE: Invalid = Invalid::new(
        "Số tiền phải lớn hơn 0",
        "The amount must be greater than zero",
    );
    pub const NOT_ASSET: Invalid = Invalid::new(
        "Hình thức tiền phải là tiền mặt, tiền gửi ngân hàng hoặc hiện vật",
        "The money side must be cash, bank or in kind",
    );
    pub const NOT_INCOME: Invalid = Invalid::new(
        "Khoản thu phải là một loại thu (ủng hộ, hội phí, heo đất, thu khác); nhận chuyển quỹ dùng chức năng chuyển quỹ",
        "A receipt needs an income category (donation, fee, piggy bank, other); transfers have their own form",
    );
    pub const NOT_EXPENSE: Invalid = Invalid::new(
        "Khoản chi phải là một loại chi (học bổng, phần thưởng, hỗ trợ giáo viên, chi khác); chuyển quỹ dùng chức năng chuyển quỹ",
        "A payment needs an expense category (scholarship, award, teacher support, other); transfers have their own form",
    );
    pub const SAME_FUND: Invalid = Invalid::new(
        "Quỹ chuyển và quỹ nhận phải khác nhau",
        "The sending and receiving funds must differ",
    );
    pub const UNKNOWN_ACCOUNT: Invalid = Invalid::new("Tài khoản không hợp lệ", "Unknown account");

    // Reports.
    pub const LEDGER_UNBALANCED: Invalid = Invalid::new(
        "Sổ quỹ không cân: các dòng trong kỳ có tổng khác 0, cần kiểm tra lại dữ liệu",
        "The books do not balance: the lines of the period do not sum to zero; check the data",
    );

    // Dates and periods.
    pub const BAD_DATE: Invalid = Invalid::new(
        "Ngày không hợp lệ (ví dụ đúng: 31/12/2025 hoặc 2025-12-31)",
        "Invalid date (correct: 31/12/2025 or 2025-12-31)",
    );
    pub const DATE_OUT_OF_RANGE: Invalid = Invalid::new(
        "Ngày phải trong khoảng từ năm 2000 đến năm 2100",
        "The date must lie between the years 2000 and 2100",
    );
    pub const BAD_PERIOD: Invalid = Invalid::new(
        "Ngày bắt đầu kỳ báo cáo phải không sau ngày kết thúc",
        "The period must not start after it ends",
    );

    // Vouchers.
    pub const BAD_VOUCHER: Invalid = Invalid::new(
        "Số phiếu không hợp lệ (ví dụ đúng: PT-2025-000123 hoặc PC-2025-000045)",
        "Invalid voucher number (correct: PT-2025-000123 or PC-2025-000045)",
    );
}
