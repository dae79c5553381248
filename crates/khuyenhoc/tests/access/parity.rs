//! Rows of the access matrix for the API twins of page actions (issue 16, item 8; included by
//! `tests/access.rs`): evidence, families and their members and invitations, the batch import,
//! the blank form PDF and a unit's live counts. Each row's need is its page's: the targets are
//! those of the learning rows (branch 00004-1), and new ones made in `setup` for the changes.

use super::learning_rows::{
    attach_pdf, citizen_family, get_bytes, header_of, invitation, workbook, FAMILY,
};
use super::*;

/// Objects made for these rows before the matrix runs.
#[derive(Default)]
pub struct CtxParity {
    /// The citizen's file to replace through the API.
    evidence_replace: i64,
    /// People of 00004-1 added to her family through the API: by her (an invitation), by the
    /// chair (at once).
    member_by_citizen: String,
    member_by_officer: String,
    /// Memberships of her family to end through the API: by her as the head, by an officer.
    remove_by_head: i64,
    remove_by_officer: i64,
    /// Invitations of the demo branch officer to accept and decline through the API, and a
    /// membership of theirs to leave.
    invitation_accept: i64,
    invitation_decline: i64,
    membership_leave: i64,
    /// The import id of a workbook previewed through the API in setup, to confirm.
    import_id: String,
}

pub fn rows() -> Vec<Row> {
    let mut rows = evidence_rows();
    rows.extend(group_rows());
    rows.extend(other_rows());
    rows
}

fn evidence_rows() -> Vec<Row> {
    use Access::*;
    vec![
        row(
            "GET /api/v1/evaluations/{id}/evidence",
            SignedIn,
            read(&["00004-1"]).or_subject(),
            R::Commune,
            |c, _| get(format!("/api/v1/evaluations/{}/evidence", c.eval)),
            OK.has("\"indicator\":\"reads\""),
        ),
        row(
            "POST /api/v1/evaluations/{id}/evidence",
            SignedIn,
            act(perm::EVALUATION_ENTER, &["00004-1"]).or_subject(),
            R::Commune,
            |c, _| {
                upload(
                    format!("/api/v1/evaluations/{}/evidence", c.eval),
                    vec![
                        field("indicator", "reads"),
                        field("note", "Đọc sách ở thư viện xã"),
                    ],
                )
            },
            CREATED.has("\"kind\":\"note\""),
        )
        .also(&[R::Citizen]),
        row(
            "PUT /api/v1/evidence/{id}",
            SignedIn,
            Need::Owner,
            R::Citizen,
            |c, _| {
                upload(
                    format!("/api/v1/evidence/{}", c.parity.evidence_replace),
                    vec![file(
                        "file",
                        "thay-api.pdf",
                        "application/pdf",
                        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec(),
                    )],
                )
            },
            OK.has("\"file_name\":\"thay-api.pdf\""),
        ),
    ]
}

