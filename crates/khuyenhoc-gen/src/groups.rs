//! Families (a head and one to four relatives of the same branch, each person in one family at
//! most), clans (a head and the adults of the branch who share the family name) and
//! organisations of institutional branches, with their members.

use super::bulk::{Batch, Sink, V};
use super::names::organisation_name;
use super::{Ctx, Summary};
use khuyenhoc::db::Db;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use std::collections::BTreeSet;

/// Group kinds, as stored in `learning_groups.kind`.
pub const GROUP_KINDS: [&str; 3] = ["family", "clan", "organisation"];

/// A generated group, for the evaluations.
#[derive(Debug, Clone)]
pub struct Group {
    pub id: i64,
    /// Index into [`GROUP_KINDS`].
    pub kind: u8,
    pub branch: u32,
    pub name: String,
}

struct Writer {
    sink: Sink,
    groups: Batch,
    members: Batch,
}

impl Writer {
    async fn group(
        &mut self,
        cx: &mut Ctx,
        kind: u8,
        branch: usize,
        name: String,
        people: &[usize],
    ) -> anyhow::Result<()> {
        let Some(head) = people.first() else {
            return Ok(());
        };
        let id = cx.id("learning_groups");
        self.sink
            .add(
                &mut self.groups,
                [
                    V::I(id),
                    V::S(GROUP_KINDS[usize::from(kind)]),
                    V::I(cx.branches[branch].id),
                    V::T(name.clone()),
                    V::I(cx.person_id(*head)),
                ],
            )
            .await?;
        for p in people {
            let adult = 2025 - i64::from(cx.people[*p].birth_year) >= 18;
            let member_id = cx.id("group_members");
            self.sink
                .add_after(
                    &mut self.members,
                    &mut [&mut self.groups],
                    [
                        V::I(member_id),
                        V::I(id),
                        V::I(cx.person_id(*p)),
                        V::I(i64::from(adult)),
                    ],
                )
                .await?;
        }
        cx.groups.push(Group {
            id,
            kind,
            branch: branch as u32,
            name,
        });
        Ok(())
    }
}

pub async fn groups(db: &Db, cx: &mut Ctx, s: &mut Summary) -> anyhow::Result<u64> {
    let mut rng = cx.rng("groups", 0);
    let size = |b: &super::Branch, village: bool| {
        if (b.kind == 0) == village {
            b.people.len() as f64
        } else {
            0.0
        }
    };
    let villages: Vec<f64> = cx.branches.iter().map(|b| size(b, true)).collect();
    let institutions: Vec<f64> = cx.branches.iter().map(|b| size(b, false)).collect();
    let families = super::allocate(cx.plan.families, &villages, &mut rng);
    let clans = super::allocate(cx.plan.clans, &villages, &mut rng);
    let orgs = super::allocate(cx.plan.organisations, &institutions, &mut rng);
    let mut w = Writer {
        sink: Sink::new(db, cx.quiet).await?,
        groups: Batch::with_fixed(
            "learning_groups",
            &["id", "kind", "unit_id", "name", "head_person_id"],
            &[("created_at", "1751328000")],
        ),
        members: Batch::with_fixed(
            "group_members",
            &["id", "group_id", "person_id", "adult"],
            // Generated members are accepted ones (an invitation waits with `accepted_at` empty).
            &[("created_at", "1751328000"), ("accepted_at", "1751328000")],
        ),
    };
    for b in 0..cx.branches.len() {
        let mut rng = cx.rng("groups", b as u64 + 1);
        let nf = families.get(b).copied().unwrap_or(0);
        let nc = clans.get(b).copied().unwrap_or(0);
        let no = orgs.get(b).copied().unwrap_or(0);
        if nf + nc + no == 0 {
            continue;
        }
        let mut people: Vec<usize> = cx.branches[b].people.clone().collect();
        people.shuffle(&mut rng);
        branch_families(&mut w, cx, b, nf, &people, &mut rng).await?;
        branch_clans(&mut w, cx, b, nc, &people, &mut rng).await?;
        let grown = adults(cx, &people, 18);
        for k in 0..no as usize {
            let adults = &grown;
            let start = rng.gen_range(0..adults.len().max(1));
            let take = rng.gen_range(3..=9usize);
            let chosen: Vec<usize> = adults
                .iter()
                .cycle()
                .skip(start)
                .take(take.min(adults.len()))
                .copied()
                .collect();
            let name = format!(
                "{} – {}",
                organisation_name(k),
                cx.branches[b].name.trim_start_matches("Chi hội ")
            );
            w.group(cx, 2, b, name, &chosen).await?;
        }
    }
    let Writer {
        sink,
        mut groups,
        mut members,
    } = w;
    sink.finish(&mut [&mut groups, &mut members]).await?;
    for (k, kind) in GROUP_KINDS.iter().enumerate() {
        let n = cx
            .groups
            .iter()
            .filter(|g| usize::from(g.kind) == k)
            .count();
        s.add(&format!("learning_groups.{kind}"), n as u64);
    }
    s.add("learning_groups", groups.written);
    s.add("group_members", members.written);
    Ok(groups.written + members.written)
}

