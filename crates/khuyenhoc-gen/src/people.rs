//! People (with Vietnamese names, birth years by the kind of their branch, some with a unique
//! mobile number), members (about a quarter of the people, with card numbers unique in the
//! commune, join dates, statuses and sector tags) and the population of each commune by year.

use super::bulk::{Batch, Sink, V};
use super::{at, date, day_between, ymd, Ctx, Person, Summary, AS_OF, EPOCH_DATE, KINDS, YEARS};
use khuyenhoc::db::Db;
use rand::rngs::StdRng;
use rand::Rng;
use sqlx::Row;
use std::collections::{BTreeSet, HashSet};

/// Mobile prefixes of the Vietnamese networks (0900… is left to the demo logins).
const PREFIXES: [&str; 24] = [
    "032", "033", "034", "035", "036", "037", "038", "039", "070", "076", "077", "078", "079",
    "081", "082", "083", "084", "085", "086", "088", "091", "094", "096", "097",
];

/// The k-th generated phone number: a bijection of k (prefix, then seven digits scrambled by
/// an odd multiplier prime to 10), so numbers never repeat and do not look sequential.
pub fn phone(k: u64, salt: u64) -> String {
    let n = PREFIXES.len() as u64;
    let prefix = PREFIXES[(k % n) as usize];
    let r = k / n;
    let digits = (r.wrapping_mul(3_141_593).wrapping_add(salt)) % 10_000_000;
    format!("{prefix}{digits:07}")
}

/// The relative number of people of a branch kind.
fn people_weight(kind: u8) -> f64 {
    match KINDS.get(usize::from(kind)).copied() {
        Some("village") => 1.0,
        Some("school") => 0.6,
        Some("agency") => 0.3,
        Some("enterprise") => 0.45,
        _ => 0.35,
    }
}

/// An age for a person of a branch kind.
fn age(kind: &str, rng: &mut StdRng) -> u16 {
    let range = match kind {
        "school" if rng.gen_bool(0.7) => 10..=18,
        "school" | "agency" => 23..=60,
        "enterprise" => 19..=55,
        "armed_forces" => 19..=45,
        _ => match rng.gen_range(0..100) {
            0..=14 => 10..=18,
            15..=22 => 19..=22,
            23..=77 => 23..=60,
            _ => 61..=88,
        },
    };
    rng.gen_range(range)
}

/// The citizen form group of a person (a code of the citizen set).
fn form_group(kind: &str, ward: bool, age: u16, rng: &mut StdRng) -> &'static str {
    if age <= 18 || (age <= 22 && (kind == "school" || rng.gen_bool(0.6))) {
        return "student";
    }
    match kind {
        "school" | "agency" | "armed_forces" => "official",
        "enterprise" => "worker",
        _ => {
            let roll = rng.gen_range(0..100);
            match (ward, roll) {
                (true, 0..=54) | (false, 0..=24) => "worker",
                (true, 55..=84) | (false, 25..=34) => "official",
                _ => "farmer",
            }
        }
    }
}

