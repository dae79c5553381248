//! Rows of the access matrix for correcting, moving and merging people (issue 15, item 2;
//! included by `tests/access.rs`). Targets are people of branch 00004-1 made in set-up; the
//! in-scope officer is the Ba Đình chair, who holds `person.manage` over both branches of Ba Đình.

use super::*;

/// Objects made for the people rows before the matrix runs.
#[derive(Default)]
pub struct CtxPeople {
    /// People of 00004-1 to correct (page, API), to move to 00004-2 (page, API).
    correct_page: i64,
    correct_api: i64,
    move_page: i64,
    move_api: i64,
    /// Pairs of records to merge (page, API), and a pair to compare.
    merge_page: (i64, i64),
    merge_api: (i64, i64),
    /// The Ba Đình chair, whose waiting email changes are confirmed.
    chair: i64,
}

/// The code of the Ba Đình chair's own waiting email changes (set up with a known hash).
const CODE: &str = "246810";

/// The people rows.
#[allow(clippy::too_many_lines)]
pub fn rows() -> Vec<Row> {
    use Access::*;
    let both = &["00004-1", "00004-2"];
    vec![
        row(
            "PATCH /api/v1/people/{id}",
            SignedIn,
            act(perm::PERSON_MANAGE, &["00004-1"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/people/{}", c.people.correct_api),
                    serde_json::json!({"birth_year": 1991, "gender": "female"}),
                )
            },
            OK.has("\"birth_year\":1991"),
        ),
        row(
            "POST /api/v1/people/{id}/contact/confirm",
            SignedIn,
            Need::Owner,
            R::Commune,
            // Everybody tries the Ba Đình chair's code; only the chair may use it.
            |c, _| {
                json(
                    format!("/api/v1/people/{}/contact/confirm", c.people_chair()),
                    serde_json::json!({"code": CODE}),
                )
            },
            OK.has("@example.vn"),
        ),
        row(
            "POST /api/v1/people/{id}/move",
            Officer,
            act(perm::PERSON_MANAGE, both),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/people/{}/move", c.people.move_api),
                    serde_json::json!({"unit_code": "00004-2", "reason": "Chuyển nhà"}),
                )
            },
            OK.has("\"unit_code\":\"00004-2\""),
        )
        // The branch officer reaches the person but not 00004-2: the destination is not found.
        .partial(code(404)),
        row(
            "POST /api/v1/people/{id}/merge",
            Officer,
            act(perm::PERSON_MANAGE, &["00004-1"]),
            R::Commune,
            |c, _| {
                json(
                    format!("/api/v1/people/{}/merge", c.people.merge_api.0),
                    serde_json::json!({"other": c.people.merge_api.1, "reason": "Đăng ký hai lần"}),
                )
            },
            OK.has("\"removed_id\""),
        ),
        row(
            "POST /account/profile",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| form("/account/profile", &[("birth_year", "1966")]),
            OK.has("Đã lưu thông tin"),
        ),
        row(
            "POST /account/contact/confirm",
            SignedIn,
            Need::Own,
            R::Commune,
            |_, _| form("/account/contact/confirm", &[("code", CODE)]),
            OK.has("Đã xác nhận"),
        ),
        row(
            "POST /people/{id}/correct",
            Officer,
            act(perm::PERSON_MANAGE, &["00004-1"]),
            R::Commune,
            |c, _| {
                form(
                    format!("/people/{}/correct", c.people.correct_page),
                    &[("birth_year", "1992")],
                )
            },
            OK.has("Đã lưu"),
        ),
        row(
            "POST /people/{id}/move",
            Officer,
            act(perm::PERSON_MANAGE, both),
            R::Commune,
            |c, _| {
                form(
                    format!("/people/{}/move", c.people.move_page),
                    &[("unit_code", "00004-2"), ("reason", "Chuyển nhà")],
                )
            },
            see("/people/*"),
        )
        .partial(code(404)),
        row(
            "GET /people/{id}/merge",
            Officer,
            act(perm::PERSON_MANAGE, &["00004-1"]),
            R::Commune,
            |c, _| {
                get(format!(
                    "/people/{}/merge?other={}",
                    c.people.merge_page.0, c.people.merge_page.1
                ))
            },
            OK.has("Gộp hai hồ sơ"),
        ),
        row(
            "POST /people/{id}/merge",
            Officer,
            act(perm::PERSON_MANAGE, &["00004-1"]),
            R::Commune,
            |c, _| {
                form(
                    format!("/people/{}/merge", c.people.merge_page.0),
                    &[
                        ("other", c.people.merge_page.1.to_string().as_str()),
                        ("reason", "Đăng ký hai lần"),
                    ],
                )
            },
            see("/people/*"),
        ),
    ]
}

impl Ctx {
    /// The Ba Đình chair's person id (the owner of the waiting email changes).
    fn people_chair(&self) -> i64 {
        self.people.chair
    }
}

/// The people the rows act on, and two waiting email changes of the Ba Đình chair (one for the
/// page, one for the API), both with the code [`CODE`].
pub async fn setup(app: &TestApp, ctx: &mut Ctx) {
    let mut c = app.api_client(BADINH).await;
    ctx.people.correct_page =
        register_person(app, &mut c, "00004-1", "Âu Thị Sửa", "0912100001").await;
    ctx.people.correct_api =
        register_person(app, &mut c, "00004-1", "Âu Văn Sửa", "0912100002").await;
    ctx.people.move_page =
        register_person(app, &mut c, "00004-1", "Bế Thị Chuyển", "0912100003").await;
    ctx.people.move_api =
        register_person(app, &mut c, "00004-1", "Bế Văn Chuyển", "0912100004").await;
    ctx.people.merge_page = (
        register_person(app, &mut c, "00004-1", "Cù Thị Gộp", "0912100005").await,
        register_person(app, &mut c, "00004-1", "Cù Thị Gộp", "0912100006").await,
    );
    ctx.people.merge_api = (
        register_person(app, &mut c, "00004-1", "Cù Văn Gộp", "0912100007").await,
        register_person(app, &mut c, "00004-1", "Cù Văn Gộp", "0912100008").await,
    );
    let chair = app.person_id(BADINH).await;
    ctx.people.chair = chair;
    for (i, email) in ["chair.page@example.vn", "chair.api@example.vn"]
        .iter()
        .enumerate()
    {
        sqlx::query("INSERT INTO contact_changes (person_id, field, new_value, code_hash, created_at, expires_at) VALUES ($1, 'email', $2, $3, $4, $5)")
            .bind(chair)
            .bind(*email)
            .bind(khuyenhoc::auth::secret_hash(CODE))
            .bind(khuyenhoc::db::now() + i64::try_from(i).expect("small"))
            .bind(khuyenhoc::db::now() + 86_400)
            .execute(&app.db.pool)
            .await
            .expect("a waiting email change");
    }
}
