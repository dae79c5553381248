//! Demo data on the real map, and the first central administrator of a real deployment.

use crate::accounts::service::{insert as insert_person, NewPerson};
use crate::audit::{self, Actor, Change};
use crate::db::{now, Db};
use crate::org::model::{self, NewUnit};
use anyhow::Context;
use sqlx::Row;

pub const DEMO_PASSWORD: &str = "hoctapsuotdoi";

/// One demo login: phone, name, what they hold.
#[derive(Debug, Clone)]
pub struct Login {
    pub phone: &'static str,
    pub name: &'static str,
    pub role_vi: &'static str,
    pub role_en: &'static str,
}

/// (phone, name, unit code of the home unit, position type at that unit or none, roles).
type DemoPerson = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
);
const PEOPLE: &[DemoPerson] = &[
    (
        "0900000001",
        "Nguyễn Văn Quang",
        "VN",
        Some("chair"),
        "Chủ tịch Trung ương Hội",
        "Chair, central office",
    ),
    (
        "0900000002",
        "Trần Thị Hà",
        "01",
        Some("chair"),
        "Chủ tịch Hội Khuyến học Thành phố Hà Nội",
        "Chair, Hà Nội",
    ),
    (
        "0900000003",
        "Lê Văn Đình",
        "00004",
        Some("chair"),
        "Chủ tịch Hội Khuyến học Phường Ba Đình (Hà Nội)",
        "Chair, Ba Đình ward",
    ),
    (
        "0900000004",
        "Phạm Thị Hoa",
        "00004-1",
        Some("officer"),
        "Cán bộ Chi hội Tổ dân phố số 1, Phường Ba Đình",
        "Officer, residential group 1 branch",
    ),
    (
        "0900000005",
        "Hoàng Văn Bình",
        "04795",
        Some("chair"),
        "Chủ tịch Hội Khuyến học Phường Hòa Bình (Phú Thọ)",
        "Chair, Hòa Bình ward (Phú Thọ)",
    ),
    (
        "0900000006",
        "Đỗ Thị Lan",
        "00004-1",
        None,
        "Công dân, Chi hội Tổ dân phố số 1",
        "Citizen, residential group 1 branch",
    ),
    (
        "0900000007",
        "Vũ Minh Tuấn",
        "00004",
        Some("treasurer"),
        "Thủ quỹ Hội Khuyến học Phường Ba Đình",
        "Treasurer, Ba Đình ward",
    ),
];

const BRANCHES: &[(&str, &str, &str)] = &[
    ("00004", "Chi hội Tổ dân phố số 1", "village"),
    ("00004", "Chi hội Trường Tiểu học Ba Đình", "school"),
    ("04795", "Chi hội Tổ dân phố Đồng Tiến", "village"),
];

async fn unit_id_path(db: &Db, code: &str) -> anyhow::Result<(i64, String)> {
    let u = model::by_code(db, code)
        .await?
        .with_context(|| format!("unit {code} is missing: import the 2025 units first"))?;
    Ok((u.id, u.path))
}

