//! Rows of the access matrix for learning models (included by `tests/access.rs`): the pages and
//! the JSON API of evaluations and certificates, criteria sets, families and other groups, and
//! paper forms entered from a workbook; and the objects they act on, all in branch 00004-1.

use super::*;
use http_body_util::BodyExt;
use tower::ServiceExt;

/// Every learning-model row.
pub fn rows() -> Vec<Row> {
    let mut rows = learning_rows();
    rows.extend(learning_api_rows());
    rows.extend(criteria_rows());
    rows.extend(group_rows());
    rows.extend(batch_rows());
    rows
}

/// The citizen's name, shown in full to herself and to officers in scope.
const CITIZEN_NAME: &str = "Đỗ Thị Lan";
/// Her name as a certificate shows it to anyone.
const CITIZEN_MASKED: &str = "Đỗ T. L.";
/// The family she heads.
pub(super) const FAMILY: &str = "Gia đình bà Đỗ Thị Lan";
/// A draft criteria set in the JSON API.
const DRAFT: &str = "\"status\":\"draft\"";
/// The learning page of someone who never registered.
const NOT_YET: &str = "Bạn chưa đăng ký năm nào";

/// Learning models through the pages. Unless a row says otherwise, the target is the citizen's
/// open evaluation of this year in branch 00004-1, and the in-scope officer the Ba Đình chair.
/// Where a signed-in action succeeds for the citizen and cannot be repeated, she acts on an
/// object of her own (her family's evaluation, next year's registration) and the officers on
/// another of the same kind.
#[allow(clippy::too_many_lines)]
fn learning_rows() -> Vec<Row> {
    use Access::*;
    vec![
        row(
            "GET /learning",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| get("/learning"),
            OK.has(NOT_YET),
        )
        .except(R::Citizen, OK.has("Đã được công nhận")),
        row(
            "POST /learning/register",
            SignedIn,
            Need::Own,
            R::Commune,
            // Everyone registers themself: the citizen for next year (she holds this year's and
            // last year's), the officers for this year.
            |_, phone| {
                let y = year(if phone == CITIZEN { 1 } else { 0 });
                form(
                    "/learning/register",
                    &[("form_group", "farmer"), ("year", &y)],
                )
            },
            see("/evaluations/*"),
        )
        .also(&[R::Citizen, R::CommuneOut]),
        row(
            "GET /evaluations/{id}",
            SignedIn,
            read(&["00004-1"]).or_subject(),
            R::Commune,
            |c, _| get(format!("/evaluations/{}", c.eval)),
            OK.has(CITIZEN_NAME),
        ),
        row(
            "GET /evaluations/{id}/groups/{n}",
            SignedIn,
            read(&["00004-1"]).or_subject(),
            R::Commune,
            |c, _| get(format!("/evaluations/{}/groups/1", c.eval)),
            OK.has("a_reads"),
        ),
        row(
            "POST /evaluations/{id}/groups/{n}",
            SignedIn,
            act(perm::EVALUATION_ENTER, &["00004-1"]).or_subject(),
            R::Commune,
            |c, _| {
                form(
                    format!("/evaluations/{}/groups/1", c.eval),
                    &[("a_reads", "8")],
                )
            },
            see("/evaluations/*"),
        )
        .also(&[R::Citizen]),
        row(
            "POST /evaluations/{id}/evidence",
            SignedIn,
            act(perm::EVALUATION_ENTER, &["00004-1"]).or_subject(),
            R::Commune,
            |c, _| {
                upload(
                    format!("/evaluations/{}/evidence", c.eval),
                    vec![
                        field("indicator", "reads"),
                        field("note", "Đọc báo mỗi sáng"),
                    ],
                )
            },
            see("/evaluations/*"),
        )
        .also(&[R::Citizen]),
        row(
            "GET /evidence/{id}",
            SignedIn,
            read(&["00004-1"]).or_subject(),
            R::Commune,
            |c, _| get(format!("/evidence/{}", c.evidence)),
            PDF,
        ),
        // Evidence is removed or replaced by its owner only (the citizen, whose evaluation it is):
        // officers who read it, and everyone else, get the 404 of evidence that does not exist.
        row(
            "POST /evidence/{id}/remove",
            SignedIn,
            Need::Owner,
            R::Citizen,
            |c, _| form(format!("/evidence/{}/remove", c.evidence_remove), &[]),
            see("/evaluations/*"),
        ),
        row(
            "POST /evidence/{id}/replace",
            SignedIn,
            Need::Owner,
            R::Citizen,
            |c, _| {
                upload(
                    format!("/evidence/{}/replace", c.evidence_replace),
                    vec![file(
                        "file",
                        "thay.pdf",
                        "application/pdf",
                        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec(),
                    )],
                )
            },
            see("/evaluations/*"),
        ),
        row(
            "GET /evaluations/{id}/all",
            Officer,
            act(perm::EVALUATION_ENTER, &["00004-1"]),
            R::Commune,
            |c, _| get(format!("/evaluations/{}/all", c.eval)),
            OK.has("a_cooperation"),
        ),
        row(
            "POST /evaluations/{id}/all",
            Officer,
            act(perm::EVALUATION_ENTER, &["00004-1"]),
            R::Commune,
            |c, _| form(format!("/evaluations/{}/all", c.eval), &[("a_reads", "9")]),
            see("/evaluations/*"),
        ),
        row(
            "POST /evaluations/{id}/submit",
            SignedIn,
            act(perm::EVALUATION_ENTER, &["00004-1"]).or_subject(),
            R::Commune,
            // The citizen submits her family's evaluation as its head.
            |c, phone| {
                let id = if phone == CITIZEN {
                    c.own_submit_page
                } else {
                    c.submit_page
                };
                form(format!("/evaluations/{id}/submit"), &[])
            },
            see("/evaluations/*"),
        )
        .also(&[R::Citizen]),
        row(
            "POST /evaluations/{id}/check",
            Officer,
            act(perm::EVALUATION_CHECK, &["00004-1"]),
            R::Commune,
            |c, _| {
                form(
                    format!("/evaluations/{}/check", c.check_page),
                    &[("note", "Đã đối chiếu với phiếu giấy")],
                )
            },
            see("/evaluations/*"),
        ),
        row(
            "POST /evaluations/{id}/return",
            Officer,
            act(perm::EVALUATION_CHECK, &["00004-1"]),
            R::Commune,
            |c, _| {
                form(
                    format!("/evaluations/{}/return", c.return_page),
                    &[("reason", "Cần bổ sung minh chứng")],
                )
            },
            see("/evaluations/*"),
        ),
        row(
            "GET /evaluations/{id}/review",
            Officer,
            act(perm::EVALUATION_RECOGNISE, &["00004-1"]).at_levels(Level::Central, Level::Commune),
            R::Commune,
            |c, _| get(format!("/evaluations/{}/review", c.eval)),
            OK.has(CITIZEN_NAME),
        ),
        row(
            "POST /evaluations/{id}/review",
            Officer,
            act(perm::EVALUATION_RECOGNISE, &["00004-1"]).at_levels(Level::Central, Level::Commune),
            R::Commune,
            |c, _| {
                let date = today();
                form(
                    format!("/evaluations/{}/review", c.review_page),
                    &[
                        ("decision", "recognise"),
                        ("decision_no", "11/QĐ-KH"),
                        ("decision_date", &date),
                    ],
                )
            },
            see("/evaluations/*"),
        ),
        row(
            "GET /units/{code}/evaluations",
            Officer,
            read(&["00004-1"]),
            R::Commune,
            |_, _| get("/units/00004-1/evaluations"),
            OK.has(CITIZEN_NAME),
        ),
        row(
            "POST /units/{code}/evaluations",
            Officer,
            act(perm::EVALUATION_ENTER, &["00004-1"]),
            R::Commune,
            |c, _| {
                let y = year(0);
                form(
                    "/units/00004-1/evaluations",
                    &[
                        ("phone", c.register_phone.as_str()),
                        ("form_group", "worker"),
                        ("year", &y),
                    ],
                )
            },
            see("/evaluations/*"),
        ),
        row(
            "GET /units/{code}/evaluations.xlsx",
            Officer,
            read(&["00004-1"]),
            R::Commune,
            |_, _| get("/units/00004-1/evaluations.xlsx"),
            OK.has("PK"),
        ),
        row(
            "POST /units/{code}/evaluations/bulk",
            Officer,
            act(perm::EVALUATION_CHECK, &["00004-1"]),
            R::Commune,
            |c, _| {
                let id = c.bulk_page.to_string();
                form(
                    "/units/00004-1/evaluations/bulk",
                    &[("action", "check"), ("ids", id.as_str())],
                )
            },
            OK.has("id=\"bulk-done\""),
        ),
        row(
            "GET /decisions/{id}/annex.pdf",
            Officer,
            read(&["00004"]),
            R::Commune,
            |c, _| get(format!("/decisions/{}/annex.pdf", c.decision)),
            PDF,
        ),
        row(
            "GET /certificates/{code}/pdf",
            SignedIn,
            read(&["00004-1"]).or_subject(),
            R::Commune,
            |c, _| get(format!("/certificates/{}/pdf", c.cert)),
            PDF,
        ),
        row(
            "GET /certificates/{code}/credential",
            SignedIn,
            read(&["00004-1"]).or_subject(),
            R::Commune,
            |c, _| get(format!("/certificates/{}/credential", c.cert)),
            OK.has("OpenBadgeCredential"),
        ),
        row(
            "POST /certificates/{code}/revoke",
            Officer,
            act(perm::EVALUATION_RECOGNISE, &["00004-1"]).at_levels(Level::Central, Level::Commune),
            R::Commune,
            |c, _| {
                form(
                    format!("/certificates/{}/revoke", c.revoke_page),
                    &[("reason", "Cấp nhầm người")],
                )
            },
            see("/evaluations/*"),
        ),
        row(
            "GET /verify/{code}",
            Public,
            Need::Anyone,
            R::Commune,
            // Anyone verifies, and sees the holder's name masked (the citizen's own name is in
            // the header of her pages).
            |c, _| get(format!("/verify/{}", c.cert)),
            OK.has(CITIZEN_MASKED).lacks(CITIZEN_NAME),
        )
        .except(R::Citizen, OK.has(CITIZEN_MASKED)),
    ]
}

