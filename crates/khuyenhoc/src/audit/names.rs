//! The audit log's codes in words: every entity and action the program records has a Vietnamese
//! and an English name, so that a person reading the log (the viewer, "my data") never reads a
//! code. `record` and `record_many` check in debug builds (every test) that the codes they write
//! are named here, so a new code without a name fails the first test that writes it.

/// A name in both languages: (Vietnamese, English).
pub type Name = (&'static str, &'static str);

/// What kind of record an entry is about.
pub fn entity(code: &str) -> Option<Name> {
    Some(match code {
        "api_token" => ("Khóa truy cập API", "API token"),
        "certificate" => ("Giấy chứng nhận", "Certificate"),
        "cluster" => ("Cụm thi đua", "Emulation cluster"),
        "cluster_membership" => ("Thành viên cụm thi đua", "Cluster membership"),
        "coop_commitment" => (
            "Cam kết trong chương trình phối hợp",
            "Cooperation commitment",
        ),
        "coop_file" => (
            "Tệp của chương trình phối hợp",
            "Cooperation programme file",
        ),
        "coop_partner" => ("Đối tác phối hợp", "Cooperation partner"),
        "coop_programme" => ("Chương trình phối hợp", "Cooperation programme"),
        "coop_review" => (
            "Sơ kết, tổng kết chương trình phối hợp",
            "Cooperation review",
        ),
        "criteria_set" => ("Bộ tiêu chí", "Criteria set"),
        "evaluation" => ("Hồ sơ đánh giá", "Evaluation"),
        "evaluation_batch" => ("Tệp Excel hồ sơ đánh giá", "Evaluation workbook"),
        "disadvantaged_import" => (
            "Tệp danh sách xã vùng đặc biệt khó khăn",
            "Disadvantaged communes list",
        ),
        "document" => ("Văn bản đi", "Outgoing document"),
        "meeting" => ("Cuộc họp", "Meeting"),
        "meeting_attendance" => ("Điểm danh cuộc họp", "Meeting attendance"),
        "meeting_unit" => ("Điểm cầu cuộc họp", "Meeting venue"),
        "calendar_token" => ("Địa chỉ lịch cá nhân", "Calendar feed address"),
        "document_entry" => ("Văn bản đến", "Incoming document"),
        "document_file" => ("Tệp đính kèm văn bản", "Document file"),
        "evidence" => ("Minh chứng", "Evidence"),
        "fund" => ("Quỹ", "Fund"),
        "group" => ("Gia đình, dòng họ, tập thể", "Family, clan or group"),
        "ledger_entry" => ("Bút toán", "Ledger entry"),
        "member" => ("Hội viên", "Member"),
        "member_import" => ("Tệp Excel hội viên", "Member workbook"),
        "nomination" => ("Đề cử", "Nomination"),
        "old_figures_import" => (
            "Tệp số liệu trước chương trình",
            "Workbook of figures from before the program",
        ),
        "notify_channels" => ("Cách nhận thông báo", "Notification channels"),
        "person" => ("Hồ sơ cá nhân", "Person"),
        "pledge" => ("Cam kết ủng hộ", "Pledge"),
        "position" => ("Chức vụ", "Position"),
        "position_type" => ("Loại chức vụ", "Position type"),
        "programme" => ("Chương trình học bổng, khen thưởng", "Programme"),
        "record_link" => (
            "Liên kết chia sẻ hồ sơ học tập",
            "Learning record share link",
        ),
        "registration" => ("Đăng ký tham gia", "Registration"),
        "report" => ("Báo cáo", "Report"),
        "report_template" => ("Mẫu báo cáo", "Report template"),
        "shares_import" => ("Tệp tỉ lệ kế thừa", "Shares sheet"),
        "unit" => ("Đơn vị", "Unit"),
        "unit_import" => ("Danh mục đơn vị hành chính", "Unit list import"),
        "old_map_import" => (
            "Bản đồ hành chính trước 01/07/2025 và quan hệ kế thừa",
            "Map before 1 July 2025 and its successions",
        ),
        "unit_population" => ("Số liệu dân số của đơn vị", "Unit population"),
        _ => return None,
    })
}

