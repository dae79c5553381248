//! The member list exported to Excel exactly as filtered (through `web::export`): every
//! matching member in the list's order, statuses and sectors by name (never codes), dates
//! dd/mm/yyyy.

use super::list::Filter;
use super::model::Member;
use crate::web::export::{Cell, Export, Sheet};

impl Export for Filter {
    type Row = Member;

    fn sheet(&self) -> Sheet {
        Sheet {
            name: "Hội viên",
            columns: &[
                ("Họ và tên", 32.0),
                ("Năm sinh", 10.0),
                ("Điện thoại", 14.0),
                ("Chi hội", 32.0),
                ("Số thẻ", 12.0),
                ("Ngày vào Hội", 14.0),
                ("Trạng thái", 16.0),
                ("Lĩnh vực", 30.0),
                ("Mã hội viên", 12.0),
            ],
            what_vi: "hội viên",
            what_en: "members",
        }
    }

    crate::web::export::by_key!(Member);

    fn cells(&self, m: &Member) -> Vec<Cell> {
        vec![
            (&m.full_name).into(),
            m.birth_year.into(),
            m.phone.as_deref().into(),
            (&m.branch_name).into(),
            m.card_no.as_deref().into(),
            crate::i18n::day(&m.joined_on).into(),
            m.status_vi().into(),
            m.sectors_labels().0.into(),
            m.id.into(),
        ]
    }
}