#[allow(clippy::too_many_lines)]
fn group_rows() -> Vec<Row> {
    use Access::*;
    vec![
        row(
            "GET /api/v1/units/{code}/groups",
            Officer,
            read(&["00004-1"]),
            R::Commune,
            |_, _| get("/api/v1/units/00004-1/groups?kind=family"),
            OK.has(FAMILY),
        ),
        row(
            "GET /api/v1/units/{code}/groups.xlsx",
            Officer,
            read(&["00004-1"]),
            R::Commune,
            |_, _| get("/api/v1/units/00004-1/groups.xlsx?kind=family"),
            OK.has("PK"),
        ),
        row(
            "POST /api/v1/units/{code}/groups",
            Officer,
            act(perm::EVALUATION_ENTER, &["00004-1"]),
            R::Commune,
            |c, _| {
                json(
                    "/api/v1/units/00004-1/groups",
                    serde_json::json!({"kind": "clan", "name": "Dòng họ Tạ ở Đội Cấn", "head": c.head_phone}),
                )
            },
            CREATED.has("\"kind\":\"clan\""),
        ),
        row(
            "GET /api/v1/groups/{id}",
            SignedIn,
            read(&["00004-1"]).or_subject(),
            R::Commune,
            |c, _| get(format!("/api/v1/groups/{}", c.family)),
            OK.has(FAMILY),
        ),
        row(
            "POST /api/v1/groups/{id}/members",
            SignedIn,
            act(perm::EVALUATION_ENTER, &["00004-1"]).or_subject(),
            R::Commune,
            |c, phone| {
                let member = if phone == CITIZEN {
                    &c.parity.member_by_citizen
                } else {
                    &c.parity.member_by_officer
                };
                json(
                    format!("/api/v1/groups/{}/members", c.family),
                    serde_json::json!({"phone": member, "adult": true}),
                )
            },
            CREATED.has("\"added\":\"invited\""),
        )
        .also(&[R::Citizen]),
        row(
            "POST /api/v1/groups/{id}/members/new",
            Officer,
            act(perm::PERSON_MANAGE, &["00004-1"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/groups/{}/members/new", c.family),
                    serde_json::json!({"full_name": "Đỗ Minh Khôi", "birth_year": "2018", "gender": "male"}),
                )
            },
            CREATED.has("Đỗ Minh Khôi"),
        ),
        row(
            "DELETE /api/v1/groups/{id}/members/{member}",
            SignedIn,
            act(perm::EVALUATION_ENTER, &["00004-1"]).or_subject(),
            R::Commune,
            |c, phone| {
                let member = if phone == CITIZEN {
                    c.parity.remove_by_head
                } else {
                    c.parity.remove_by_officer
                };
                get(format!("/api/v1/groups/{}/members/{member}", c.family))
            },
            OK.has(FAMILY),
        )
        .also(&[R::Citizen]),
        row(
            "GET /api/v1/me/groups",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| get("/api/v1/me/groups"),
            OK.has("\"memberships\""),
        ),
        row(
            "POST /api/v1/me/invitations/{id}/accept",
            SignedIn,
            Need::Owner,
            R::Branch,
            |c, _| {
                get(format!(
                    "/api/v1/me/invitations/{}/accept",
                    c.parity.invitation_accept
                ))
            },
            OK.has("\"memberships\""),
        ),
        row(
            "POST /api/v1/me/invitations/{id}/decline",
            SignedIn,
            Need::Owner,
            R::Branch,
            |c, _| {
                get(format!(
                    "/api/v1/me/invitations/{}/decline",
                    c.parity.invitation_decline
                ))
            },
            OK.has("\"invitations\""),
        ),
        row(
            "POST /api/v1/me/memberships/{id}/leave",
            SignedIn,
            Need::Owner,
            R::Branch,
            |c, _| {
                get(format!(
                    "/api/v1/me/memberships/{}/leave",
                    c.parity.membership_leave
                ))
            },
            OK.has("\"memberships\""),
        ),
    ]
}

fn other_rows() -> Vec<Row> {
    use Access::*;
    vec![
        row(
            "POST /api/v1/units/{code}/evaluations/import",
            Officer,
            act(perm::EVALUATION_ENTER, &["00004-1"]),
            R::Commune,
            |c, _| {
                upload(
                    "/api/v1/units/00004-1/evaluations/import",
                    vec![
                        field("year", &year(0)),
                        file("file", "phieu.xlsx", XLSX, c.workbook.clone()),
                    ],
                )
            },
            OK.has("\"accepted\":1"),
        ),
        row(
            "POST /api/v1/units/{code}/evaluations/import/{id}/confirm",
            Officer,
            act(perm::EVALUATION_ENTER, &["00004-1"]),
            R::Commune,
            |c, _| {
                get(format!(
                    "/api/v1/units/00004-1/evaluations/import/{}/confirm",
                    c.parity.import_id
                ))
            },
            OK.has("\"rows\":1"),
        ),
        row(
            "GET /api/v1/criteria/{id}/forms/{group}",
            SignedIn,
            read(&["01"]),
            R::Province,
            // The blank paper form of a draft: only those who may read the draft.
            |c, _| get(format!("/api/v1/criteria/{}/forms/farmer.pdf", c.draft)),
            PDF,
        ),
        row(
            "GET /api/v1/units/{code}/counts",
            Officer,
            read(&["00004-1"]),
            R::Commune,
            |_, _| get("/api/v1/units/00004-1/counts"),
            OK.has("\"evaluations_waiting\""),
        ),
    ]
}

