//! A voucher's texts checked and cleaned (NFC, whitespace collapsed, lengths), its amount and
//! date checked.

use chrono::NaiveDate;

use super::{Receipt, ReceiptKind, MAX_AMOUNT};
use crate::{field, DocError, Invalid};
use khuyenhoc_domain::limits;

/// A voucher whose texts have been cleaned and checked.
pub(super) struct Clean {
    pub(super) kind: ReceiptKind,
    pub(super) fund: String,
    pub(super) unit: String,
    pub(super) province: String,
    pub(super) number: String,
    pub(super) date: NaiveDate,
    pub(super) party: String,
    pub(super) anonymous: bool,
    pub(super) address: Option<String>,
    pub(super) reason: String,
    pub(super) amount: i64,
    pub(super) in_kind: Option<String>,
    pub(super) treasurer: String,
    pub(super) reversed: Option<String>,
}

/// An optional text: absent or blank is `None`, otherwise checked like a required one.
pub(super) fn optional(
    s: Option<&String>,
    max: usize,
    err: Invalid,
) -> Result<Option<String>, DocError> {
    match s.map(|s| khuyenhoc_domain::text::clean(s)) {
        Some(c) if !c.is_empty() => field(&c, max, err).map(Some),
        _ => Ok(None),
    }
}

pub(super) fn clean(r: &Receipt) -> Result<Clean, DocError> {
    let inv = Invalid::new;
    let fund = field(
        &r.fund_name,
        limits::TITLE.max,
        inv(
            "Thiếu tên quỹ (tối đa 150 ký tự)",
            "The fund name is missing or longer than 150 characters",
        ),
    )?;
    let unit = field(
        &r.unit_name,
        150,
        inv(
            "Thiếu tên đơn vị (tối đa 150 ký tự)",
            "The unit name is missing or longer than 150 characters",
        ),
    )?;
    let province = field(
        &r.province_name,
        80,
        inv(
            "Thiếu tên tỉnh, thành phố (tối đa 80 ký tự)",
            "The province name is missing or longer than 80 characters",
        ),
    )?;
    let number = field(
        &r.voucher_no,
        40,
        inv(
            "Thiếu số phiếu (tối đa 40 ký tự)",
            "The voucher number is missing or longer than 40 characters",
        ),
    )?;
    let (party, address) = party(r)?;
    let reason = field(
        &r.reason,
        limits::DESCRIPTION.max,
        inv(
            "Thiếu lý do (tối đa 300 ký tự)",
            "The reason is missing or longer than 300 characters",
        ),
    )?;
    let treasurer = field(
        &r.treasurer_name,
        limits::NAME.max,
        inv(
            "Thiếu họ tên thủ quỹ (tối đa 100 ký tự)",
            "The treasurer's name is missing or longer than 100 characters",
        ),
    )?;
    let in_kind = optional(
        r.in_kind_note.as_ref(),
        limits::DESCRIPTION.max,
        inv(
            "Ghi chú hiện vật dài quá 300 ký tự",
            "The in-kind note is longer than 300 characters",
        ),
    )?;
    let reversed = reversal(r)?;
    check_amount(r)?;
    Ok(Clean {
        kind: r.kind,
        fund,
        unit,
        province,
        number,
        date: r.date,
        anonymous: khuyenhoc_domain::text::fold(&party) == "an danh",
        party,
        address,
        reason,
        amount: r.amount,
        in_kind,
        treasurer,
        reversed,
    })
}

/// The payer or payee (for a receipt, "Ẩn danh" for an anonymous donor) and their address.
fn party(r: &Receipt) -> Result<(String, Option<String>), DocError> {
    let inv = Invalid::new;
    let party = field(
        &r.party_name,
        limits::NAME.max,
        inv(
            "Thiếu họ tên người nộp hoặc nhận tiền (tối đa 100 ký tự; ghi \"Ẩn danh\" nếu không rõ)",
            "The payer's or payee's name is missing or longer than 100 characters (write \"Ẩn danh\" for anonymous)",
        ),
    )?;
    let address = optional(
        r.party_address.as_ref(),
        200,
        inv(
            "Địa chỉ dài quá 200 ký tự",
            "The address is longer than 200 characters",
        ),
    )?;
    Ok((party, address))
}

/// The line that marks a reversed voucher as cancelled, if it was reversed.
fn reversal(r: &Receipt) -> Result<Option<String>, DocError> {
    optional(
        r.reversed.as_ref(),
        200,
        Invalid::new(
            "Dòng ghi hủy phiếu dài quá 200 ký tự",
            "The cancellation line is longer than 200 characters",
        ),
    )
}

pub(super) fn check_amount(r: &Receipt) -> Result<(), DocError> {
    if r.amount <= 0 || r.amount > MAX_AMOUNT {
        return Err(DocError::Invalid(Invalid::new(
            "Số tiền phải lớn hơn 0 và không quá 1.000.000.000.000.000 đồng",
            "The amount must be more than 0 and at most 10^15 đồng",
        )));
    }
    Ok(())
}
