//! The list exported to Excel exactly as filtered (through `web::export`): every matching row in
//! the list's order, with names (never codes) for titles, form groups and statuses.

use super::Filter;
use crate::db::Db;
use crate::error::AppError;
use crate::evaluation::model::Evaluation;
use crate::web::export::{Cell, Export, Sheet};
use crate::web::list::Cursor;

/// The list's filter with the names of the form groups: (code, Vietnamese, English).
pub struct Listed<'a> {
    pub filter: &'a Filter,
    pub groups: &'a [(String, String, String)],
}

impl Export for Listed<'_> {
    type Row = Evaluation;

    fn sheet(&self) -> Sheet {
        Sheet {
            name: "Hồ sơ",
            columns: &[
                ("Họ và tên / Tên", 32.0),
                ("Đơn vị", 34.0),
                ("Danh hiệu", 22.0),
                ("Nhóm đối tượng", 26.0),
                ("Năm", 8.0),
                ("Trạng thái", 34.0),
                ("Điểm", 8.0),
                ("Mã hồ sơ", 10.0),
            ],
            what_vi: "hồ sơ",
            what_en: "rows",
        }
    }

    async fn total(&self, db: &Db) -> Result<i64, AppError> {
        Ok(self.filter.count(db).await?)
    }

    async fn chunk(
        &self,
        db: &Db,
        cursor: Option<&Cursor>,
        limit: i64,
    ) -> Result<(Vec<Evaluation>, Option<Cursor>), AppError> {
        self.filter.rows(db, cursor, limit).await
    }

    fn cells(&self, e: &Evaluation) -> Vec<Cell> {
        let group = e
            .form_group
            .as_deref()
            .and_then(|g| self.groups.iter().find(|x| x.0 == g))
            .map(|x| x.1.as_str())
            .unwrap_or_default();
        vec![
            (&e.subject_name).into(),
            (&e.unit_name).into(),
            e.model_vi().into(),
            group.into(),
            e.year.into(),
            e.status_vi().into(),
            e.total.into(),
            e.id.into(),
        ]
    }
}
