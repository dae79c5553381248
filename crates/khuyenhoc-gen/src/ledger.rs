//! Funds and their books: a general fund for every province and every commune with branches,
//! a scholarship fund for some communes, and funds for about one branch in eight; donors; about
//! a million entries at scale 1 from January 2024 to June 2026. Each entry is built by
//! `khuyenhoc_ledger::Entry::receipt` / `payment` (so it balances per fund), payments never
//! overdraw the asset they come from, and voucher numbers run from 1 per fund, year and kind in
//! date order, with `voucher_counters` left at the last number.

use super::bulk::{Batch, Sink, V};
use super::names::{company_name, short_name};
use super::transfers::{plan, Fund, Level};
use super::{at, date, day_between, ymd, Ctx, Summary, AS_OF};
use chrono::{Datelike, NaiveDate};
use khuyenhoc::db::Db;
use khuyenhoc_ledger::{Account, Dong, Entry, FundId, VoucherNumber};
use rand::distributions::{Distribution, WeightedIndex};
use rand::rngs::StdRng;
use rand::Rng;
use sqlx::Row;
use std::collections::{BTreeMap, BTreeSet};

/// Entry categories, in the order of the weights below.
const CATEGORIES: [Account; 8] = [
    Account::Donation,
    Account::MembershipFee,
    Account::PiggyBank,
    Account::OtherIncome,
    Account::Scholarship,
    Account::Award,
    Account::TeacherSupport,
    Account::OtherExpense,
];

fn category_weights(level: Level) -> [u32; 8] {
    match level {
        Level::Province => [50, 0, 0, 5, 20, 20, 5, 2],
        Level::Commune => [34, 20, 8, 3, 14, 14, 3, 4],
        Level::Scholarship => [55, 0, 0, 2, 43, 0, 0, 0],
        Level::Branch => [30, 28, 12, 2, 10, 15, 0, 3],
    }
}

/// Amounts (đồng) of a receipt at each level: from, to.
fn span(level: Level) -> (f64, f64) {
    match level {
        Level::Province => (5e6, 3e8),
        Level::Commune | Level::Scholarship => (5e5, 3e7),
        Level::Branch => (2e5, 5e6),
    }
}

/// An amount spread log-uniformly over the level's range, in tens of thousands of đồng.
fn amount(rng: &mut StdRng, level: Level, factor: f64) -> i64 {
    let (lo, hi) = span(level);
    let v = (rng.gen_range(lo.ln()..hi.ln())).exp() * factor;
    ((v / 10_000.0).round() as i64).max(1) * 10_000
}

fn school_year(d: NaiveDate) -> String {
    let y = d.year();
    if d.month() >= 9 {
        format!("{y}-{}", y + 1)
    } else {
        format!("{}-{y}", y - 1)
    }
}

fn description(category: Account, d: NaiveDate, donor: Option<&str>) -> String {
    let sy = school_year(d);
    match category {
        Account::Donation => match donor {
            Some(name) => format!("Ủng hộ quỹ khuyến học: {name}"),
            None => "Ủng hộ quỹ khuyến học".to_owned(),
        },
        Account::MembershipFee => format!("Thu hội phí năm {}", d.year()),
        Account::PiggyBank => format!("Nộp tiền heo đất khuyến học năm học {sy}"),
        Account::OtherIncome => "Lãi tiền gửi ngân hàng".to_owned(),
        Account::Scholarship => {
            format!("Chi học bổng cho học sinh có hoàn cảnh khó khăn năm học {sy}")
        }
        Account::Award => format!("Khen thưởng học sinh giỏi năm học {sy}"),
        Account::TeacherSupport => "Hỗ trợ giáo viên có hoàn cảnh khó khăn".to_owned(),
        _ => "Chi văn phòng phẩm, in giấy khen".to_owned(),
    }
}

