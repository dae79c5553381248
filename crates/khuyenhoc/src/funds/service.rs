//! Fund operations shared by pages and API: opening funds, recording receipts (donations,
//! membership fees, piggy-bank collections), payments, transfers between funds, reversals, and
//! the receipts-and-payments report of one fund or of a whole subtree.

use super::ledger::{post, stored_entry, Posting};
use super::model::{self, Fund};
use crate::audit::{self, Actor, Change};
use crate::auth::{perm, Viewer};
use crate::db::{is_unique_violation, now, Db};
use crate::error::{AppError, FieldError};
use crate::state::AppState;
use khuyenhoc_domain::Invalid;
use khuyenhoc_ledger::{
    Account, AccountKind, Date, Dong, Entry, FundId, Period, ReceiptsPayments, ReportLine,
};
use serde::Deserialize;
use sqlx::Row;
use std::collections::BTreeSet;

fn invalid(field: &'static str, e: Invalid) -> AppError {
    AppError::field(field, e)
}

/// The fund, if the viewer may read it (any position covering its unit).
pub async fn visible(db: &Db, v: &Viewer, id: i64) -> Result<Fund, AppError> {
    v.read(model::by_id(db, id).await?)
}

/// The fund and the position whose `right` the viewer uses on it.
pub async fn with_right(
    db: &Db,
    v: &Viewer,
    id: i64,
    right: &str,
) -> Result<(Fund, Actor), AppError> {
    v.act(model::by_id(db, id).await?, right)
}

pub async fn create_fund(
    db: &Db,
    v: &Viewer,
    unit_code: &str,
    code: &str,
    name: &str,
    kind: &str,
) -> Result<Fund, AppError> {
    let (unit, actor) =
        crate::org::service::with_right(db, v, unit_code, perm::FUND_MANAGE).await?;
    let code = code.trim().to_uppercase();
    if code.is_empty()
        || code.len() > 20
        || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(invalid(
            "code",
            Invalid::new(
                "Mã quỹ gồm chữ, số, gạch ngang (tối đa 20)",
                "A fund code has letters, digits and dashes (at most 20)",
            ),
        ));
    }
    let name = crate::org::service::parse_name(name)?;
    if !matches!(kind, "general" | "scholarship" | "named") {
        return Err(invalid(
            "kind",
            Invalid::new("Loại quỹ không hợp lệ", "Invalid fund kind"),
        ));
    }
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar("INSERT INTO funds (unit_id, code, name, kind, public, created_at) VALUES ($1, $2, $3, $4, 0, $5) RETURNING id")
        .bind(unit.id)
        .bind(&code)
        .bind(&name)
        .bind(kind)
        .bind(now())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if is_unique_violation(&e, "funds_unit_code") {
                AppError::Conflict(FieldError::new("code", Invalid::new("Đơn vị đã có quỹ mang mã này", "The unit already has a fund with this code")))
            } else {
                e.into()
            }
        })?;
    let after = serde_json::json!({"code": code, "name": name, "kind": kind});
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(unit.id),
            entity: "fund",
            entity_id: id.to_string(),
            action: "create",
            before: None,
            after: Some(after),
        },
    )
    .await?;
    tx.commit().await?;
    model::by_id(db, id).await?.ok_or(AppError::NotFound)
}

/// Switches the public transparency page of a fund on or off.
pub async fn set_public(db: &Db, v: &Viewer, id: i64, public: bool) -> Result<(), AppError> {
    let (f, actor) = with_right(db, v, id, perm::FUND_MANAGE).await?;
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE funds SET public = $1 WHERE id = $2")
        .bind(i64::from(public))
        .bind(f.id)
        .execute(&mut *tx)
        .await?;
    let change = Change {
        unit_id: Some(f.unit_id),
        entity: "fund",
        entity_id: f.id.to_string(),
        action: "set_public",
        before: Some(serde_json::json!({"public": f.public})),
        after: Some(serde_json::json!({"public": public})),
    };
    audit::record(&mut tx, actor, change).await?;
    tx.commit().await?;
    Ok(())
}

