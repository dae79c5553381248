//! What the batch's pages say (the pages themselves are the pipeline's: `sheets::pages`).

use super::check::Accepted;
use crate::org::model::Unit;
use crate::sheets::pages::{Link, Pages};
use crate::sheets::{Done, Saved};

/// The batch pages of a unit and year.
pub fn pages(unit: &Unit, year: i64) -> Pages {
    let code = &unit.code;
    Pages {
        unit_code: code.clone(),
        unit_name: unit.name.clone(),
        year: Some(year),
        upload_href: format!("/units/{code}/batch?year={year}"),
        upload_action: format!("/units/{code}/batch"),
        commit_action: format!("/units/{code}/batch/commit"),
        template_href: format!("/units/{code}/batch/template.xlsx"),
        crumb: Link::new(
            format!("/units/{code}/evaluations?year={year}"),
            ("Danh hiệu học tập", "Learning titles"),
        ),
        upload_title: ("Nhập phiếu từ tệp Excel", "Import forms from Excel"),
        heading: (
            "Nhập phiếu Công dân học tập từ tệp Excel",
            "Import Learning Citizen forms from Excel",
        ),
        steps: vec![
            ("Tải tệp mẫu của năm đánh giá: các cột đúng với bộ tiêu chí đang áp dụng cho tỉnh; trang «Hướng dẫn» ghi mã nhóm đối tượng và điểm tối đa của từng chỉ số.", "Download the template of the year: its columns follow the criteria set in force in the province; its “Hướng dẫn” sheet lists the form-group codes and each indicator's maximum."),
            ("Chép phiếu giấy vào tệp, mỗi người một dòng. Người đã có trong đơn vị được tìm theo số điện thoại; người chưa có sẽ được thêm vào đơn vị này.", "Copy the paper forms into it, one row per person. People already in the unit are found by phone number; others are added to this unit."),
            ("Tải tệp lên để xem trước kết quả từng dòng. Chưa có gì được lưu cho tới khi bạn xác nhận; khi xác nhận, mọi dòng hợp lệ được lưu cùng một lúc và nộp thay cho công dân.", "Upload it to preview every row's outcome. Nothing is saved until you confirm; then every valid row is saved at once and submitted on the citizens' behalf."),
        ],
        preview_title: ("Xem trước tệp nhập", "Import preview"),
        done_title: ("Kết quả nhập", "Import result"),
        name_column: ("Họ và tên", "Full name"),
        column: ("Số điện thoại", "Phone"),
        noun: ("dòng", "rows"),
    }
}

/// What the preview says of an accepted row: who, the form group, the score.
pub fn summary(a: &Accepted) -> (String, String) {
    let (who_vi, who_en) = if a.is_new() {
        ("Người mới", "New person")
    } else {
        ("Người đã có", "Existing person")
    };
    let (passed_vi, passed_en) = if a.passed {
        ("đủ điểm đạt", "meets the criteria")
    } else {
        ("chưa đủ điểm đạt", "does not meet the criteria yet")
    };
    let fg = a.form_group.as_deref().unwrap_or_default();
    let score = format!("{}/{}", a.total, a.max_total);
    (
        format!("{who_vi} · {fg} · {score} điểm · {passed_vi}"),
        format!("{who_en} · {fg} · {score} points · {passed_en}"),
    )
}

/// What the page after a commit says.
pub fn done(unit: &Unit, year: i64, saved: Saved, rows: usize) -> Done {
    let (n, new) = (saved.rows, saved.new_people);
    let skipped = rows.saturating_sub(n);
    Done {
        heading: (format!("Đã lưu {n} hồ sơ"), format!("Saved {n} evaluations")),
        result: (
            format!("Đã lưu {n} hồ sơ trong một lần ({new} người mới); {skipped} dòng lỗi bị bỏ qua; {rows} dòng đã đọc. Các hồ sơ đã được nộp thay cho công dân và chờ chi hội kiểm tra."),
            format!("Saved {n} evaluations in one go ({new} new people); {skipped} rows with errors skipped; {rows} rows read. The evaluations are submitted on the citizens' behalf and wait for the branch check."),
        ),
        next: Link::new(
            format!("/units/{}/evaluations?year={year}", unit.code),
            ("Xem danh sách hồ sơ", "See the evaluations"),
        ),
    }
}