/// Learning models through the JSON API; targets as for the pages, each made for its row. The
/// criteria sets are read by the Hà Nội chair, whose province owns the draft variant.
#[allow(clippy::too_many_lines)]
fn learning_api_rows() -> Vec<Row> {
    use Access::*;
    vec![
        row(
            "GET /api/v1/criteria",
            SignedIn,
            signed_list(Shown::Under("01")),
            R::Province,
            |_, _| get("/api/v1/criteria"),
            OK.has(DRAFT),
        ).elsewhere(OK.lacks(DRAFT)),
        row(
            "GET /api/v1/criteria/{id}",
            SignedIn,
            read(&["01"]),
            R::Province,
            |c, _| get(format!("/api/v1/criteria/{}", c.draft)),
            OK.has(DRAFT),
        ),
        row(
            "GET /api/v1/criteria/{id}/diff",
            SignedIn,
            read(&["01"]),
            R::Province,
            |c, _| get(format!("/api/v1/criteria/{}/diff", c.draft)),
            OK.has("what_vi"),
        ),
        row(
            "POST /api/v1/criteria/{id}/variant",
            Officer,
            act(perm::CRITERIA_MANAGE, &[]).at_levels(Level::Province, Level::Province),
            R::Province,
            |c, _| json(format!("/api/v1/criteria/{}/variant", c.national_community), serde_json::json!({})),
            CREATED.has(DRAFT),
        ),
        row(
            "PUT /api/v1/criteria/{id}",
            Officer,
            act(perm::CRITERIA_MANAGE, &["01"]).at_levels(Level::Province, Level::Province),
            R::Province,
            |c, _| {
                let later = (this_year() + 2).to_string();
                json(
                    format!("/api/v1/criteria/{}", c.draft_api_edit),
                    serde_json::json!({"fields": {"threshold": "80", "version": later}}),
                )
            },
            OK.has(DRAFT),
        ),
        row(
            "POST /api/v1/criteria/{id}/activate",
            Officer,
            act(perm::CRITERIA_MANAGE, &["01"]).at_levels(Level::Province, Level::Province),
            R::Province,
            |c, _| json(format!("/api/v1/criteria/{}/activate", c.draft_api_activate), serde_json::json!({})),
            OK.has("\"status\":\"active\""),
        ),
        row(
            "POST /api/v1/evaluations",
            SignedIn,
            act(perm::EVALUATION_ENTER, &["00004-1"]).or_subject(),
            R::Commune,
            // The citizen registers her second family, as its head; the officers a person of
            // branch 00004-1.
            |c, phone| {
                let body = if phone == CITIZEN {
                    serde_json::json!({"model": "family", "subject": {"group_id": c.family2}, "year": year_n(0)})
                } else {
                    serde_json::json!({"model": "citizen", "subject": {"person_id": c.register_api}, "year": year_n(0), "form_group": "farmer"})
                };
                json("/api/v1/evaluations", body)
            },
            CREATED.has("\"model\":\"citizen\""),
        ).also(&[R::Citizen]).except(R::Citizen, CREATED.has("\"model\":\"family\"")),
        row(
            "DELETE /api/v1/evidence/{id}",
            SignedIn,
            Need::Owner,
            R::Citizen,
            |c, _| get(format!("/api/v1/evidence/{}", c.evidence_remove_api)),
            OK.has("\"evidence\""),
        ),
        row(
            "GET /api/v1/evaluations",
            Officer,
            read(&["00004-1"]),
            R::Commune,
            |_, _| get("/api/v1/evaluations?unit=00004-1"),
            OK.has(CITIZEN_NAME),
        ),
        row(
            "GET /api/v1/me/evaluations",
            SignedIn,
            signed_list(Shown::Subject),
            R::Commune,
            |_, _| get("/api/v1/me/evaluations"),
            OK.has(CITIZEN_NAME),
        ).elsewhere(OK.lacks(CITIZEN_NAME)),
        row(
            "GET /api/v1/evaluations/{id}",
            SignedIn,
            read(&["00004-1"]).or_subject(),
            R::Commune,
            |c, _| get(format!("/api/v1/evaluations/{}", c.eval)),
            OK.has(CITIZEN_NAME),
        ),
        row(
            "PUT /api/v1/evaluations/{id}/answers",
            SignedIn,
            act(perm::EVALUATION_ENTER, &["00004-1"]).or_subject(),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/evaluations/{}/answers", c.eval),
                    serde_json::json!({"answers": {"learning_plan": 7}}),
                )
            },
            OK.has(CITIZEN_NAME),
        ).also(&[R::Citizen]),
        row(
            "POST /api/v1/evaluations/{id}/submit",
            SignedIn,
            act(perm::EVALUATION_ENTER, &["00004-1"]).or_subject(),
            R::Commune,
            // The citizen submits her family's evaluation as its head.
            |c, phone| {
                let id = if phone == CITIZEN {
                    c.own_submit_api
                } else {
                    c.submit_api
                };
                json(
                    format!("/api/v1/evaluations/{id}/submit"),
                    serde_json::json!({}),
                )
            },
            OK.has("\"status\":\"submitted\""),
        ).also(&[R::Citizen]),
        row(
            "POST /api/v1/evaluations/{id}/check",
            Officer,
            act(perm::EVALUATION_CHECK, &["00004-1"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/evaluations/{}/check", c.check_api),
                    serde_json::json!({"note": "Đã đối chiếu"}),
                )
            },
            OK.has("\"status\":\"checked\""),
        ),
        row(
            "POST /api/v1/evaluations/{id}/return",
            Officer,
            act(perm::EVALUATION_CHECK, &["00004-1"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/evaluations/{}/return", c.return_api),
                    serde_json::json!({"reason": "Cần bổ sung minh chứng"}),
                )
            },
            OK.has("\"status\":\"returned\""),
        ),
        row(
            "POST /api/v1/evaluations/{id}/review",
            Officer,
            act(perm::EVALUATION_RECOGNISE, &["00004-1"]).at_levels(Level::Central, Level::Commune),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/evaluations/{}/review", c.review_api),
                    serde_json::json!({"decision": "recognise", "decision_no": "12/QĐ-KH", "decision_date": today()}),
                )
            },
            OK.has("\"status\":\"recognised\""),
        ),
        row(
            "POST /api/v1/units/{code}/evaluations/bulk",
            Officer,
            act(perm::EVALUATION_CHECK, &["00004-1"]),
            R::Commune,
            |c, _| {
                json(
                    "/api/v1/units/00004-1/evaluations/bulk",
                    serde_json::json!({"action": "check", "ids": [c.bulk_api]}),
                )
            },
            OK.has("\"done\":1"),
        ),
        row(
            "GET /api/v1/decisions/{id}",
            Officer,
            read(&["00004"]),
            R::Commune,
            |c, _| get(format!("/api/v1/decisions/{}", c.decision)),
            OK.has("\"annex\""),
        ),
        row(
            "GET /api/v1/certificates/{code}",
            Public,
            Need::Anyone,
            R::Commune,
            |c, _| get(format!("/api/v1/certificates/{}", c.cert)),
            OK.has(CITIZEN_MASKED).lacks(CITIZEN_NAME),
        ),
        row(
            "GET /api/v1/certificates/{code}/credential",
            SignedIn,
            read(&["00004-1"]).or_subject(),
            R::Commune,
            |c, _| get(format!("/api/v1/certificates/{}/credential", c.cert)),
            OK.has("OpenBadgeCredential"),
        ),
        row(
            "POST /api/v1/certificates/{code}/revoke",
            Officer,
            act(perm::EVALUATION_RECOGNISE, &["00004-1"]).at_levels(Level::Central, Level::Commune),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/certificates/{}/revoke", c.revoke_api),
                    serde_json::json!({"reason": "Cấp nhầm người"}),
                )
            },
            OK.has("\"revoked\":true"),
        ),
    ]
}