/// What a form or an API call sends to record money coming in or going out. Amounts are text so
/// that "1.000.000 đ" is accepted and bad input is answered field by field.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Movement {
    /// donation, membership_fee, piggy_bank, other_income (in); scholarship, award,
    /// teacher_support, other_expense (out)
    pub category: String,
    /// cash, bank or in_kind
    #[serde(default = "default_asset")]
    pub asset: String,
    pub amount: serde_json::Value,
    /// YYYY-MM-DD or DD/MM/YYYY; today when empty
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub description: String,
    /// The donor (receipts) or the recipient (payments): a name, or empty for anonymous.
    #[serde(default)]
    pub party: Option<String>,
    #[serde(default)]
    pub party_kind: Option<String>,
    #[serde(default)]
    pub in_kind_note: Option<String>,
    /// A pledge of this fund that this receipt fulfils (in part or whole).
    #[serde(default)]
    pub pledge_id: Option<i64>,
}

fn default_asset() -> String {
    "cash".into()
}

/// An amount typed as text or sent as a JSON number: whole đồng, positive.
pub fn parse_amount(v: &serde_json::Value) -> Result<Dong, AppError> {
    let bad = || {
        invalid(
            "amount",
            Invalid::new(
                "Số tiền phải là số đồng nguyên dương, ví dụ 1.500.000",
                "The amount must be whole đồng above zero, e.g. 1500000",
            ),
        )
    };
    let d = match v {
        serde_json::Value::String(s) => Dong::parse(s).map_err(|e| invalid("amount", e))?,
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) if i > 0 => Dong::parse(&i.to_string()).map_err(|e| invalid("amount", e))?,
            _ => return Err(bad()),
        },
        _ => return Err(bad()),
    };
    if d.get() <= 0 {
        return Err(bad());
    }
    Ok(d)
}

fn parse_date(s: Option<&str>) -> Result<Date, AppError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Date::parse(s).map_err(|e| invalid("date", e)),
        None => Date::parse(&crate::db::today()).map_err(|e| invalid("date", e)),
    }
}

