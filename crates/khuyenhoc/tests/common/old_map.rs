//! Old units (the map before 1 July 2025) built by hand, in the shape the old-map import gives
//! them (`/VN/98~2025/`, communes under it, valid until 2025-07-01, each succeeded by today's
//! commune), and workbooks of figures from before the program.

use super::TestApp;

/// An old province `code` (path `/VN/{code}~2025/`) with old communes `(code, name)`, each
/// succeeded whole by today's commune `successor`; answers the old communes' ids.
pub async fn old_communes(
    app: &TestApp,
    province: &str,
    communes: &[(&str, &str)],
    successor: &str,
) -> Vec<i64> {
    let central: i64 = sqlx::query_scalar("SELECT id FROM units WHERE code = 'VN'")
        .fetch_one(&app.db.pool)
        .await
        .expect("the centre");
    let succ: i64 = sqlx::query_scalar("SELECT id FROM units WHERE code = $1")
        .bind(successor)
        .fetch_one(&app.db.pool)
        .await
        .expect("the successor");
    let mut tx = app.db.begin().await.expect("tx");
    let insert = "INSERT INTO units (code, level, kind, name, name_folded, parent_id, path, valid_from, valid_to, created_at) \
                  VALUES ($1, $2, $3, $4, $5, $6, $7, '2008-08-01', '2025-07-01', 0) RETURNING id";
    let ppath = format!("/VN/{province}~2025/");
    let pid: i64 = sqlx::query_scalar(insert)
        .bind(province)
        .bind("province")
        .bind("tinh")
        .bind("Tỉnh cũ")
        .bind("tinh cu")
        .bind(central)
        .bind(&ppath)
        .fetch_one(&mut *tx)
        .await
        .expect("old province");
    let mut ids = vec![];
    for (code, name) in communes {
        let id: i64 = sqlx::query_scalar(insert)
            .bind(*code)
            .bind("commune")
            .bind("xa")
            .bind(*name)
            .bind(khuyenhoc_domain::text::fold(name))
            .bind(pid)
            .bind(format!("{ppath}{code}/"))
            .fetch_one(&mut *tx)
            .await
            .expect("old commune");
        khuyenhoc::org::model::record_succession(&mut tx, id, succ, None, "2025-07-01")
            .await
            .expect("succession");
        ids.push(id);
    }
    tx.commit().await.expect("commit");
    ids
}

/// A workbook of old figures: the template's headers `heads` (Vietnamese) after "Mã đơn vị",
/// "Tên đơn vị", "Kỳ", and one row per `(code, period, values)`; a value of `None` is blank.
pub fn old_figures_xlsx(heads: &[&str], rows: &[(&str, &str, Vec<Option<i64>>)]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Số liệu cũ").expect("name");
    for (c, h) in ["Mã đơn vị", "Tên đơn vị", "Kỳ"]
        .iter()
        .chain(heads)
        .enumerate()
    {
        ws.write_string(0, u16::try_from(c).expect("col"), *h)
            .expect("head");
    }
    for (r, (code, period, values)) in rows.iter().enumerate() {
        let r = u32::try_from(r + 1).expect("row");
        ws.write_string(r, 0, *code).expect("code");
        ws.write_string(r, 2, *period).expect("period");
        for (c, v) in values.iter().enumerate() {
            if let Some(v) = v {
                #[allow(clippy::cast_precision_loss)]
                ws.write_number(r, u16::try_from(c + 3).expect("col"), *v as f64)
                    .expect("value");
            }
        }
    }
    wb.save_to_buffer().expect("workbook")
}

/// Figures of `period` at a unit (an old commune), through the counters' write path.
pub async fn record_counter(app: &TestApp, unit: i64, period: &str, metric: &str, value: i64) {
    let mut tx = app.db.begin().await.expect("tx");
    khuyenhoc::reports::counters::add(&mut tx, unit, period, &[(metric.to_owned(), value)])
        .await
        .expect("counters");
    tx.commit().await.expect("commit");
}

/// The 2024 roll-up of `unit` (a code or `CODE@YEAR`) on the structure of `as_of`.
pub async fn rollup_2024(
    app: &TestApp,
    c: &mut super::Client,
    unit: &str,
    as_of: &str,
) -> serde_json::Value {
    super::call(
        app,
        c,
        "GET",
        &format!("/api/v1/units/{unit}/reports/2024-Y/rollup?as_of={as_of}"),
        serde_json::Value::Null,
        axum::http::StatusCode::OK,
    )
    .await
}

/// The position of an indicator among the heads of a roll-up or a cluster table.
#[track_caller]
pub fn head_of(t: &serde_json::Value, key: &str) -> usize {
    t["heads"]
        .as_array()
        .expect("heads")
        .iter()
        .position(|h| h["key"] == key)
        .unwrap_or_else(|| panic!("no head {key}"))
}

/// Appoints a new person (phone `phone`, the demo password) chair of today's province `code`.
pub async fn appoint_chair(app: &TestApp, code: &str, phone: &str, full_name: &str) {
    let unit = khuyenhoc::org::model::by_code(&app.db, code)
        .await
        .expect("q")
        .expect("the province");
    let p = khuyenhoc::accounts::service::insert(
        &app.db,
        khuyenhoc::audit::Actor::SYSTEM,
        unit.id,
        &khuyenhoc::accounts::service::NewPerson {
            full_name: full_name.into(),
            phone: Some(phone.into()),
            password: Some(super::PASSWORD.into()),
            birth_year: Some("1970".into()),
            ..Default::default()
        },
    )
    .await
    .expect("person");
    khuyenhoc::demo::appoint(&app.db, unit.id, "chair", p.id)
        .await
        .expect("appoint");
}