/// Criteria sets: the variant routes need a province position with `criteria.manage`, so the
/// in-scope officer is the Hà Nội chair; the draft variants belong to Hà Nội.
#[allow(clippy::too_many_lines)]
fn criteria_rows() -> Vec<Row> {
    use Access::*;
    vec![
        row(
            "GET /criteria",
            Officer,
            list(Shown::Under("01")),
            R::Province,
            |_, _| get("/criteria"),
            OK.has("bản nháp"),
        )
        .elsewhere(OK.lacks("bản nháp")),
        row(
            "GET /criteria/{id}",
            Officer,
            read(&["01"]),
            R::Province,
            |c, _| get(format!("/criteria/{}", c.draft)),
            OK.has("bản nháp"),
        ),
        row(
            "GET /criteria/{id}/forms/{group}",
            SignedIn,
            read(&["01"]),
            R::Province,
            // The blank paper form of a draft: only those who may read the draft.
            |c, _| get(format!("/criteria/{}/forms/farmer.pdf", c.draft)),
            PDF,
        ),
        row(
            "POST /criteria/{id}/variant",
            Officer,
            act(perm::CRITERIA_MANAGE, &[]).at_levels(Level::Province, Level::Province),
            R::Province,
            |c, _| form(format!("/criteria/{}/variant", c.national_family), &[]),
            see("/criteria/*"),
        ),
        row(
            "GET /criteria/{id}/edit",
            Officer,
            act(perm::CRITERIA_MANAGE, &["01"]).at_levels(Level::Province, Level::Province),
            R::Province,
            |c, _| get(format!("/criteria/{}/edit", c.draft)),
            OK.has("min_each"),
        ),
        row(
            "POST /criteria/{id}/edit",
            Officer,
            act(perm::CRITERIA_MANAGE, &["01"]).at_levels(Level::Province, Level::Province),
            R::Province,
            |c, _| {
                form(
                    format!("/criteria/{}/edit", c.draft),
                    &[("source", c.draft_source.as_str())],
                )
            },
            OK.has("Đã lưu bản nháp"),
        ),
        row(
            "POST /criteria/{id}/activate",
            Officer,
            act(perm::CRITERIA_MANAGE, &["01"]).at_levels(Level::Province, Level::Province),
            R::Province,
            |c, _| form(format!("/criteria/{}/activate", c.draft_to_activate), &[]),
            see("/criteria/*"),
        ),
    ]
}