/// Targets of these rows, after the learning rows' set-up (the citizen's evaluation and family).
#[allow(clippy::too_many_lines)] // one step per target
pub async fn setup(app: &TestApp, ctx: &mut Ctx) {
    let mut c = app.api_client(BADINH).await;
    let mut web = app.login(BADINH).await;
    attach_pdf(app, &mut web, ctx.eval, "reads").await;
    ctx.parity.evidence_replace =
        sqlx::query_scalar("SELECT MAX(id) FROM evidence WHERE evaluation_id = $1")
            .bind(ctx.eval)
            .fetch_one(&app.db.pool)
            .await
            .expect("a spare evidence file");
    // Two people to add through the API, two members (added at once) to remove.
    let mut phones = vec![];
    for (n, name) in ["Vi Văn Bảo", "Vi Thị Cúc", "Vi Văn Dũng", "Vi Thị Én"]
        .into_iter()
        .enumerate()
    {
        let phone = format!("09150002{:02}", n + 1);
        register_person(app, &mut c, "00004-1", name, &phone).await;
        phones.push(phone);
    }
    ctx.parity.member_by_citizen = phones[0].clone();
    ctx.parity.member_by_officer = phones[1].clone();
    let mut removable = vec![];
    for phone in &phones[2..] {
        let path = format!("/groups/{}/members", ctx.family);
        let r = app
            .post_form(&mut web, &path, &[("phone", phone), ("adult", "1")])
            .await;
        assert_eq!(r.status.as_u16(), 303, "setup POST {path}: {}", r.body);
        removable.push(
            sqlx::query_scalar::<_, i64>("SELECT m.id FROM group_members m JOIN people p ON p.id = m.person_id WHERE m.group_id = $1 AND p.phone = $2 AND m.ended_at IS NULL")
                .bind(ctx.family)
                .bind(phone)
                .fetch_one(&app.db.pool)
                .await
                .expect("a member to remove"),
        );
    }
    [ctx.parity.remove_by_head, ctx.parity.remove_by_officer] = [removable[0], removable[1]];
    // The demo branch officer's invitations to three more families of the citizen's: to
    // accept, to decline, and one accepted now, to leave.
    let mut families = vec![];
    for name in [
        "Gia đình bà Lan ở phố Liễu Giai",
        "Gia đình bà Lan ở phố Văn Cao",
        "Gia đình bà Lan ở phố Ngọc Hà",
    ] {
        families.push(citizen_family(app, &mut web, name).await);
    }
    ctx.parity.invitation_accept = invitation(app, families[0], BRANCH_OFFICER).await;
    ctx.parity.invitation_decline = invitation(app, families[1], BRANCH_OFFICER).await;
    ctx.parity.membership_leave = invitation(app, families[2], BRANCH_OFFICER).await;
    let mut branch = app.login(BRANCH_OFFICER).await;
    let path = format!(
        "/learning/invitations/{}/accept",
        ctx.parity.membership_leave
    );
    let r = app.post_form(&mut branch, &path, &[]).await;
    assert_eq!(r.status.as_u16(), 303, "setup POST {path}: {}", r.body);
    // A workbook of its own previewed through the API, to confirm.
    let template = get_bytes(app, &web, "/units/00004-1/batch/template.xlsx").await;
    let parts = [
        field("year", &year(0)),
        file(
            "file",
            "api.xlsx",
            XLSX,
            workbook(&header_of(&template), "Ninh Thị Api"),
        ),
    ];
    let r = send_multipart(
        app,
        &mut c,
        "POST",
        "/api/v1/units/00004-1/evaluations/import",
        &parts,
    )
    .await;
    assert_eq!(
        r.status.as_u16(),
        200,
        "setup API preview: {}",
        short(&r.body)
    );
    let preview: serde_json::Value = serde_json::from_str(&r.body).expect("a preview");
    ctx.parity.import_id = preview["import_id"]
        .as_str()
        .expect("an import id")
        .to_owned();
}