struct Books {
    sink: Sink,
    donors: Batch,
    entries: Batch,
    lines: Batch,
    /// The halves of transfers (entries with `pair_id`).
    pairs: Batch,
    /// (fund, year, PT/PC) → last number.
    vouchers: BTreeMap<(i64, i32, &'static str), u32>,
}

impl Books {
    fn new(sink: Sink) -> Books {
        Books {
            sink,
            donors: Batch::new("donors", &["id", "unit_id", "kind", "name", "created_at"]),
            entries: Batch::new(
                "ledger_entries",
                &[
                    "id",
                    "fund_id",
                    "kind",
                    "occurred_on",
                    "description",
                    "donor_id",
                    "voucher_no",
                    "in_kind_note",
                    "created_at",
                ],
            ),
            lines: Batch::new(
                "ledger_lines",
                &["id", "entry_id", "fund_id", "account", "amount"],
            ),
            pairs: Batch::new(
                "ledger_entries",
                &[
                    "id",
                    "fund_id",
                    "kind",
                    "occurred_on",
                    "description",
                    "voucher_no",
                    "pair_id",
                    "created_at",
                ],
            ),
            vouchers: BTreeMap::new(),
        }
    }
}

pub async fn funds(db: &Db, cx: &mut Ctx, s: &mut Summary) -> anyhow::Result<u64> {
    let mut sink = Sink::new(db, cx.quiet).await?;
    let funds = open_funds(db, cx, &mut sink).await?;
    s.add("funds", funds.len() as u64);
    let mut rng = cx.rng("ledger", 0);
    let weights: Vec<f64> = funds
        .iter()
        .map(|f| {
            let base = match f.level {
                Level::Province => 40.0,
                Level::Commune => 10.0,
                Level::Scholarship => 4.0,
                Level::Branch => 1.5,
            };
            base * rng.gen_range(0.5..1.5)
        })
        .collect();
    let counts = super::allocate(cx.plan.ledger_entries, &weights, &mut rng);
    let mut books = Books::new(sink);
    let mut cash = Vec::with_capacity(funds.len());
    for (i, f) in funds.iter().enumerate() {
        let n = counts.get(i).copied().unwrap_or(0);
        cash.push(fund_books(&mut books, cx, f, i, n).await?);
    }
    for p in [&mut books.donors, &mut books.entries, &mut books.lines] {
        books.sink.flush(p).await?;
    }
    let moved = write_transfers(&mut books, cx, &funds, &mut cash).await?;
    s.add("transfers", moved);
    let mut counters = Batch::new("voucher_counters", &["fund_id", "year", "kind", "last_no"]);
    let Books {
        mut sink,
        mut donors,
        mut entries,
        mut lines,
        mut pairs,
        vouchers,
    } = books;
    for p in [&mut donors, &mut entries, &mut pairs, &mut lines] {
        sink.flush(p).await?;
    }
    for ((fund, year, kind), last) in vouchers {
        sink.add(
            &mut counters,
            [
                V::I(fund),
                V::I(i64::from(year)),
                V::S(kind),
                V::I(i64::from(last)),
            ],
        )
        .await?;
    }
    sink.finish(&mut [&mut counters]).await?;
    s.add("donors", donors.written);
    s.add("ledger_entries", entries.written + pairs.written);
    s.add("ledger_lines", lines.written);
    s.add("voucher_counters", counters.written);
    Ok(funds.len() as u64
        + donors.written
        + entries.written
        + pairs.written
        + lines.written
        + counters.written)
}

/// The funds: every province and commune with generated branches, a scholarship fund in one
/// commune in ten, one branch in eight. Codes already used at a unit are left alone.
async fn open_funds(db: &Db, cx: &mut Ctx, sink: &mut Sink) -> anyhow::Result<Vec<Fund>> {
    let taken: BTreeSet<(i64, String)> = sqlx::query("SELECT unit_id, code FROM funds")
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let mut rng = cx.rng("funds", 0);
    let mut wanted: Vec<(i64, &'static str, String, &'static str, Level)> = vec![];
    let mut provinces = BTreeSet::new();
    for c in cx.communes.iter().filter(|c| !c.branches.is_empty()) {
        provinces.insert(c.province);
    }
    for p in provinces {
        let pr = &cx.provinces[p];
        let name = format!("Quỹ Khuyến học {}", pr.name);
        wanted.push((pr.id, "QKH", name, "general", Level::Province));
    }
    for c in cx.communes.iter().filter(|c| !c.branches.is_empty()) {
        let name = format!("Quỹ khuyến học {}", c.name);
        wanted.push((c.id, "QKH", name, "general", Level::Commune));
        if rng.gen_bool(0.1) {
            let name = format!("Quỹ học bổng {}", short_name(&c.name));
            wanted.push((c.id, "HB", name, "scholarship", Level::Scholarship));
        }
        for b in c.branches.clone() {
            if rng.gen_bool(0.125) {
                let br = &cx.branches[b];
                let name = format!("Quỹ khuyến học {}", br.name.trim_start_matches("Chi hội "));
                wanted.push((br.id, "QKH", name, "general", Level::Branch));
            }
        }
    }
    let mut batch = Batch::with_fixed(
        "funds",
        &["id", "unit_id", "code", "name", "kind", "public"],
        &[("created_at", "1751328000")],
    );
    let mut out = vec![];
    for (unit_id, code, name, kind, level) in wanted {
        if taken.contains(&(unit_id, code.to_owned())) {
            continue;
        }
        let id = cx.id("funds");
        let public = i64::from(level == Level::Province || rng.gen_bool(0.3));
        sink.add(
            &mut batch,
            [
                V::I(id),
                V::I(unit_id),
                V::S(code),
                V::T(name),
                V::S(kind),
                V::I(public),
            ],
        )
        .await?;
        out.push(Fund { id, unit_id, level });
    }
    sink.flush(&mut batch).await?;
    Ok(out)
}

/// What one entry moves.
struct Movement {
    category: Account,
    asset: Account,
    amount: i64,
    in_kind_note: Option<&'static str>,
}

/// Picks the movement of an entry: payments come from an asset that holds enough; when none
/// does, the entry becomes a donation.
fn movement(rng: &mut StdRng, level: Level, dist: &WeightedIndex<u32>, bal: &[i64; 3]) -> Movement {
    let category = CATEGORIES[dist.sample(rng)];
    let receipt = category.kind() == khuyenhoc_ledger::AccountKind::Income;
    if receipt {
        let factor = match category {
            Account::MembershipFee | Account::PiggyBank => 0.3,
            Account::OtherIncome => 0.05,
            _ => 1.0,
        };
        let roll = rng.gen_range(0..100);
        let (asset, note) = match (category, roll) {
            (Account::Donation, 0..=4) => (
                Account::InKind,
                Some("Sách vở, đồ dùng học tập; định giá theo hóa đơn mua"),
            ),
            (Account::OtherIncome, _) | (_, 60..=99) => (Account::Bank, None),
            _ => (Account::Cash, None),
        };
        return Movement {
            category,
            asset,
            amount: amount(rng, level, factor),
            in_kind_note: note,
        };
    }
    let want = amount(rng, level, 0.6);
    let [cash, bank, in_kind] = *bal;
    let pick = if category == Account::Award && in_kind >= want && rng.gen_bool(0.3) {
        Some((
            Account::InKind,
            want,
            Some("Phần thưởng bằng hiện vật (sách, vở)"),
        ))
    } else if cash >= want && rng.gen_bool(0.7) {
        Some((Account::Cash, want, None))
    } else if bank >= want {
        Some((Account::Bank, want, None))
    } else if cash >= want {
        Some((Account::Cash, want, None))
    } else if cash.max(bank) >= 100_000 {
        let asset = if cash >= bank {
            Account::Cash
        } else {
            Account::Bank
        };
        Some((asset, cash.max(bank) / 10_000 * 10_000, None))
    } else {
        None
    };
    match pick {
        Some((asset, amount, in_kind_note)) => Movement {
            category,
            asset,
            amount,
            in_kind_note,
        },
        None => Movement {
            category: Account::Donation,
            asset: Account::Cash,
            amount: amount(rng, level, 1.0),
            in_kind_note: None,
        },
    }
}

fn asset_index(a: Account) -> usize {
    match a {
        Account::Cash => 0,
        Account::Bank => 1,
        _ => 2,
    }
}

/// A donor for a donation: someone who gave before, a new person or company, or nobody named.
async fn donor(
    books: &mut Books,
    cx: &mut Ctx,
    rng: &mut StdRng,
    f: &Fund,
    pool: &mut Vec<(i64, String)>,
    on: NaiveDate,
) -> anyhow::Result<Option<(i64, String)>> {
    if rng.gen_bool(0.35) {
        return Ok(None);
    }
    if !pool.is_empty() && rng.gen_bool(0.5) {
        return Ok(Some(pool[rng.gen_range(0..pool.len())].clone()));
    }
    let (kind, name) = match rng.gen_range(0..100) {
        0..=69 => {
            let n = cx.names.draw(rng.gen_bool(0.5), rng);
            let title = if n.female { "Bà" } else { "Ông" };
            ("person", format!("{title} {}", cx.names.full(&n)))
        }
        70..=94 => ("organisation", company_name(rng)),
        _ => ("anonymous", "Nhà hảo tâm giấu tên".to_owned()),
    };
    let id = cx.id("donors");
    books
        .sink
        .add(
            &mut books.donors,
            [
                V::I(id),
                V::I(f.unit_id),
                V::S(kind),
                V::T(name.clone()),
                V::I(at(on, 9 * 3600)),
            ],
        )
        .await?;
    pool.push((id, name.clone()));
    Ok(Some((id, name)))
}

/// The next voucher number of an entry that takes one: gap-free per fund, year and kind.
fn next_voucher(
    books: &mut Books,
    fund: i64,
    on: NaiveDate,
    entry: &Entry,
) -> anyhow::Result<Option<String>> {
    let Some(kind) = entry.voucher_kind() else {
        return Ok(None);
    };
    let seq = books
        .vouchers
        .entry((fund, on.year(), kind.prefix()))
        .or_insert(0);
    *seq += 1;
    let year = u16::try_from(on.year())?;
    Ok(Some(
        VoucherNumber::new(kind, year, *seq)
            .map_err(|e| anyhow::anyhow!("voucher: {e}"))?
            .to_string(),
    ))
}

/// The entries of one fund, in date order.
async fn fund_books(
    books: &mut Books,
    cx: &mut Ctx,
    f: &Fund,
    index: usize,
    n: u64,
) -> anyhow::Result<i64> {
    let mut rng = cx.rng("ledger", index as u64 + 1);
    let dist = WeightedIndex::new(category_weights(f.level))?;
    let mut days: Vec<NaiveDate> = (0..n)
        .map(|_| day_between(&mut rng, date((2024, 1, 1)), date(AS_OF)))
        .collect();
    days.sort_unstable();
    let mut balances = [0i64; 3];
    let mut pool = vec![];
    for on in days {
        let m = movement(&mut rng, f.level, &dist, &balances);
        let fund = FundId(f.id);
        let entry = if m.category.kind() == khuyenhoc_ledger::AccountKind::Income {
            Entry::receipt(fund, m.asset, Dong::new(m.amount), m.category)
        } else {
            Entry::payment(fund, m.asset, Dong::new(m.amount), m.category)
        }
        .map_err(|e| anyhow::anyhow!("generated entry: {e}"))?;
        let donor = if m.category == Account::Donation {
            donor(books, cx, &mut rng, f, &mut pool, on).await?
        } else {
            None
        };
        let voucher = next_voucher(books, f.id, on, &entry)?;
        let entry_id = cx.id("ledger_entries");
        let row = [
            V::I(entry_id),
            V::I(f.id),
            V::S(m.category.code()),
            V::T(ymd(on)),
            V::T(description(
                m.category,
                on,
                donor.as_ref().map(|d| d.1.as_str()),
            )),
            V::opt_i(donor.map(|d| d.0)),
            V::opt_t(voucher),
            V::opt_t(m.in_kind_note.map(str::to_owned)),
            V::I(at(on, rng.gen_range(8 * 3600..17 * 3600))),
        ];
        books
            .sink
            .add_after(&mut books.entries, &mut [&mut books.donors], row)
            .await?;
        for line in entry.lines() {
            if line.account.is_asset() {
                balances[asset_index(line.account)] += line.amount.get();
            }
            let line_id = cx.id("ledger_lines");
            let row = [
                V::I(line_id),
                V::I(entry_id),
                V::I(line.fund.0),
                V::S(line.account.code()),
                V::I(line.amount.get()),
            ];
            books
                .sink
                .add_after(
                    &mut books.lines,
                    &mut [&mut books.donors, &mut books.entries],
                    row,
                )
                .await?;
        }
    }
    Ok(balances[0])
}

/// The transfers of [`plan`], both halves of each linked by `pair_id` as
/// `funds::service::transfer` posts them, numbered like every other voucher. Returns how many.
async fn write_transfers(
    books: &mut Books,
    cx: &mut Ctx,
    funds: &[Fund],
    cash: &mut [i64],
) -> anyhow::Result<u64> {
    let planned = plan(cx, funds, cash);
    let mut rng = cx.rng("transfers", 1);
    for t in &planned {
        let (from, to) = (funds[t.from].id, funds[t.to].id);
        let halves = Entry::transfer(FundId(from), FundId(to), Account::Cash, Dong::new(t.amount))
            .map_err(|e| anyhow::anyhow!("generated transfer: {e}"))?;
        let mut pair = None;
        for (fund, entry, kind) in [
            (from, &halves.out, "transfer_out"),
            (to, &halves.into, "transfer_in"),
        ] {
            let voucher = next_voucher(books, fund, t.on, entry)?;
            let entry_id = cx.id("ledger_entries");
            let row = [
                V::I(entry_id),
                V::I(fund),
                V::S(kind),
                V::T(ymd(t.on)),
                V::S("Chuyển quỹ hỗ trợ khuyến học"),
                V::opt_t(voucher),
                V::opt_i(pair),
                V::I(at(t.on, rng.gen_range(8 * 3600..17 * 3600))),
            ];
            books.sink.add(&mut books.pairs, row).await?;
            pair = Some(entry_id);
            for line in entry.lines() {
                let row = [
                    V::I(cx.id("ledger_lines")),
                    V::I(entry_id),
                    V::I(line.fund.0),
                    V::S(line.account.code()),
                    V::I(line.amount.get()),
                ];
                books
                    .sink
                    .add_after(&mut books.lines, &mut [&mut books.pairs], row)
                    .await?;
            }
        }
    }
    Ok(planned.len() as u64)
}
