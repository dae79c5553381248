//! Apportioning a whole figure (a count, an amount in whole đồng) over the successors of a split
//! unit by the largest remainder method, so that the parts add up exactly to the figure.

/// Splits `value` over `weights` (one non-negative weight per part, each with a key that breaks
/// ties) by the largest remainder method: each part gets the whole part of its quota
/// `|value| × weight / Σ weights`, and the units left over go one each to the parts with the
/// largest remainders, the smaller key first among equal remainders. A negative value is split
/// as its magnitude and every part negated, so the parts of `-v` are the opposites of the parts
/// of `v`. When every weight is zero the parts are equal. The parts always add up exactly to
/// `value`; every step is checked `i128` arithmetic, and `None` only when a sum of weights
/// exceeds `i128` (it cannot with `i64` weights and fewer than 2^64 parts) or a weight is
/// negative. An empty list of weights gives no parts (`Some(vec![])`) for a zero value and
/// `None` otherwise: there is nowhere to put the figure.
pub fn apportion<K: Ord>(value: i64, weights: &[(K, i64)]) -> Option<Vec<i64>> {
    if weights.is_empty() {
        return (value == 0).then(Vec::new);
    }
    if weights.iter().any(|(_, w)| *w < 0) {
        return None;
    }
    let total = weights
        .iter()
        .try_fold(0i128, |s, (_, w)| s.checked_add(i128::from(*w)))?;
    let equal = total == 0;
    let total = if equal {
        i128::try_from(weights.len()).ok()?
    } else {
        total
    };
    let magnitude = i128::from(value).checked_abs()?;
    let mut parts: Vec<i128> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    for (i, (_, w)) in weights.iter().enumerate() {
        let w = if equal { 1 } else { i128::from(*w) };
        let quota = magnitude.checked_mul(w)?;
        parts.push(quota.checked_div(total)?);
        remainders.push((quota.checked_rem(total)?, i));
    }
    let given = parts.iter().try_fold(0i128, |s, p| s.checked_add(*p))?;
    let left = usize::try_from(magnitude.checked_sub(given)?).ok()?;
    // Largest remainder first; among equal remainders the smaller key, then the earlier part.
    remainders.sort_by(|a, b| {
        b.0.cmp(&a.0)
            .then_with(|| weights[a.1].0.cmp(&weights[b.1].0))
            .then_with(|| a.1.cmp(&b.1))
    });
    for (_, i) in remainders.iter().take(left) {
        parts[*i] = parts[*i].checked_add(1)?;
    }
    parts
        .into_iter()
        .map(|p| {
            let p = if value < 0 { p.checked_neg()? } else { p };
            i64::try_from(p).ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::apportion;
    use proptest::prelude::*;

    #[test]
    fn the_issue_s_examples() {
        // 3 split in two equal parts: 2 + 1 (the smaller key takes the unit left over).
        assert_eq!(apportion(3, &[(1, 500), (2, 500)]), Some(vec![2, 1]));
        assert_eq!(apportion(3, &[(2, 500), (1, 500)]), Some(vec![1, 2]));
        // 1,000,001 đồng in three equal parts.
        assert_eq!(
            apportion(1_000_001, &[(1, 1), (2, 1), (3, 1)]),
            Some(vec![333_334, 333_334, 333_333])
        );
        assert_eq!(apportion(-3, &[(1, 500), (2, 500)]), Some(vec![-2, -1]));
        // By population: 7 over 600 and 400 people is 4.2 and 2.8, so 4 + 3.
        assert_eq!(apportion(7, &[("a", 600), ("b", 400)]), Some(vec![4, 3]));
        // No weight known: equal.
        assert_eq!(apportion(5, &[(1, 0), (2, 0)]), Some(vec![3, 2]));
        assert_eq!(apportion(5, &[(1, 1000)]), Some(vec![5]));
        assert_eq!(
            apportion(i64::MIN, &[(1, 1), (2, 1)]),
            Some(vec![i64::MIN / 2; 2])
        );
        assert_eq!(
            apportion(i64::MAX, &[(1, i64::MAX), (2, i64::MAX), (3, 1)]),
            Some(vec![i64::MAX / 2, i64::MAX / 2, 1])
        );
        assert_eq!(apportion(0, &[] as &[(i32, i64)]), Some(vec![]));
        assert_eq!(apportion(1, &[] as &[(i32, i64)]), None);
        assert_eq!(apportion(1, &[(1, -1)]), None);
    }

    proptest! {
        #[test]
        fn parts_add_up_exactly_and_follow_their_quota(
            value in any::<i64>(),
            weights in prop::collection::vec(0i64..=i64::MAX, 1..12),
        ) {
            let keyed: Vec<(usize, i64)> = weights.iter().copied().enumerate().collect();
            let parts = apportion(value, &keyed).expect("fits");
            prop_assert_eq!(parts.len(), weights.len());
            let sum: i128 = parts.iter().map(|p| i128::from(*p)).sum();
            prop_assert_eq!(sum, i128::from(value));
            // Each part is its quota rounded down or up (never further), with the value's sign.
            let total: i128 = weights.iter().map(|w| i128::from(*w)).sum();
            for (p, w) in parts.iter().zip(&weights) {
                let (w, t) = if total == 0 { (1, weights.len() as i128) } else { (i128::from(*w), total) };
                let q = i128::from(value).abs() * w / t;
                prop_assert!(i128::from(*p) * i128::from(value.signum()) >= 0, "sign of {}", p);
                let p = i128::from(*p).abs();
                prop_assert!(p == q || p == q + 1, "part {} quota {}", p, q);
            }
            // Opposite values give opposite parts.
            if value != i64::MIN {
                let neg = apportion(-value, &keyed).expect("fits");
                prop_assert_eq!(neg, parts.iter().map(|p| -p).collect::<Vec<_>>());
            }
        }

        #[test]
        fn the_order_of_the_parts_does_not_change_what_each_gets(
            value in -1_000_000_000i64..1_000_000_000,
            weights in prop::collection::vec(0i64..5, 1..8),
        ) {
            let keyed: Vec<(usize, i64)> = weights.iter().copied().enumerate().collect();
            let mut reversed = keyed.clone();
            reversed.reverse();
            let a = apportion(value, &keyed).expect("fits");
            let mut b = apportion(value, &reversed).expect("fits");
            b.reverse();
            prop_assert_eq!(a, b);
        }
    }
}
