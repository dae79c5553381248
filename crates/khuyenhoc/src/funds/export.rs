//! Documents of funds: the receipts-and-payments report as an Excel workbook, and vouchers
//! (phiếu thu / phiếu chi) as PDF.

use super::service;
use crate::auth::Viewer;
use crate::error::AppError;
use crate::state::AppState;
use khuyenhoc_ledger::ReceiptsPayments;
use rust_xlsxwriter::{Format, Workbook};
use sqlx::Row;

/// The report as a workbook: one sheet, opening balance, receipts per category, payments per
/// category, closing balance; amounts as numbers (đồng) so the totals can be checked.
pub fn report_xlsx(
    title: &str,
    r: &ReceiptsPayments,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0");
    let ws = wb.add_worksheet();
    ws.set_name("Thu chi")?;
    ws.set_column_width(0, 48)?;
    ws.set_column_width(1, 20)?;
    ws.write_string_with_format(0, 0, "BÁO CÁO THU CHI", &bold)?;
    ws.write_string(1, 0, title)?;
    ws.write_string(
        2,
        0,
        format!(
            "Từ {} đến {}",
            r.period.from().to_vi(),
            r.period.to().to_vi()
        ),
    )?;
    let mut row = 4u32;
    let mut line = |ws: &mut rust_xlsxwriter::Worksheet,
                    label: &str,
                    amount: i64,
                    strong: bool|
     -> Result<(), rust_xlsxwriter::XlsxError> {
        if strong {
            ws.write_string_with_format(row, 0, label, &bold)?;
        } else {
            ws.write_string(row, 0, label)?;
        }
        #[allow(clippy::cast_precision_loss)] // amounts are at most 10^15 đồng, exact in an f64
        ws.write_number_with_format(row, 1, amount as f64, &money)?;
        row += 1;
        Ok(())
    };
    line(ws, "Số dư đầu kỳ", r.opening.get(), true)?;
    line(ws, "I. THU", r.total_receipts.get(), true)?;
    for t in &r.receipts {
        line(
            ws,
            &format!("   {}", t.account.label_vi()),
            t.amount.get(),
            false,
        )?;
    }
    line(ws, "II. CHI", r.total_payments.get(), true)?;
    for t in &r.payments {
        line(
            ws,
            &format!("   {}", t.account.label_vi()),
            t.amount.get(),
            false,
        )?;
    }
    line(ws, "Số dư cuối kỳ", r.closing.get(), true)?;
    line(
        ws,
        "(Chuyển giữa các quỹ trong cùng đơn vị, đã loại trừ)",
        r.eliminated_internal_transfers.get(),
        false,
    )?;
    wb.save_to_buffer()
}

/// The voucher of an entry, for whoever may read its fund.
pub async fn voucher_pdf(state: &AppState, v: &Viewer, entry_id: i64) -> Result<Vec<u8>, AppError> {
    let row = sqlx::query(
        "SELECT e.fund_id, e.voucher_no, e.occurred_on, e.description, e.in_kind_note, d.name, \
         CAST(COALESCE((SELECT SUM(l.amount) FROM ledger_lines l WHERE l.entry_id = e.id AND l.fund_id = e.fund_id AND l.account IN ('cash', 'bank', 'in_kind')), 0) AS BIGINT), \
         (SELECT r.id FROM ledger_entries r WHERE r.reverses_id = e.id), pe.full_name \
         FROM ledger_entries e LEFT JOIN donors d ON d.id = e.donor_id LEFT JOIN people pe ON pe.id = e.person_id WHERE e.id = $1",
    )
    .bind(entry_id)
    .fetch_optional(&state.db.pool)
    .await?
    .ok_or(AppError::NotFound)?;
    let fund = service::visible(&state.db, v, row.try_get(0)?).await?;
    let voucher: Option<String> = row.try_get(1)?;
    let voucher = voucher.ok_or_else(|| {
        AppError::bad_request(
            "Bút toán này không có phiếu thu, phiếu chi",
            "This entry has no voucher",
        )
    })?;
    let change: i64 = row.try_get(6)?;
    let reversed_by: Option<i64> = row.try_get(7)?;
    let province_path =
        crate::org::ancestor_path(&fund.unit_path, 1).unwrap_or_else(|| "/VN/".to_owned());
    let province: String = sqlx::query_scalar("SELECT name FROM units WHERE path = $1")
        .bind(&province_path)
        .fetch_optional(&state.db.pool)
        .await?
        .unwrap_or_default();
    let date: String = row.try_get(2)?;
    let receipt = khuyenhoc_docs::Receipt {
        fund_name: fund.name.clone(),
        unit_name: format!("Hội Khuyến học {}", fund.unit_name),
        province_name: province,
        voucher_no: voucher,
        kind: if change >= 0 {
            khuyenhoc_docs::ReceiptKind::Receipt
        } else {
            khuyenhoc_docs::ReceiptKind::Payment
        },
        date: chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d")
            .map_err(|e| anyhow::anyhow!("stored date: {e}"))?,
        party_name: row
            .try_get::<Option<String>, _>(5)?
            .unwrap_or_else(|| "Ẩn danh".into()),
        party_address: None,
        reason: row.try_get(3)?,
        amount: change.abs(),
        in_kind_note: row.try_get(4)?,
        // Who posted it signs as the treasurer; an entry without one (generated, or written
        // by an import) leaves a dotted line for the name to be written by hand.
        treasurer_name: row
            .try_get::<Option<String>, _>(8)?
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "……………………".into()),
        reversed: reversed_by.map(|r| format!("Đã hủy bằng bút toán đảo số {r}")),
    };
    let pdf = tokio::task::spawn_blocking(move || khuyenhoc_docs::receipt_pdf(&receipt))
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    pdf.map_err(|e| anyhow::anyhow!("voucher PDF: {e:?}").into())
}
