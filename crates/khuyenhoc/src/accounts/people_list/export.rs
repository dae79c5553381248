//! The people list exported to Excel exactly as filtered (through `web::export`): every
//! matching person in the list's order.

use super::Filter;
use crate::accounts::model::Person;
use crate::web::export::{Cell, Export, Sheet};

impl Export for Filter {
    type Row = Person;

    fn sheet(&self) -> Sheet {
        Sheet {
            name: "Danh sách",
            columns: &[
                ("Họ và tên", 32.0),
                ("Năm sinh", 10.0),
                ("Giới tính", 10.0),
                ("Số điện thoại", 16.0),
                ("Thư điện tử", 28.0),
                ("Đơn vị", 34.0),
                ("Mã người", 10.0),
            ],
            what_vi: "người",
            what_en: "people",
        }
    }

    crate::web::export::by_key!(Person);

    fn cells(&self, p: &Person) -> Vec<Cell> {
        vec![
            (&p.full_name).into(),
            p.birth_year.into(),
            p.gender_labels().0.into(),
            p.phone.as_deref().into(),
            p.email.as_deref().into(),
            (&p.unit_name).into(),
            p.id.into(),
        ]
    }
}