/// Families, clans and organisations, and group and unit titles, in branch 00004-1. The family
/// is the citizen's: she heads it, so she reads it and adds members like the officers.
#[allow(clippy::too_many_lines)]
fn group_rows() -> Vec<Row> {
    use Access::*;
    vec![
        row(
            "GET /units/{code}/groups",
            Officer,
            read(&["00004-1"]),
            R::Commune,
            |_, _| get("/units/00004-1/groups"),
            OK.has(FAMILY),
        ),
        row(
            "GET /units/{code}/groups.xlsx",
            Officer,
            read(&["00004-1"]),
            R::Commune,
            |_, _| get("/units/00004-1/groups.xlsx?q=ta+van"),
            OK.has("PK"),
        ),
        row(
            "POST /units/{code}/groups",
            Officer,
            act(perm::EVALUATION_ENTER, &["00004-1"]),
            R::Commune,
            |c, _| {
                form(
                    "/units/00004-1/groups",
                    &[
                        ("kind", "family"),
                        ("name", "Gia đình ông Tạ Văn Cường"),
                        ("head", c.head_phone.as_str()),
                    ],
                )
            },
            see("/groups/*"),
        ),
        row(
            "GET /groups/{id}",
            SignedIn,
            read(&["00004-1"]).or_subject(),
            R::Commune,
            |c, _| get(format!("/groups/{}", c.family)),
            OK.has(FAMILY),
        ),
        row(
            "POST /groups/{id}/members",
            SignedIn,
            act(perm::EVALUATION_ENTER, &["00004-1"]).or_subject(),
            R::Commune,
            // The citizen and the officer each add someone else.
            |c, phone| {
                let member = if phone == CITIZEN {
                    &c.member_by_citizen
                } else {
                    &c.member_by_officer
                };
                form(
                    format!("/groups/{}/members", c.family),
                    &[("phone", member.as_str()), ("adult", "1")],
                )
            },
            see("/groups/*"),
        )
        .also(&[R::Citizen]),
        // A person without an account is added by an officer who registers people in scope.
        row(
            "POST /groups/{id}/members/new",
            Officer,
            act(perm::PERSON_MANAGE, &["00004-1"]),
            R::Commune,
            |c, _| {
                form(
                    format!("/groups/{}/members/new", c.family),
                    &[
                        ("full_name", "Đỗ Minh Khang"),
                        ("birth_year", "2016"),
                        ("gender", "male"),
                    ],
                )
            },
            see("/groups/*"),
        ),
        // The head and officers in scope remove members (each a member of their own).
        row(
            "POST /groups/{id}/members/{member}/remove",
            SignedIn,
            act(perm::EVALUATION_ENTER, &["00004-1"]).or_subject(),
            R::Commune,
            |c, phone| {
                let member = if phone == CITIZEN {
                    c.remove_by_head
                } else {
                    c.remove_by_officer
                };
                form(format!("/groups/{}/members/{member}/remove", c.family), &[])
            },
            see("/groups/*"),
        )
        .also(&[R::Citizen]),
        // A member leaves by themself: the demo branch officer, a member of the citizen's third
        // family; anyone else gets the 404 of a membership that does not exist.
        row(
            "POST /learning/memberships/{id}/leave",
            SignedIn,
            Need::Owner,
            R::Branch,
            |c, _| {
                form(
                    format!("/learning/memberships/{}/leave", c.membership_leave),
                    &[],
                )
            },
            see("/learning"),
        ),
        // An invitation is answered by the invited person only (the demo branch officer, whom
        // the citizen invited as a head): the head, officers in scope and anyone else get the
        // 404 of an invitation that does not exist.
        row(
            "POST /learning/invitations/{id}/accept",
            SignedIn,
            Need::Owner,
            R::Branch,
            |c, _| {
                form(
                    format!("/learning/invitations/{}/accept", c.invitation_accept),
                    &[],
                )
            },
            see("/learning"),
        ),
        row(
            "POST /learning/invitations/{id}/decline",
            SignedIn,
            Need::Owner,
            R::Branch,
            |c, _| {
                form(
                    format!("/learning/invitations/{}/decline", c.invitation_decline),
                    &[],
                )
            },
            see("/learning"),
        ),
        row(
            "POST /groups/{id}/evaluations",
            SignedIn,
            act(perm::EVALUATION_ENTER, &["00004-1"]).or_subject(),
            R::Commune,
            // The citizen registers her second family for next year, the officers for last year.
            |c, phone| {
                let y = year(if phone == CITIZEN { 1 } else { -1 });
                form(
                    format!("/groups/{}/evaluations", c.family2),
                    &[("year", &y)],
                )
            },
            see("/evaluations/*"),
        )
        .also(&[R::Citizen]),
        row(
            "POST /units/{code}/evaluations/unit",
            Officer,
            act(perm::EVALUATION_ENTER, &["00004-1"]),
            R::Commune,
            |_, _| {
                let y = year(0);
                form("/units/00004-1/evaluations/unit", &[("year", &y)])
            },
            see("/evaluations/*"),
        ),
    ]
}

