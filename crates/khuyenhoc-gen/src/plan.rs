//! The generator's clock and dice: fixed dates (never the clock of the machine), one independent
//! random stream per phase, systematic sampling, and the targets of a scale.

use chrono::NaiveDate;
use rand::rngs::StdRng;
use rand::SeedableRng;

/// The first day of the synthetic data's clock: what `created_at` counts from.
pub const EPOCH_DATE: (i32, u32, u32) = (2025, 7, 1);
/// The day the synthetic data describes ("today" for it): the end of 2026-H1.
pub const AS_OF: (i32, u32, u32) = (2026, 6, 30);
/// Years of evaluations.
pub const YEARS: [i32; 3] = [2024, 2025, 2026];

pub fn date(ymd: (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(ymd.0, ymd.1, ymd.2).unwrap_or(NaiveDate::MIN)
}

/// Unix seconds of a day plus `secs` seconds.
pub fn at(d: NaiveDate, secs: i64) -> i64 {
    (d - date((1970, 1, 1))).num_days() * 86_400 + secs
}

/// A day between `from` and `to` (both included).
pub fn day_between(rng: &mut StdRng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    use rand::Rng;
    let span = (to - from).num_days().max(0);
    from + chrono::Duration::days(rng.gen_range(0..=span))
}

pub fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The random stream of one phase (and one part of it): independent of every other stream, so
/// a phase draws the same numbers whatever the phases before it did.
pub fn stream(seed: u64, name: &str, part: u64) -> StdRng {
    // FNV-1a of the name, then SplitMix64 of the three.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut x = seed ^ h.rotate_left(17) ^ part.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    StdRng::seed_from_u64(x ^ (x >> 31))
}

/// Systematic sampling: spreads `total` items over buckets in proportion to `weights`, so that
/// each bucket gets the floor or the ceiling of its share, and small totals land on buckets
/// spread evenly along the list (with a random start).
pub fn allocate(total: u64, weights: &[f64], rng: &mut StdRng) -> Vec<u64> {
    use rand::Rng;
    let sum: f64 = weights.iter().sum();
    if total == 0 || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let step = sum / total as f64;
    let start = rng.gen_range(0.0..step);
    // Points start + k·step at or below x.
    let upto = |x: f64| -> u64 {
        if x < start {
            0
        } else {
            (((x - start) / step).floor() as u64 + 1).min(total)
        }
    };
    let mut out = Vec::with_capacity(weights.len());
    let (mut acc, mut before) = (0.0, 0);
    for (i, w) in weights.iter().enumerate() {
        acc += w;
        let now = if i + 1 == weights.len() {
            total
        } else {
            upto(acc)
        };
        out.push(now.saturating_sub(before));
        before = now.max(before);
    }
    out
}

/// Targets at a scale.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub branches: u64,
    pub people: u64,
    pub ledger_entries: u64,
    pub families: u64,
    pub clans: u64,
    pub organisations: u64,
}

impl Plan {
    pub fn at(scale: f64) -> Plan {
        let n = |base: f64| (base * scale).round() as u64;
        Plan {
            branches: n(100_000.0).max(1),
            people: n(4_500_000.0).max(1),
            ledger_entries: n(1_000_000.0),
            families: n(400_000.0),
            clans: n(20_000.0),
            organisations: n(10_000.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocation_is_exact_and_proportional() {
        let mut rng = stream(1, "t", 0);
        let w = vec![1.0, 2.0, 3.0, 0.0, 4.0];
        let a = allocate(1000, &w, &mut rng);
        assert_eq!(a.iter().sum::<u64>(), 1000);
        assert!((99..=101).contains(&a[0]) && a[3] == 0 && (399..=401).contains(&a[4]));
        let few = allocate(3, &vec![1.0; 3321], &mut rng);
        assert_eq!(few.iter().sum::<u64>(), 3);
        assert!(few.iter().all(|n| *n <= 1));
    }

    #[test]
    fn streams_are_stable_and_distinct() {
        use rand::Rng;
        let a: u64 = stream(7, "people", 3).gen();
        let b: u64 = stream(7, "people", 3).gen();
        let c: u64 = stream(7, "people", 4).gen();
        let d: u64 = stream(8, "people", 3).gen();
        assert_eq!(a, b);
        assert!(a != c && a != d);
    }
}