pub async fn people(db: &Db, cx: &mut Ctx, s: &mut Summary) -> anyhow::Result<u64> {
    let mut rng = cx.rng("people", 0);
    let weights: Vec<f64> = cx
        .branches
        .iter()
        .map(|b| people_weight(b.kind) * rng.gen_range(0.6..1.4))
        .collect();
    let counts = super::allocate(cx.plan.people, &weights, &mut rng);
    let salt = rng.gen_range(0..10_000_000u64);
    let groups = cx.set("citizen", 2025)?.form_groups.clone();
    let fg_index = |code: &str| groups.iter().position(|g| g == code).unwrap_or(0) as u8;
    let mut sink = Sink::new(db, cx.quiet).await?;
    let mut batch = Batch::with_fixed(
        "people",
        &[
            "id",
            "full_name",
            "name_folded",
            "birth_year",
            "gender",
            "phone",
            "unit_id",
        ],
        &[("created_at", "1751328000")],
    );
    debug_assert_eq!(at(date(EPOCH_DATE), 0), 1_751_328_000);
    let (mut phones, mut next_phone) = (0u64, 0u64);
    cx.people.reserve(cx.plan.people as usize);
    for b in 0..cx.branches.len() {
        let mut rng = cx.rng("people", b as u64 + 1);
        let kind = KINDS[usize::from(cx.branches[b].kind)];
        let ward = cx.commune_of(b).is_some_and(|c| c.kind == "phuong");
        let branch_id = cx.branches[b].id;
        let first = cx.people.len();
        for _ in 0..counts.get(b).copied().unwrap_or(0) {
            let female = rng.gen_bool(if kind == "armed_forces" { 0.15 } else { 0.51 });
            let age = age(kind, &mut rng);
            let fg = form_group(kind, ward, age, &mut rng);
            let name = cx.names.draw(female, &mut rng);
            let with_phone = age >= 16 && rng.gen_bool(if age >= 18 { 0.45 } else { 0.15 });
            let phone = if with_phone {
                next_phone += 1;
                Some(phone(next_phone - 1, salt)).filter(|p| !cx.taken_phones.contains(p))
            } else {
                None
            };
            phones += u64::from(phone.is_some());
            let id = cx.id("people");
            if cx.people.is_empty() {
                cx.first_person_id = id;
            }
            sink.add(
                &mut batch,
                [
                    V::I(id),
                    V::T(cx.names.full(&name)),
                    V::T(cx.names.folded(&name)),
                    V::I(2025 - i64::from(age)),
                    V::S(if female { "female" } else { "male" }),
                    V::opt_t(phone),
                    V::I(branch_id),
                ],
            )
            .await?;
            cx.people.push(Person {
                branch: b as u32,
                birth_year: 2025 - age,
                form_group: fg_index(fg),
                name,
            });
        }
        cx.branches[b].people = first..cx.people.len();
    }
    sink.finish(&mut [&mut batch]).await?;
    let n = batch.written;
    s.add("people", n);
    s.add("people.with_phone", phones);
    Ok(n)
}

/// Card numbers already used in each commune (by commune id), so generated ones avoid them.
async fn used_cards(db: &Db) -> anyhow::Result<HashSet<(i64, String)>> {
    let rows = sqlx::query(
        "SELECT b.parent_id, m.card_no FROM members m JOIN units b ON b.id = m.branch_id WHERE m.card_no IS NOT NULL",
    )
    .fetch_all(&db.pool)
    .await?;
    let mut out = HashSet::new();
    for r in rows {
        let commune: Option<i64> = r.try_get(0)?;
        out.insert((commune.unwrap_or(0), r.try_get(1)?));
    }
    Ok(out)
}

/// Members and populations.
pub async fn members(db: &Db, cx: &mut Ctx, s: &mut Summary) -> anyhow::Result<u64> {
    let used = used_cards(db).await?;
    let mut sink = Sink::new(db, cx.quiet).await?;
    let mut batch = Batch::new(
        "members",
        &[
            "id",
            "person_id",
            "branch_id",
            "card_no",
            "joined_on",
            "status",
            "status_on",
            "sectors",
            "created_at",
            "updated_at",
        ],
    );
    let official = cx
        .set("citizen", 2025)?
        .form_groups
        .iter()
        .position(|g| g == "official");
    for ci in 0..cx.communes.len() {
        let mut card = 0u64;
        let commune_id = cx.communes[ci].id;
        for b in cx.communes[ci].branches.clone() {
            let mut rng = cx.rng("members", b as u64);
            let kind = KINDS[usize::from(cx.branches[b].kind)];
            for p in cx.branches[b].people.clone() {
                let person = cx.people[p];
                let age = 2025 - i64::from(person.birth_year);
                let share = match (age >= 18, kind) {
                    (false, _) => 0.08,
                    (true, "village") => 0.28,
                    (true, _) => 0.35,
                };
                if !rng.gen_bool(share) {
                    continue;
                }
                let card_no = loop {
                    card += 1;
                    let c = format!("HV-{card:06}");
                    if !used.contains(&(commune_id, c.clone())) {
                        break c;
                    }
                };
                let is_official = official == Some(usize::from(person.form_group));
                let m = member(&mut rng, age, kind, is_official);
                let id = cx.id("members");
                let person_id = cx.person_id(p);
                let branch_id = cx.branches[b].id;
                sink.add(
                    &mut batch,
                    [
                        V::I(id),
                        V::I(person_id),
                        V::I(branch_id),
                        V::T(card_no),
                        V::T(ymd(m.joined)),
                        V::S(m.status),
                        V::opt_t(m.status_on.map(ymd)),
                        V::T(m.sectors),
                        V::I(at(m.joined, 8 * 3600)),
                        V::I(at(m.status_on.unwrap_or(m.joined), 8 * 3600)),
                    ],
                )
                .await?;
            }
        }
    }
    sink.flush(&mut batch).await?;
    let members = batch.written;
    let pops = populations(db, cx, &mut sink).await?;
    sink.finish(&mut [&mut batch]).await?;
    s.add("members", members);
    s.add("unit_populations", pops);
    Ok(members + pops)
}