/// Paper forms entered from an Excel workbook, in branch 00004-1.
fn batch_rows() -> Vec<Row> {
    use Access::*;
    vec![
        row(
            "GET /units/{code}/batch/template.xlsx",
            Officer,
            act(perm::EVALUATION_ENTER, &["00004-1"]),
            R::Commune,
            |_, _| get("/units/00004-1/batch/template.xlsx"),
            OK.has("PK"),
        ),
        row(
            "GET /units/{code}/batch",
            Officer,
            act(perm::EVALUATION_ENTER, &["00004-1"]),
            R::Commune,
            |_, _| get("/units/00004-1/batch"),
            OK.has("Chi hội Tổ dân phố số 1"),
        ),
        row(
            "POST /units/{code}/batch",
            Officer,
            act(perm::EVALUATION_ENTER, &["00004-1"]),
            R::Commune,
            |c, _| {
                upload(
                    "/units/00004-1/batch",
                    vec![
                        field("year", &year(0)),
                        file("file", "phieu.xlsx", XLSX, c.workbook.clone()),
                    ],
                )
            },
            OK.has("Người mới"),
        ),
        row(
            "POST /units/{code}/batch/commit",
            Officer,
            act(perm::EVALUATION_ENTER, &["00004-1"]),
            R::Commune,
            |c, _| {
                let fields: Vec<(&str, &str)> = c
                    .confirm
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                form("/units/00004-1/batch/commit", &fields)
            },
            OK.has("Đã lưu 1 hồ sơ"),
        ),
    ]
}

