//! What the member list's pages say (the pages themselves are the pipeline's: `sheets::pages`).

use super::check::{Plan, Who};
use crate::org::model::Unit;
use crate::sheets::pages::{Link, Pages};
use crate::sheets::{Done, Saved};

/// The member list pages of a unit.
pub fn pages(unit: &Unit) -> Pages {
    let code = &unit.code;
    Pages {
        unit_code: code.clone(),
        unit_name: unit.name.clone(),
        year: None,
        upload_href: format!("/units/{code}/members/import"),
        upload_action: format!("/units/{code}/members/import"),
        commit_action: format!("/units/{code}/members/import/commit"),
        template_href: format!("/units/{code}/members/template.xlsx"),
        crumb: Link::new(format!("/units/{code}/members"), ("Hội viên", "Members")),
        upload_title: ("Nhập danh sách hội viên", "Import a member list"),
        heading: (
            "Nhập danh sách hội viên từ tệp Excel",
            "Import a member list from Excel",
        ),
        steps: vec![
            ("Tải tệp mẫu: các cột Họ và tên, Năm sinh, Giới tính, Số điện thoại, Mã chi hội, Số thẻ, Ngày vào hội, Lĩnh vực; trang «Hướng dẫn» ghi mã các chi hội.", "Download the template: the columns Họ và tên, Năm sinh, Giới tính, Số điện thoại, Mã chi hội, Số thẻ, Ngày vào hội, Lĩnh vực; its “Hướng dẫn” sheet lists the branch codes."),
            ("Mỗi hội viên một dòng. Người đã có được tìm theo số điện thoại; người chưa có sẽ được tạo mới. Người đã là hội viên bị từ chối.", "One row per member. Existing people are found by phone number; others are created. People who are members already are refused."),
            ("Tải tệp lên để xem trước từng dòng. Chưa có gì được lưu cho tới khi bạn xác nhận; chỉ lưu khi mọi dòng hợp lệ, và lưu tất cả cùng lúc.", "Upload it to preview every row. Nothing is saved until you confirm; it is saved only when every row is valid, and all at once."),
        ],
        preview_title: ("Xem trước danh sách hội viên", "Member list preview"),
        done_title: ("Đã lưu danh sách hội viên", "Member list saved"),
        name_column: ("Họ và tên", "Full name"),
        column: ("Chi hội", "Branch"),
        noun: ("hội viên", "members"),
    }
}

/// What the preview says of a valid row: who, the join date, the sectors.
pub fn summary(p: &Plan) -> (String, String) {
    let (mut vi, mut en) = match p.who {
        Who::New(_) => ("Người mới".to_owned(), "New person".to_owned()),
        Who::Existing(_) => ("Người đã có".to_owned(), "Existing person".to_owned()),
    };
    vi.push_str(&format!(" · vào Hội {}", p.joined));
    en.push_str(&format!(" · joined {}", p.joined));
    let (labels_vi, labels_en): (Vec<&str>, Vec<&str>) = p
        .sectors
        .split_whitespace()
        .filter_map(crate::members::sector_labels)
        .unzip();
    if !labels_vi.is_empty() {
        vi.push_str(&format!(" · {}", labels_vi.join(", ")));
        en.push_str(&format!(" · {}", labels_en.join(", ")));
    }
    (vi, en)
}

/// What the page after a commit says.
pub fn done(unit: &Unit, saved: Saved) -> Done {
    let (n, new) = (saved.rows, saved.new_people);
    Done {
        heading: (
            "Đã lưu danh sách hội viên".to_owned(),
            "The member list is saved".to_owned(),
        ),
        result: (
            format!("Đã lưu {n} hội viên ({new} người mới)."),
            format!("Saved {n} members ({new} new people)."),
        ),
        next: Link::new(
            format!("/units/{}/members", unit.code),
            ("Xem danh sách hội viên", "See the member list"),
        ),
    }
}