fn adults(cx: &Ctx, people: &[usize], min_age: i64) -> Vec<usize> {
    people
        .iter()
        .copied()
        .filter(|p| 2025 - i64::from(cx.people[*p].birth_year) >= min_age)
        .collect()
}

/// Families of a branch: each a head (25 or older) and one to four others, no one twice.
async fn branch_families(
    w: &mut Writer,
    cx: &mut Ctx,
    b: usize,
    n: u64,
    people: &[usize],
    rng: &mut StdRng,
) -> anyhow::Result<()> {
    let mut used = vec![false; people.len()];
    let mut cursor = 0;
    for _ in 0..n {
        // The next unused adult heads the family.
        while cursor < people.len()
            && (used[cursor] || 2025 - i64::from(cx.people[people[cursor]].birth_year) < 25)
        {
            cursor += 1;
        }
        if cursor >= people.len() {
            break;
        }
        used[cursor] = true;
        let mut family = vec![people[cursor]];
        let want = rng.gen_range(1..=4);
        for (i, p) in people.iter().enumerate().skip(cursor + 1) {
            if family.len() > want {
                break;
            }
            if !used[i] {
                used[i] = true;
                family.push(*p);
            }
        }
        let head = cx.people[family[0]].name;
        let title = if head.female { "bà" } else { "ông" };
        let name = format!("Gia đình {title} {}", cx.names.full(&head));
        w.group(cx, 0, b, name, &family).await?;
    }
    Ok(())
}

/// Clans of a branch: a family name, its eldest-looking head and up to six adults bearing it.
async fn branch_clans(
    w: &mut Writer,
    cx: &mut Ctx,
    b: usize,
    n: u64,
    people: &[usize],
    rng: &mut StdRng,
) -> anyhow::Result<()> {
    let adults = adults(cx, people, 18);
    if adults.is_empty() {
        return Ok(());
    }
    let mut names_used = BTreeSet::new();
    let branch_name = cx.branches[b]
        .name
        .trim_start_matches("Chi hội ")
        .to_owned();
    for _ in 0..n {
        let mut found = None;
        for _ in 0..8 {
            let head = adults[rng.gen_range(0..adults.len())];
            if names_used.insert(cx.people[head].name.family) {
                found = Some(head);
                break;
            }
        }
        let Some(head) = found else { break };
        let family = cx.people[head].name.family;
        let mut clan = vec![head];
        clan.extend(
            adults
                .iter()
                .copied()
                .filter(|p| *p != head && cx.people[*p].name.family == family)
                .take(6),
        );
        let name = format!(
            "Dòng họ {} {}",
            cx.names.family_name(&cx.people[head].name),
            lower_first(&branch_name)
        );
        w.group(cx, 1, b, name, &clan).await?;
    }
    Ok(())
}

/// "Thôn Đông" → "thôn Đông", as it reads after "Dòng họ Nguyễn".
fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn clan_names_read_naturally() {
        assert_eq!(super::lower_first("Thôn Đông"), "thôn Đông");
        assert_eq!(super::lower_first("Ấp Phú Mỹ"), "ấp Phú Mỹ");
    }
}
