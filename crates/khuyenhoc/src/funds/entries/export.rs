//! A fund's ledger exported to Excel exactly as filtered (through `web::export`): every matching
//! entry newest first, kinds by name (never codes), days dd/mm/yyyy, the change of the fund's
//! assets in đồng.

use super::Filter;
use crate::funds::model::StoredEntry;
use crate::web::export::{Cell, Export, Sheet};
use khuyenhoc_ledger::Account;

/// The name of an entry's kind in Vietnamese.
pub fn kind_vi(kind: &str) -> String {
    match kind {
        "reversal" => "Đảo bút toán".to_owned(),
        k => Account::parse(k).map_or_else(|_| k.to_owned(), |a| a.label_vi().to_owned()),
    }
}

impl Export for Filter {
    type Row = StoredEntry;

    fn sheet(&self) -> Sheet {
        Sheet {
            name: "Sổ quỹ",
            columns: &[
                ("Ngày", 12.0),
                ("Số chứng từ", 18.0),
                ("Loại", 24.0),
                ("Diễn giải", 44.0),
                ("Người nộp / nhận", 28.0),
                ("Thu (+) / Chi (−), đồng", 20.0),
                ("Mã bút toán", 12.0),
            ],
            what_vi: "bút toán",
            what_en: "entries",
        }
    }

    crate::web::export::by_key!(StoredEntry);

    fn cells(&self, e: &StoredEntry) -> Vec<Cell> {
        vec![
            crate::i18n::day(&e.occurred_on).into(),
            e.voucher_no.as_deref().into(),
            kind_vi(&e.kind).into(),
            (&e.description).into(),
            e.donor.as_deref().into(),
            Cell::Money(e.change),
            e.id.into(),
        ]
    }
}