struct NewMember {
    joined: chrono::NaiveDate,
    status: &'static str,
    status_on: Option<chrono::NaiveDate>,
    sectors: String,
}

fn member(rng: &mut StdRng, age: i64, kind: &str, official: bool) -> NewMember {
    let end = date(AS_OF);
    let from = if age < 18 || rng.gen_bool(0.5) {
        date((2022, 1, 1))
    } else {
        date((2012, 1, 1))
    };
    let joined = day_between(rng, from, end);
    let roll: f64 = rng.gen();
    let (status, status_on) = if roll < if age >= 65 { 0.03 } else { 0.003 } {
        ("deceased", Some(day_between(rng, joined, end)))
    } else if roll > 0.96 {
        ("left", Some(day_between(rng, joined, end)))
    } else {
        ("active", None)
    };
    let mut sectors: Vec<&str> = vec![];
    match kind {
        "enterprise" => sectors.push("enterprise"),
        "armed_forces" => sectors.push("armed_forces"),
        _ => {}
    }
    if age >= 25 && rng.gen_bool(if official { 0.45 } else { 0.1 }) {
        sectors.push("party");
    }
    NewMember {
        joined,
        status,
        status_on,
        sectors: sectors.join(" "),
    }
}

/// The population of every commune that has generated branches, for each year of data
/// (figures already recorded are kept).
async fn populations(db: &Db, cx: &Ctx, sink: &mut Sink) -> anyhow::Result<u64> {
    let existing: BTreeSet<(i64, i64)> = sqlx::query("SELECT unit_id, year FROM unit_populations")
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_, sqlx::Error>>()?;
    let mut batch = Batch::with_fixed(
        "unit_populations",
        &["unit_id", "year", "population"],
        &[("updated_at", "1751328000")],
    );
    for (ci, c) in cx.communes.iter().enumerate() {
        if c.branches.is_empty() {
            continue;
        }
        let mut rng = cx.rng("population", ci as u64);
        let mut pop: f64 = match c.kind.as_str() {
            "phuong" => rng.gen_range(12_000.0..45_000.0),
            "dac_khu" => rng.gen_range(3_000.0..20_000.0),
            _ => rng.gen_range(6_000.0..25_000.0),
        };
        for year in YEARS {
            if !existing.contains(&(c.id, i64::from(year))) {
                sink.add(
                    &mut batch,
                    [V::I(c.id), V::I(i64::from(year)), V::I(pop.round() as i64)],
                )
                .await?;
            }
            pop *= rng.gen_range(1.003..1.015);
        }
    }
    sink.flush(&mut batch).await?;
    Ok(batch.written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_are_unique_valid_mobiles() {
        let mut seen = HashSet::new();
        for k in 0..200_000 {
            let p = phone(k, 1_234_567);
            assert!(
                khuyenhoc_domain::phone::PhoneNumber::parse(&p).is_ok(),
                "{p}"
            );
            assert!(seen.insert(p));
        }
    }
}