async fn donor(
    tx: &mut crate::db::Tx<'_>,
    unit_id: i64,
    kind: Option<&str>,
    name: Option<&str>,
) -> Result<Option<i64>, AppError> {
    let name = name
        .map(khuyenhoc_domain::text::clean)
        .filter(|n| !n.is_empty());
    let kind = match (kind.map(str::trim), &name) {
        (_, None) => "anonymous",
        (Some("organisation"), _) => "organisation",
        _ => "person",
    };
    let name = name.unwrap_or_else(|| "Ẩn danh".into());
    if name.chars().count() > 200 {
        return Err(invalid(
            "party",
            Invalid::new("Tên tối đa 200 ký tự", "A name has at most 200 characters"),
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO donors (unit_id, kind, name, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(unit_id)
    .bind(kind)
    .bind(&name)
    .bind(now())
    .fetch_one(&mut **tx)
    .await?;
    Ok(Some(id))
}

/// An entry already posted by this person with this idempotency key.
async fn posted_before(
    db: &Db,
    person_id: i64,
    key: Option<&str>,
) -> Result<Option<i64>, AppError> {
    let Some(key) = key else { return Ok(None) };
    Ok(sqlx::query_scalar(
        "SELECT id FROM ledger_entries WHERE person_id = $1 AND idempotency_key = $2",
    )
    .bind(person_id)
    .bind(key)
    .fetch_optional(&db.pool)
    .await?)
}

fn check_key(key: Option<&str>) -> Result<Option<String>, AppError> {
    match key.map(str::trim) {
        None | Some("") => Ok(None),
        Some(k) if k.len() <= 200 && k.chars().all(|c| c.is_ascii_graphic()) => {
            Ok(Some(k.to_owned()))
        }
        Some(_) => Err(invalid(
            "idempotency_key",
            Invalid::new(
                "Khoá chống gửi trùng không hợp lệ",
                "Invalid idempotency key",
            ),
        )),
    }
}

/// The pledge (and its donor) a receipt fulfils: it must belong to the same fund, and only
/// income fulfils a pledge.
async fn pledge_of(
    db: &Db,
    fund_id: i64,
    pledge_id: Option<i64>,
    category: Account,
) -> Result<Option<(i64, i64)>, AppError> {
    let Some(pid) = pledge_id else {
        return Ok(None);
    };
    let row = sqlx::query("SELECT donor_id FROM pledges WHERE id = $1 AND fund_id = $2")
        .bind(pid)
        .bind(fund_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| {
            invalid(
                "pledge_id",
                Invalid::new(
                    "Quỹ này không có cam kết này",
                    "This fund has no such pledge",
                ),
            )
        })?;
    if category.kind() != AccountKind::Income {
        return Err(invalid(
            "pledge_id",
            Invalid::new(
                "Chỉ khoản thu mới thực hiện cam kết",
                "Only income fulfils a pledge",
            ),
        ));
    }
    Ok(Some((pid, row.try_get::<i64, _>(0)?)))
}

/// Records money coming in (receipt) or going out (payment). With an idempotency key, a retried
/// request returns the entry it posted the first time instead of posting again.
pub async fn record(
    state: &AppState,
    v: &Viewer,
    fund_id: i64,
    m: &Movement,
    key: Option<&str>,
) -> Result<(i64, bool), AppError> {
    let db = &state.db;
    let (f, actor) = with_right(db, v, fund_id, perm::FUND_POST).await?;
    let key = check_key(key)?;
    if let Some(id) = posted_before(db, v.person_id, key.as_deref()).await? {
        return Ok((id, false));
    }
    let category = Account::parse(&m.category).map_err(|e| invalid("category", e))?;
    let asset = Account::parse(&m.asset).map_err(|e| invalid("asset", e))?;
    if !asset.is_asset() {
        return Err(invalid("asset", khuyenhoc_ledger::errors::NOT_ASSET));
    }
    let amount = parse_amount(&m.amount)?;
    let date = parse_date(m.date.as_deref())?;
    let fund = FundId(f.id);
    let entry = match category.kind() {
        AccountKind::Income => Entry::receipt(fund, asset, amount, category),
        AccountKind::Expense => Entry::payment(fund, asset, amount, category),
        AccountKind::Asset => Err(Invalid::new(
            "Hãy chọn một khoản thu hoặc chi",
            "Choose an income or expense category",
        )),
    }
    .map_err(|e| invalid("category", e))?;
    if asset == Account::InKind
        && m.in_kind_note
            .as_deref()
            .map(str::trim)
            .unwrap_or("")
            .is_empty()
    {
        return Err(invalid(
            "in_kind_note",
            Invalid::new(
                "Hiện vật cần ghi rõ là gì và định giá thế nào",
                "A gift in kind needs a note of what it is and how it was valued",
            ),
        ));
    }
    let description = khuyenhoc_domain::text::clean(&m.description);
    if description.chars().count() > 500 {
        return Err(invalid(
            "description",
            Invalid::new(
                "Nội dung tối đa 500 ký tự",
                "A description has at most 500 characters",
            ),
        ));
    }
    let pledge = pledge_of(db, f.id, m.pledge_id, category).await?;
    let mut tx = db.begin().await?;
    let donor_id = match pledge {
        Some((_, donor_id)) => Some(donor_id),
        None => {
            donor(
                &mut tx,
                f.unit_id,
                m.party_kind.as_deref(),
                m.party.as_deref(),
            )
            .await?
        }
    };
    let posting = Posting {
        fund_id: f.id,
        entry,
        kind: category.code().to_owned(),
        occurred_on: date,
        description: if description.is_empty() {
            category.label_vi().to_owned()
        } else {
            description
        },
        donor_id,
        pledge_id: pledge.map(|p| p.0),
        programme_id: None,
        in_kind_note: m
            .in_kind_note
            .as_deref()
            .map(khuyenhoc_domain::text::clean)
            .filter(|s| !s.is_empty()),
        reverses_id: None,
        pair_id: None,
        idempotency_key: key.clone(),
    };
    match post(&mut tx, actor, f.unit_id, &posting).await {
        Ok(id) => {
            tx.commit().await?;
            Ok((id, true))
        }
        Err(AppError::Conflict(_)) => {
            // The same key raced in from a retry: answer with what the first one posted.
            drop(tx);
            let id = posted_before(db, v.person_id, key.as_deref())
                .await?
                .ok_or(AppError::NotFound)?;
            Ok((id, false))
        }
        Err(e) => Err(e),
    }
}

#[allow(clippy::too_many_arguments)] // each argument is one field of the transfer form
/// Moves money from one fund to another: a payment voucher in the sending fund and a receipt in
/// the receiving one, linked. The receiving fund may be any fund (a commune sends to its
/// province); the sender needs `fund.post` on its own fund.
pub async fn transfer(
    state: &AppState,
    v: &Viewer,
    from_id: i64,
    to_id: i64,
    asset: &str,
    amount: &serde_json::Value,
    date: Option<&str>,
    description: &str,
) -> Result<(i64, i64), AppError> {
    let db = &state.db;
    let (from, actor) = with_right(db, v, from_id, perm::FUND_POST).await?;
    let to = model::by_id(db, to_id).await?.ok_or_else(|| {
        invalid(
            "to_fund",
            Invalid::new("Không có quỹ nhận này", "No such receiving fund"),
        )
    })?;
    let asset = Account::parse(asset).map_err(|e| invalid("asset", e))?;
    if !asset.is_asset() {
        return Err(invalid("asset", khuyenhoc_ledger::errors::NOT_ASSET));
    }
    let amount = parse_amount(amount)?;
    let date = parse_date(date)?;
    let t = Entry::transfer(FundId(from.id), FundId(to.id), asset, amount)
        .map_err(|e| invalid("to_fund", e))?;
    let description = khuyenhoc_domain::text::clean(description);
    let description = if description.is_empty() {
        format!("Chuyển từ {} sang {}", from.name, to.name)
    } else {
        description
    };
    let mut tx = db.begin().await?;
    let base = |fund_id: i64, entry: Entry, kind: &str, pair_id: Option<i64>| Posting {
        fund_id,
        entry,
        kind: kind.to_owned(),
        occurred_on: date,
        description: description.clone(),
        donor_id: None,
        pledge_id: None,
        programme_id: None,
        in_kind_note: None,
        reverses_id: None,
        pair_id,
        idempotency_key: None,
    };
    let out_id = post(
        &mut tx,
        actor,
        from.unit_id,
        &base(from.id, t.out, "transfer_out", None),
    )
    .await?;
    let in_id = post(
        &mut tx,
        actor,
        to.unit_id,
        &base(to.id, t.into, "transfer_in", Some(out_id)),
    )
    .await?;
    tx.commit().await?;
    Ok((out_id, in_id))
}

/// Corrects a mistake: posts an entry that negates every line of the original (and of its
/// transfer pair), linked to it. The original stays as it was.
pub async fn reverse(
    state: &AppState,
    v: &Viewer,
    entry_id: i64,
    reason: &str,
) -> Result<i64, AppError> {
    let db = &state.db;
    let row = sqlx::query("SELECT fund_id, kind, pair_id FROM ledger_entries WHERE id = $1")
        .bind(entry_id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(AppError::NotFound)?;
    let (fund_id, kind, pair_id): (i64, String, Option<i64>) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    let (f, actor) = with_right(db, v, fund_id, perm::FUND_POST).await?;
    if kind == "reversal" {
        return Err(AppError::bad_request(
            "Không đảo một bút toán đảo; hãy ghi bút toán mới",
            "A reversal is not reversed; post a new entry",
        ));
    }
    let reversed: Option<i64> =
        sqlx::query_scalar("SELECT id FROM ledger_entries WHERE reverses_id = $1")
            .bind(entry_id)
            .fetch_optional(&db.pool)
            .await?;
    if reversed.is_some() {
        return Err(AppError::bad_request(
            "Bút toán này đã được đảo rồi",
            "This entry has already been reversed",
        ));
    }
    let reason = khuyenhoc_domain::text::clean(reason);
    if reason.chars().count() < 3 {
        return Err(invalid(
            "reason",
            Invalid::new(
                "Cần ghi lý do đảo bút toán",
                "Give the reason for the reversal",
            ),
        ));
    }
    // The other half of a transfer is reversed with it.
    let other: Option<i64> = match kind.as_str() {
        "transfer_in" => pair_id,
        "transfer_out" => {
            sqlx::query_scalar("SELECT id FROM ledger_entries WHERE pair_id = $1")
                .bind(entry_id)
                .fetch_optional(&db.pool)
                .await?
        }
        _ => None,
    };
    let today = parse_date(None)?;
    let mut tx = db.begin().await?;
    let mut first = None;
    let mut halves = vec![entry_id];
    halves.extend(other);
    halves.sort_unstable();
    for id in halves {
        let original = stored_entry(&mut tx, id).await?;
        let fund: i64 = sqlx::query_scalar("SELECT fund_id FROM ledger_entries WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        let unit_id: i64 = sqlx::query_scalar("SELECT unit_id FROM funds WHERE id = $1")
            .bind(fund)
            .fetch_one(&mut *tx)
            .await?;
        // A reversed fulfilment no longer counts toward its pledge.
        let pledge_id: Option<i64> =
            sqlx::query_scalar("SELECT pledge_id FROM ledger_entries WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
        let posting = Posting {
            fund_id: fund,
            entry: original.reversal(),
            kind: "reversal".into(),
            occurred_on: today,
            description: format!("Đảo bút toán số {id}: {reason}"),
            donor_id: None,
            pledge_id,
            programme_id: None,
            in_kind_note: None,
            reverses_id: Some(id),
            pair_id: first,
            idempotency_key: None,
        };
        let new_id = post(&mut tx, actor, unit_id, &posting).await?;
        first = first.or(Some(new_id));
    }
    tx.commit().await?;
    let _ = f;
    first.ok_or(AppError::NotFound)
}

/// The funds of a unit's subtree as a set.
pub async fn subtree_funds(db: &Db, path: &str) -> Result<Vec<Fund>, AppError> {
    Ok(model::in_subtree(db, path).await?)
}

/// Receipts and payments of a set of funds over a period: transfers between funds of the set
/// are internal and left out.
pub async fn report(db: &Db, funds: &[i64], period: Period) -> Result<ReceiptsPayments, AppError> {
    let set: BTreeSet<FundId> = funds.iter().map(|f| FundId(*f)).collect();
    let mut lines = vec![];
    if !funds.is_empty() {
        let list = funds
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT l.fund_id, l.account, l.amount, e.occurred_on, \
             CASE WHEN l.account = 'transfer_in' THEN (SELECT p.fund_id FROM ledger_entries p WHERE p.id = e.pair_id) \
                  WHEN l.account = 'transfer_out' THEN (SELECT p.fund_id FROM ledger_entries p WHERE p.pair_id = e.id) END \
             FROM ledger_lines l JOIN ledger_entries e ON e.id = l.entry_id WHERE l.fund_id IN ({list}) AND e.occurred_on <= $1"
        );
        for r in sqlx::query(&sql)
            .bind(period.to().to_string())
            .fetch_all(&db.pool)
            .await?
        {
            let account = Account::parse(&r.try_get::<String, _>(1)?)
                .map_err(|e| anyhow::anyhow!("stored account: {e}"))?;
            let on = Date::parse(&r.try_get::<String, _>(3)?)
                .map_err(|e| anyhow::anyhow!("stored date: {e}"))?;
            let counterpart: Option<i64> = r.try_get(4)?;
            lines.push(ReportLine {
                fund: FundId(r.try_get(0)?),
                account,
                amount: Dong::new(r.try_get(2)?),
                on,
                transfer_counterpart_fund: counterpart.map(FundId),
            });
        }
    }
    khuyenhoc_ledger::receipts_and_payments(&set, period, lines.iter()).map_err(|e| {
        AppError::Unprocessable {
            vi: e.vi.into(),
            en: e.en.into(),
        }
    })
}

pub fn parse_period(from: Option<&str>, to: Option<&str>) -> Result<Period, AppError> {
    let year = chrono::Datelike::year(&chrono::Utc::now());
    let from = match from.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Date::parse(s).map_err(|e| invalid("from", e))?,
        None => Date::parse(&format!("{year}-01-01")).map_err(|e| invalid("from", e))?,
    };
    let to = match to.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Date::parse(s).map_err(|e| invalid("to", e))?,
        None => Date::parse(&format!("{year}-12-31")).map_err(|e| invalid("to", e))?,
    };
    Period::new(from, to).map_err(|e| invalid("to", e))
}

/// A donor's promise to give, and how much of it has arrived.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Pledge {
    pub id: i64,
    pub donor: String,
    pub amount: i64,
    pub due_on: Option<String>,
    pub note: Option<String>,
    /// The money received against it (reversed receipts excluded).
    pub fulfilled: i64,
    pub remaining: i64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPledge {
    #[serde(default)]
    pub party: Option<String>,
    #[serde(default)]
    pub party_kind: Option<String>,
    pub amount: serde_json::Value,
    #[serde(default)]
    pub due_on: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Records a pledge (cam kết ủng hộ). No money moves until a receipt fulfils it.
pub async fn pledge(db: &Db, v: &Viewer, fund_id: i64, n: &NewPledge) -> Result<i64, AppError> {
    let (f, actor) = with_right(db, v, fund_id, perm::FUND_POST).await?;
    let amount = parse_amount(&n.amount)?;
    let due = match n.due_on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => Some(
            Date::parse(d)
                .map_err(|e| invalid("due_on", e))?
                .to_string(),
        ),
        None => None,
    };
    let note = n
        .note
        .as_deref()
        .map(khuyenhoc_domain::text::clean)
        .filter(|s| !s.is_empty());
    if note.as_ref().is_some_and(|s| s.chars().count() > 500) {
        return Err(invalid(
            "note",
            Invalid::new(
                "Ghi chú tối đa 500 ký tự",
                "A note has at most 500 characters",
            ),
        ));
    }
    let mut tx = db.begin().await?;
    let donor_id = donor(
        &mut tx,
        f.unit_id,
        n.party_kind.as_deref(),
        n.party.as_deref(),
    )
    .await?;
    let id: i64 = sqlx::query_scalar("INSERT INTO pledges (fund_id, donor_id, amount, due_on, note, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
        .bind(f.id)
        .bind(donor_id)
        .bind(amount.get())
        .bind(&due)
        .bind(&note)
        .bind(now())
        .fetch_one(&mut *tx)
        .await?;
    let after = serde_json::json!({"fund": f.id, "amount": amount.get(), "due_on": due});
    audit::record(
        &mut tx,
        actor,
        Change {
            unit_id: Some(f.unit_id),
            entity: "pledge",
            entity_id: id.to_string(),
            action: "create",
            before: None,
            after: Some(after),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// A fund's pledges with what has been received against each.
pub async fn pledges(db: &Db, fund_id: i64) -> Result<Vec<Pledge>, AppError> {
    let rows = sqlx::query(
        "SELECT p.id, d.name, p.amount, p.due_on, p.note, \
         CAST(COALESCE((SELECT SUM(l.amount) FROM ledger_entries e JOIN ledger_lines l ON l.entry_id = e.id \
           WHERE e.pledge_id = p.id AND l.fund_id = p.fund_id AND l.account IN ('cash', 'bank', 'in_kind')), 0) AS BIGINT) \
         FROM pledges p JOIN donors d ON d.id = p.donor_id WHERE p.fund_id = $1 ORDER BY p.id",
    )
    .bind(fund_id)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            let amount: i64 = r.try_get(2)?;
            let fulfilled: i64 = r.try_get(5)?;
            Ok(Pledge {
                id: r.try_get(0)?,
                donor: r.try_get(1)?,
                amount,
                due_on: r.try_get(3)?,
                note: r.try_get(4)?,
                fulfilled,
                remaining: (amount - fulfilled).max(0),
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}