async fn add_branches(db: &Db) -> anyhow::Result<()> {
    for (parent, name, kind) in BRANCHES {
        let (pid, ppath) = unit_id_path(db, parent).await?;
        let mut tx = db.begin().await?;
        let seq: i64 = sqlx::query_scalar(
            "UPDATE units SET branch_seq = branch_seq + 1 WHERE id = $1 RETURNING branch_seq",
        )
        .bind(pid)
        .fetch_one(&mut *tx)
        .await?;
        let code = format!("{parent}-{seq}");
        let id = model::insert(
            &mut tx,
            &NewUnit {
                code: &code,
                level: khuyenhoc_domain::Level::Branch,
                kind,
                name,
                parent: Some((&ppath, pid)),
                valid_from: "2025-07-01",
            },
        )
        .await?;
        let after = serde_json::json!({"code": code, "name": name, "kind": kind});
        audit::record(
            &mut tx,
            Actor::SYSTEM,
            Change {
                unit_id: Some(id),
                entity: "unit",
                entity_id: code.clone(),
                action: "open",
                before: None,
                after: Some(after),
            },
        )
        .await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Gives `person` a new position of `type_code` at the unit.
pub async fn appoint(db: &Db, unit_id: i64, type_code: &str, person: i64) -> anyhow::Result<i64> {
    let mut tx = db.begin().await?;
    let type_id: i64 = sqlx::query_scalar("SELECT id FROM position_types WHERE code = $1")
        .bind(type_code)
        .fetch_one(&mut *tx)
        .await?;
    let t = now();
    let pos: i64 = sqlx::query_scalar(
        "INSERT INTO positions (unit_id, type_id, created_at) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(unit_id)
    .bind(type_id)
    .bind(t)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO position_holdings (position_id, person_id, from_at) VALUES ($1, $2, $3)",
    )
    .bind(pos)
    .bind(person)
    .bind(t)
    .execute(&mut *tx)
    .await?;
    let after = serde_json::json!({"type": type_code, "holder": person});
    audit::record(
        &mut tx,
        Actor::SYSTEM,
        Change {
            unit_id: Some(unit_id),
            entity: "position",
            entity_id: pos.to_string(),
            action: "appoint",
            before: None,
            after: Some(after),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(pos)
}

/// Creates the demo data once (later runs find it and change nothing) and returns the logins.
pub async fn load(db: &Db) -> anyhow::Result<Vec<Login>> {
    let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM people WHERE phone = $1")
        .bind(PEOPLE[0].0)
        .fetch_optional(&db.pool)
        .await?;
    if exists.is_none() {
        add_branches(db).await?;
        for (phone, name, unit, position, _, _) in PEOPLE {
            let (uid, _) = unit_id_path(db, unit).await?;
            let input = NewPerson {
                full_name: (*name).into(),
                phone: Some((*phone).into()),
                password: Some(DEMO_PASSWORD.into()),
                birth_year: Some("1975".into()),
                ..Default::default()
            };
            let p = insert_person(db, Actor::SYSTEM, uid, &input)
                .await
                .map_err(|e| anyhow::anyhow!("demo person {phone}: {e:?}"))?;
            if let Some(t) = position {
                appoint(db, uid, t, p.id).await?;
            }
        }
        demo_cluster(db).await?;
    }
    Ok(PEOPLE
        .iter()
        .map(|(phone, name, _, _, vi, en)| Login {
            phone,
            name,
            role_vi: vi,
            role_en: en,
        })
        .collect())
}

/// For `khuyenhoc demo` only (tests start from [`load`] alone): Ba Đình's population this year
/// and three members of branch 00004-1, so the report and the dashboard start with real
/// figures. Does nothing when the members are there already.
pub async fn showcase(db: &Db) -> anyhow::Result<()> {
    let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM members")
        .fetch_one(&db.pool)
        .await?;
    if done > 0 {
        return Ok(());
    }
    let year = chrono::Datelike::year(&chrono::Utc::now());
    let (commune, _) = unit_id_path(db, "00004").await?;
    let branch = model::by_code(db, "00004-1")
        .await?
        .ok_or_else(|| anyhow::anyhow!("demo branch 00004-1"))?;
    let mut tx = db.begin().await?;
    sqlx::query("INSERT INTO unit_populations (unit_id, year, population, updated_at) VALUES ($1, $2, 24180, $3)")
        .bind(commune)
        .bind(i64::from(year))
        .bind(now())
        .execute(&mut *tx)
        .await?;
    for (i, phone) in ["0900000004", "0900000006", "0900000007"]
        .iter()
        .enumerate()
    {
        let person: i64 = sqlx::query_scalar("SELECT id FROM people WHERE phone = $1")
            .bind(*phone)
            .fetch_one(&mut *tx)
            .await?;
        let card = format!("BD-{:03}", i + 1);
        let sectors = if i == 0 { "party" } else { "" };
        crate::members::service::insert_member(
            &mut tx,
            Actor::SYSTEM,
            person,
            &branch,
            Some(&card),
            "2025-09-01",
            sectors,
            "demo",
        )
        .await
        .map_err(|e| anyhow::anyhow!("demo member {phone}: {e:?}"))?;
    }
    tx.commit().await?;
    Ok(())
}

async fn demo_cluster(db: &Db) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar("INSERT INTO clusters (code, name, created_at) VALUES ('DEMO-1', 'Cụm thi đua minh hoạ số 1 (dữ liệu mẫu)', $1) RETURNING id").bind(now()).fetch_one(&mut *tx).await?;
    for code in ["01", "25", "31"] {
        let unit: i64 = sqlx::query_scalar("SELECT id FROM units WHERE path = $1")
            .bind(format!("/VN/{code}/"))
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO cluster_memberships (cluster_id, unit_id, valid_from) VALUES ($1, $2, '2025-07-01')").bind(id).bind(unit).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

pub fn describe(logins: &[Login]) -> String {
    let mut s = format!(
        "Tài khoản mẫu (mật khẩu: {DEMO_PASSWORD}) / demo logins (password: {DEMO_PASSWORD}):\n"
    );
    for l in logins {
        s += &format!(
            "  {}  {} — {} / {}\n",
            l.phone, l.name, l.role_vi, l.role_en
        );
    }
    s
}

/// Creates a person at the central office holding a new chair position there.
pub async fn create_admin(
    db: &Db,
    name: &str,
    phone: Option<String>,
    email: Option<String>,
    password: &str,
) -> anyhow::Result<i64> {
    anyhow::ensure!(
        phone.is_some() || email.is_some(),
        "give --phone or --email to log in with"
    );
    let central = sqlx::query("SELECT id FROM units WHERE path = '/VN/'")
        .fetch_one(&db.pool)
        .await?;
    let uid: i64 = central.try_get(0)?;
    let input = NewPerson {
        full_name: name.into(),
        phone,
        email,
        password: Some(password.into()),
        ..Default::default()
    };
    let p = insert_person(db, Actor::SYSTEM, uid, &input)
        .await
        .map_err(|e| match e {
            crate::error::AppError::Invalid(f) => anyhow::anyhow!(
                "{}",
                f.iter()
                    .map(|x| format!("{}: {}", x.field, x.message_vi))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            crate::error::AppError::Conflict(f) => anyhow::anyhow!("{}: {}", f.field, f.message_vi),
            e => anyhow::anyhow!("{e}"),
        })?;
    appoint(db, uid, "chair", p.id).await?;
    Ok(p.id)
}