/// What was done.
#[allow(clippy::too_many_lines)] // one line per action
pub fn action(code: &str) -> Option<Name> {
    Some(match code {
        "accept" => ("Duyệt", "Accepted"),
        "accept_invitation" => ("Nhận lời mời", "Accepted the invitation"),
        "acknowledge" => ("Xác nhận đã nhận", "Acknowledged receipt"),
        "activate" => ("Kích hoạt", "Activated"),
        "add_member" => ("Thêm thành viên", "Added a member"),
        "appoint" => ("Bổ nhiệm", "Appointed"),
        "assign" => ("Phân công", "Assigned"),
        "attach" => ("Đính kèm", "Attached"),
        "change_password" => ("Đổi mật khẩu", "Changed the password"),
        "check" => ("Chi hội kiểm tra", "Checked by the branch"),
        "close" => ("Đóng", "Closed"),
        "complete" => ("Đánh dấu đã hoàn thành", "Marked done"),
        "confirm" => ("Xác nhận", "Confirmed"),
        "confirm_merge" => ("Xác nhận và gộp hồ sơ", "Confirmed and merged"),
        "contact_change_confirmed" => ("Xác nhận đổi liên lạc", "Contact change confirmed"),
        "contact_change_requested" => ("Yêu cầu đổi liên lạc", "Contact change requested"),
        "copy" => ("Sao chép", "Copied"),
        "correct" => ("Sửa thông tin", "Corrected"),
        "create" => ("Tạo mới", "Created"),
        "invite" => ("Gửi giấy mời", "Sent the invitations"),
        "answer" => ("Xác nhận tham dự", "Answered the invitation"),
        "check_in" => ("Điểm danh bằng mã", "Checked in with the code"),
        "mark_present" => ("Ghi nhận có mặt", "Marked present"),
        "link_document" => ("Gắn văn bản", "Linked a document"),
        "minutes" => ("Lập biên bản", "Wrote the minutes"),
        "decide" => ("Quyết định", "Decided"),
        "decline_invitation" => ("Từ chối lời mời", "Declined the invitation"),
        "edit" => ("Chỉnh sửa", "Edited"),
        "forward" => ("Chuyển tiếp", "Forwarded"),
        "fee" => ("Thu hội phí", "Fee recorded"),
        "handover" => ("Bàn giao", "Handed over"),
        "held" => ("Ghi nhận đã tổ chức", "Recorded as held"),
        "import" => ("Nhập từ tệp Excel", "Imported from an Excel file"),
        "invite_member" => ("Mời thành viên", "Invited a member"),
        "issue" => ("Cấp", "Issued"),
        "join_merge" => ("Gộp với hồ sơ đăng ký", "Merged with a registration"),
        "leave" => ("Rời nhóm", "Left"),
        "mark_disadvantaged" => (
            "Đánh dấu thuộc vùng đặc biệt khó khăn",
            "Marked as a disadvantaged area",
        ),
        "merge" => ("Gộp hồ sơ", "Merged"),
        "merged_into" => ("Được gộp vào hồ sơ khác", "Merged into another record"),
        "move" => ("Chuyển đơn vị", "Moved"),
        "nominate" => ("Đề cử", "Nominated"),
        "not_recognised" => ("Không công nhận", "Not recognised"),
        "open" => ("Mở", "Opened"),
        "post" => ("Ghi sổ", "Posted"),
        "publish" => ("Công khai", "Published"),
        "recognised" => ("Công nhận", "Recognised"),
        "recover_by_code" => (
            "Đặt mật khẩu bằng mã khôi phục",
            "Password set with a recovery code",
        ),
        "recover_by_link" => (
            "Đặt mật khẩu bằng liên kết khôi phục",
            "Password set with a recovery link",
        ),
        "recovery_code" => ("Cấp mã khôi phục", "Recovery code given"),
        "recovery_link" => ("Gửi liên kết khôi phục", "Recovery link sent"),
        "register" => ("Đăng ký", "Registered"),
        "recall" => ("Thu hồi văn bản", "Recalled"),
        "reissue" => ("Cấp lại", "Reissued"),
        "reject" => ("Từ chối", "Rejected"),
        "remind" => ("Nhắc việc", "Sent reminders"),
        "remove" => ("Gỡ bỏ", "Removed"),
        "remove_member" => ("Bỏ thành viên", "Removed a member"),
        "rename" => ("Đổi tên", "Renamed"),
        "replace" => ("Thay thế", "Replaced"),
        "reply" => ("Trả lời", "Replied"),
        "reset_password" => ("Đặt lại mật khẩu", "Password reset"),
        "return" => ("Trả lại", "Returned"),
        "revoke" => ("Thu hồi", "Revoked"),
        "save" => ("Lưu", "Saved"),
        "save_answers" => ("Lưu phần tự chấm", "Saved the answers"),
        "set" => ("Đặt", "Set"),
        "set_shares" => ("Đặt tỉ lệ kế thừa", "Set succession shares"),
        "set_public" => ("Đổi chế độ công khai", "Changed publicity"),
        "set_status" => ("Đổi trạng thái", "Changed the status"),
        "sign" => ("Ký", "Signed"),
        "submit" => ("Nộp", "Submitted"),
        "transfer" => ("Chuyển sinh hoạt đi", "Transferred out"),
        "transfer_in" => ("Nhận chuyển sinh hoạt đến", "Transferred in"),
        "unmark_disadvantaged" => (
            "Bỏ đánh dấu vùng đặc biệt khó khăn",
            "Unmarked as a disadvantaged area",
        ),
        "update" => ("Cập nhật", "Updated"),
        "vacate" => ("Thôi giữ chức vụ", "Left the position"),
        "withdraw" => ("Thu hồi", "Withdrew"),
        "withdraw_invitation" => ("Rút lời mời", "Withdrew the invitation"),
        _ => return None,
    })
}

/// "Action · entity" in the reader's language; a code without a name (a record written by an
/// older version) is shown as a generic change, never as its code.
pub fn describe(entity_code: &str, action_code: &str, en: bool) -> String {
    let pick = |n: Name| if en { n.1 } else { n.0 };
    let a = action(action_code).map_or(if en { "Change" } else { "Thay đổi" }, pick);
    let e = entity(entity_code).map_or(if en { "Record" } else { "Hồ sơ" }, pick);
    format!("{a} · {e}")
}

/// In debug builds, fails loudly on a code without a name (see the module's note).
pub(super) fn check(entity_code: &str, action_code: &str) {
    debug_assert!(
        entity(entity_code).is_some(),
        "audit entity {entity_code:?} has no name in audit::names"
    );
    debug_assert!(
        action(action_code).is_some(),
        "audit action {action_code:?} has no name in audit::names"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_as_people_write() {
        assert_eq!(
            describe("evaluation", "recognised", false),
            "Công nhận · Hồ sơ đánh giá"
        );
        assert_eq!(
            describe("evaluation", "recognised", true),
            "Recognised · Evaluation"
        );
        assert_eq!(describe("x", "y", false), "Thay đổi · Hồ sơ");
    }
}