fn certificate_of(detail: &serde_json::Value) -> String {
    detail["certificate"]["code"]
        .as_str()
        .expect("certificate code")
        .to_owned()
}

/// A small PDF attached to an indicator, as the Ba Đình chair.
pub(super) async fn attach_pdf(app: &TestApp, web: &mut Client, evaluation: i64, indicator: &str) {
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let parts = [
        field("indicator", indicator),
        file("file", "minh-chung.pdf", "application/pdf", pdf),
    ];
    let path = format!("/evaluations/{evaluation}/evidence");
    let r = post_multipart(app, web, &path, &parts).await;
    assert_eq!(r.status.as_u16(), 303, "setup POST {path}: {}", r.body);
}

/// The body of a GET as bytes (the harness reads bodies as text).
pub(super) async fn get_bytes(app: &TestApp, c: &Client, path: &str) -> Vec<u8> {
    let cookies: Vec<String> = c.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let req = Request::get(path)
        .header(header::COOKIE, cookies.join("; "))
        .body(Body::empty())
        .expect("request");
    let resp = app.router.clone().oneshot(req).await.expect("infallible");
    assert_eq!(resp.status().as_u16(), 200, "setup GET {path}");
    resp.into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
        .to_vec()
}

/// The header row of the unit's Excel template.
pub(super) fn header_of(template: &[u8]) -> Vec<String> {
    let mut wb: calamine::Xlsx<_> =
        calamine::Reader::new(std::io::Cursor::new(template)).expect("the template is a workbook");
    let sheet = calamine::Reader::sheet_names(&wb)
        .first()
        .cloned()
        .expect("a sheet");
    let rows = calamine::Reader::worksheet_range(&mut wb, &sheet).expect("the rows sheet");
    rows.rows()
        .next()
        .expect("a header row")
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// A filled workbook of one new person (no phone) with 8 points on every indicator.
pub(super) fn workbook(header: &[String], name: &str) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (col, h) in header.iter().enumerate() {
        let col = u16::try_from(col).expect("column");
        ws.write_string(0, col, h).expect("header");
        let cell = if h.starts_with("Họ và tên") {
            ws.write_string(1, col, name)
        } else if h.starts_with("Số điện thoại") {
            continue;
        } else if h.starts_with("Năm sinh") {
            ws.write_number(1, col, 1980.0)
        } else if h.starts_with("Giới tính") {
            ws.write_string(1, col, "Nữ")
        } else if h.starts_with("Nhóm đối tượng") {
            ws.write_string(1, col, "farmer")
        } else {
            ws.write_number(1, col, 8.0)
        };
        cell.expect("cell");
    }
    wb.save_to_buffer().expect("workbook")
}

/// The id in a redirect to `{prefix}{id}` (and maybe more after a `/`).
fn redirected_id(r: &Resp, prefix: &str) -> i64 {
    assert_eq!(r.status.as_u16(), 303, "{}", r.body);
    r.location()
        .and_then(|l| l.strip_prefix(prefix))
        .and_then(|l| l.split('/').next())
        .and_then(|id| id.parse().ok())
        .expect("an id in the redirect")
}

/// The citizen, as the family's head, invites the person with this phone; the invitation's id.
pub(super) async fn invitation(app: &TestApp, family: i64, phone: &str) -> i64 {
    let mut head = app.login(CITIZEN).await;
    let path = format!("/groups/{family}/members");
    let r = app
        .post_form(&mut head, &path, &[("phone", phone), ("adult", "1")])
        .await;
    assert_eq!(r.status.as_u16(), 303, "setup POST {path}: {}", r.body);
    sqlx::query_scalar("SELECT m.id FROM group_members m JOIN people p ON p.id = m.person_id WHERE m.group_id = $1 AND p.phone = $2 AND m.accepted_at IS NULL")
        .bind(family)
        .bind(phone)
        .fetch_one(&app.db.pool)
        .await
        .expect("a waiting invitation")
}

/// A family in branch 00004-1 headed by the citizen, made by the Ba Đình chair.
pub(super) async fn citizen_family(app: &TestApp, web: &mut Client, name: &str) -> i64 {
    let fields = [("kind", "family"), ("name", name), ("head", CITIZEN)];
    let r = app.post_form(web, "/units/00004-1/groups", &fields).await;
    redirected_id(&r, "/groups/")
}

