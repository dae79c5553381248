//! Recording money coming in (receipts: donations, membership fees, piggy-bank collections) or
//! going out (payments), once per idempotency key.

use super::input::{invalid, limited, parse_amount, parse_date};
use super::open::with_right;
use super::pledges::{donor, pledge_of};
use crate::auth::{perm, Viewer};
use crate::error::AppError;
use crate::funds::idempotency;
use crate::funds::ledger::{post, Posting};
use crate::state::AppState;
use khuyenhoc_domain::{limits, Invalid};
use khuyenhoc_ledger::{Account, AccountKind, Date, Entry, FundId};
use serde::{Deserialize, Serialize};

/// What a form or an API call sends to record money coming in or going out. Amounts are text so
/// that "1.000.000 đ" is accepted and bad input is answered field by field.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
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

/// A movement checked against its fund: the entry to post and what is written with it.
struct Checked {
    category: Account,
    entry: Entry,
    date: Date,
    /// The description as typed (cleaned); the category's name is written when it is empty.
    description: String,
    in_kind_note: Option<String>,
}

/// Checks a movement field by field (category, asset, amount, date, the note a gift in kind
/// needs, description) and builds the balanced entry of `fund`.
fn check(fund: FundId, m: &Movement) -> Result<Checked, AppError> {
    let category = Account::parse(&m.category).map_err(|e| invalid("category", e))?;
    let asset = Account::parse(&m.asset).map_err(|e| invalid("asset", e))?;
    if !asset.is_asset() {
        return Err(invalid("asset", khuyenhoc_ledger::errors::NOT_ASSET));
    }
    let amount = parse_amount(&m.amount)?;
    let date = parse_date(m.date.as_deref())?;
    let entry = match category.kind() {
        AccountKind::Income => Entry::receipt(fund, asset, amount, category),
        AccountKind::Expense => Entry::payment(fund, asset, amount, category),
        AccountKind::Asset => Err(Invalid::new(
            "Hãy chọn một khoản thu hoặc chi",
            "Choose an income or expense category",
        )),
    }
    .map_err(|e| invalid("category", e))?;
    let in_kind_note = limited(
        "in_kind_note",
        m.in_kind_note.as_deref(),
        &limits::DESCRIPTION,
    )?;
    if asset == Account::InKind && in_kind_note.is_none() {
        return Err(invalid(
            "in_kind_note",
            Invalid::new(
                "Hiện vật cần ghi rõ là gì và định giá thế nào",
                "A gift in kind needs a note of what it is and how it was valued",
            ),
        ));
    }
    let description =
        limited("description", Some(&m.description), &limits::DESCRIPTION)?.unwrap_or_default();
    Ok(Checked {
        category,
        entry,
        date,
        description,
        in_kind_note,
    })
}

/// Records money coming in (receipt) or going out (payment). With an idempotency key, a retried
/// request returns the entry it posted the first time instead of posting again (see
/// `funds::idempotency`). Returns the entry and whether it was posted now.
pub async fn record(
    state: &AppState,
    v: &Viewer,
    fund_id: i64,
    m: &Movement,
    key: Option<&str>,
) -> Result<(i64, bool), AppError> {
    let db = &state.db;
    let (f, actor) = with_right(db, v, fund_id, perm::FUND_POST).await?;
    let claim = idempotency::claim(v.person_id, key, "POST /api/v1/funds/{id}/entries", f.id, m)?;
    if let Some(id) = idempotency::replay(db, claim.as_ref()).await? {
        return Ok((id, false));
    }
    let Checked {
        category,
        entry,
        date,
        description,
        in_kind_note,
    } = check(FundId(f.id), m)?;
    let pledge = pledge_of(db, f.id, m.pledge_id, category).await?;
    let mut tx = db.begin().await?;
    let donor_id = match pledge {
        Some((_, donor_id)) => Some(donor_id),
        None => {
            let kind = m.party_kind.as_deref();
            donor(&mut tx, f.unit_id, kind, m.party.as_deref()).await?
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
        in_kind_note,
        reverses_id: None,
        pair_id: None,
        idempotency_key: claim.as_ref().map(|c| c.key().to_owned()),
    };
    let id = post(&mut tx, actor, f.unit_id, &posting).await?;
    idempotency::commit(db, claim.as_ref(), tx, id).await
}