/// A draft variant of a national set, made by the Hà Nội chair.
async fn variant_of(app: &TestApp, hanoi: &mut Client, national: i64) -> i64 {
    let r = app
        .post_form(hanoi, &format!("/criteria/{national}/variant"), &[])
        .await;
    redirected_id(&r, "/criteria/")
}

async fn national_set(app: &TestApp, model: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT id FROM criteria_sets WHERE owner_code = 'VN' AND model = $1 AND status = 'active' ORDER BY version DESC",
    )
    .bind(model)
    .fetch_one(&app.db.pool)
    .await
    .expect("a national set")
}

/// Learning-model objects, all in branch 00004-1 (see the fields of `Ctx`).
#[allow(clippy::too_many_lines)]
pub async fn setup(app: &TestApp, ctx: &mut Ctx) {
    let mut c = app.api_client(BADINH).await;
    let mut web = app.login(BADINH).await;
    let citizen = app.person_id(CITIZEN).await;
    let mut people = vec![];
    for (n, name) in [
        "Bùi Văn An",
        "Bùi Thị Bình",
        "Cao Văn Chung",
        "Cao Thị Dung",
        "Đinh Văn Đức",
        "Đinh Thị Giang",
        "Giáp Văn Hải",
        "Giáp Thị Hương",
        "Hà Văn Khánh",
        "Hà Thị Linh",
        "Kim Văn Minh",
        "Kim Thị Ngọc",
        "Lò Văn Phúc",
        "Lò Thị Quyên",
        "Mai Văn Sang",
        "Ngô Thị Tâm",
        "Ngô Văn Tài",
    ]
    .into_iter()
    .enumerate()
    {
        let phone = format!("09150000{:02}", n + 1);
        let id = register_person(app, &mut c, "00004-1", name, &phone).await;
        people.push((id, phone));
    }
    let person = |n: usize| people[n].0;
    // The citizen's open evaluation, with a PDF, and her recognised one of last year.
    let open = citizen_evaluation(app, &mut c, citizen, this_year(), Stage::Registered).await;
    ctx.eval = evaluation_id(&open);
    attach_pdf(app, &mut web, ctx.eval, "reads").await;
    ctx.evidence = sqlx::query_scalar(
        "SELECT id FROM evidence WHERE evaluation_id = $1 AND object_key IS NOT NULL",
    )
    .bind(ctx.eval)
    .fetch_one(&app.db.pool)
    .await
    .expect("the evidence file");
    // Three more files of hers, to remove (page, API) and replace.
    let mut spare = vec![];
    for _ in 0..3 {
        attach_pdf(app, &mut web, ctx.eval, "reads").await;
        spare.push(
            sqlx::query_scalar::<_, i64>("SELECT MAX(id) FROM evidence WHERE evaluation_id = $1")
                .bind(ctx.eval)
                .fetch_one(&app.db.pool)
                .await
                .expect("a spare evidence file"),
        );
    }
    [
        ctx.evidence_remove,
        ctx.evidence_remove_api,
        ctx.evidence_replace,
    ] = [spare[0], spare[1], spare[2]];
    let done = citizen_evaluation(app, &mut c, citizen, this_year() - 1, Stage::Recognised).await;
    ctx.cert = certificate_of(&done);
    // Other people's evaluations, one per action.
    let mut made = vec![];
    for (n, stage) in [
        Stage::Answered,
        Stage::Answered,
        Stage::Submitted,
        Stage::Submitted,
        Stage::Submitted,
        Stage::Submitted,
        Stage::Checked,
        Stage::Checked,
        Stage::Recognised,
        Stage::Recognised,
    ]
    .into_iter()
    .enumerate()
    {
        made.push(citizen_evaluation(app, &mut c, person(n), this_year(), stage).await);
    }
    // Two more submitted, to check in bulk (page, API): people 15 and 16.
    for n in [15, 16] {
        made.push(citizen_evaluation(app, &mut c, person(n), this_year(), Stage::Submitted).await);
    }
    [ctx.bulk_page, ctx.bulk_api] = [evaluation_id(&made[10]), evaluation_id(&made[11])];
    ctx.decision = sqlx::query_scalar("SELECT MIN(id) FROM decisions")
        .fetch_one(&app.db.pool)
        .await
        .expect("a decision");
    [
        ctx.submit_page,
        ctx.submit_api,
        ctx.check_page,
        ctx.check_api,
        ctx.return_page,
        ctx.return_api,
        ctx.review_page,
        ctx.review_api,
    ] = std::array::from_fn(|n| evaluation_id(&made[n]));
    ctx.revoke_page = certificate_of(&made[8]);
    ctx.revoke_api = certificate_of(&made[9]);
    ctx.register_phone = people[10].1.clone();
    ctx.register_api = person(11);
    ctx.member_by_citizen = people[12].1.clone();
    ctx.member_by_officer = people[13].1.clone();
    ctx.head_phone = people[14].1.clone();
    // The citizen's families; the first has complete evaluations of last year and this year.
    ctx.family = citizen_family(app, &mut web, FAMILY).await;
    ctx.family2 = citizen_family(app, &mut web, "Gia đình bà Lan ở phố Đội Cấn").await;
    [ctx.invitation_accept, ctx.invitation_decline] = [
        invitation(app, ctx.family, BRANCH_OFFICER).await,
        invitation(app, ctx.family2, BRANCH_OFFICER).await,
    ];
    // Two members of the family, added at once by the chair, to remove (by the head, by an
    // officer); a third family the demo branch officer belongs to, to leave.
    let mut removable = vec![];
    for (name, phone) in [
        ("Tăng Văn Lộc", "0915000101"),
        ("Tăng Thị Mai", "0915000102"),
    ] {
        let id = register_person(app, &mut c, "00004-1", name, phone).await;
        let path = format!("/groups/{}/members", ctx.family);
        let r = app
            .post_form(&mut web, &path, &[("phone", phone), ("adult", "1")])
            .await;
        assert_eq!(r.status.as_u16(), 303, "setup POST {path}: {}", r.body);
        removable.push(
            sqlx::query_scalar::<_, i64>("SELECT id FROM group_members WHERE group_id = $1 AND person_id = $2 AND ended_at IS NULL")
                .bind(ctx.family)
                .bind(id)
                .fetch_one(&app.db.pool)
                .await
                .expect("a member to remove"),
        );
    }
    [ctx.remove_by_head, ctx.remove_by_officer] = [removable[0], removable[1]];
    let family3 = citizen_family(app, &mut web, "Gia đình bà Lan ở phố Kim Mã").await;
    ctx.membership_leave = invitation(app, family3, BRANCH_OFFICER).await;
    let mut branch = app.login(BRANCH_OFFICER).await;
    let path = format!("/learning/invitations/{}/accept", ctx.membership_leave);
    let r = app.post_form(&mut branch, &path, &[]).await;
    assert_eq!(r.status.as_u16(), 303, "setup POST {path}: {}", r.body);
    let mut own = vec![];
    for offset in [-1, 0] {
        let d = ok(
            app,
            &mut c,
            "POST",
            "/api/v1/evaluations",
            serde_json::json!({"model": "family", "subject": {"group_id": ctx.family}, "year": year_n(offset)}),
        )
        .await;
        let id = evaluation_id(&d);
        ok(
            app,
            &mut c,
            "PUT",
            &format!("/api/v1/evaluations/{id}/answers"),
            serde_json::json!({"answers": {
                "children_in_school#part": 1, "children_in_school#total": 1, "children_progress": 8,
                "study_corner": 1, "books": 4, "devices": 4, "learning_budget": 1,
                "better_living": 8, "cultural_family": 1,
            }}),
        )
        .await;
        attach_pdf(app, &mut web, id, "cultural_family").await;
        let d = ok(
            app,
            &mut c,
            "GET",
            &format!("/api/v1/evaluations/{id}"),
            serde_json::json!(null),
        )
        .await;
        assert_eq!(
            d["score"]["missing"],
            serde_json::json!([]),
            "the family's evaluation is complete"
        );
        own.push(id);
    }
    [ctx.own_submit_page, ctx.own_submit_api] = [own[0], own[1]];
    // Hà Nội's draft variants.
    let mut hanoi = app.login(HANOI).await;
    ctx.draft = variant_of(app, &mut hanoi, national_set(app, "citizen").await).await;
    ctx.draft_to_activate = variant_of(app, &mut hanoi, national_set(app, "clan").await).await;
    ctx.national_family = national_set(app, "family").await;
    ctx.national_community = national_set(app, "community").await;
    ctx.draft_api_activate = variant_of(app, &mut hanoi, national_set(app, "unit").await).await;
    ctx.draft_source = sqlx::query_scalar("SELECT source FROM criteria_sets WHERE id = $1")
        .bind(ctx.draft)
        .fetch_one(&app.db.pool)
        .await
        .expect("the draft's text");
    // A second citizen draft of Hà Nội, for the year after the first (a copy is always next
    // year's: this one is stored as the first's text with the later year).
    let later = this_year() + 2;
    let text = ctx.draft_source.replacen(
        &format!("version = {}", this_year() + 1),
        &format!("version = {later}"),
        1,
    );
    ctx.draft_api_edit = sqlx::query_scalar(
        "INSERT INTO criteria_sets (code, model, version, owner_code, based_on_id, title_vi, source, status, created_at) \
         SELECT code, model, $1, owner_code, based_on_id, title_vi, $2, 'draft', created_at FROM criteria_sets WHERE id = $3 RETURNING id",
    )
    .bind(i64::from(later))
    .bind(text)
    .bind(ctx.draft)
    .fetch_one(&app.db.pool)
    .await
    .expect("a second draft");
    // Workbooks made from the unit's own template; the second one is previewed now.
    let template = get_bytes(app, &web, "/units/00004-1/batch/template.xlsx").await;
    let header = header_of(&template);
    ctx.workbook = workbook(&header, "Ninh Thị Xem");
    let parts = [
        field("year", &year(0)),
        file("file", "luu.xlsx", XLSX, workbook(&header, "Ninh Văn Lưu")),
    ];
    let r = post_multipart(app, &mut web, "/units/00004-1/batch", &parts).await;
    assert_eq!(r.status.as_u16(), 200, "setup preview: {}", short(&r.body));
    ctx.confirm = ["key", "sha256", "year", "plan"]
        .iter()
        .map(|k| ((*k).to_owned(), hidden(&r.body, k)))
        .collect();
}
