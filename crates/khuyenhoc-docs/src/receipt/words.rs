//! Amounts as a voucher writes them: in Vietnamese words ("Một triệu năm trăm nghìn đồng") and
//! in figures with a dot between thousands ("1.500.000").

const DIGITS: [&str; 10] = [
    "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
];

/// Reads one group of three digits (1..=999). `full`: a higher group has been read, so the
/// hundreds are read even when zero ("một triệu không trăm linh năm").
fn read_group(n: u64, full: bool, out: &mut Vec<&'static str>) {
    let digit = |d: u64| DIGITS[(d % 10) as usize];
    let (h, t, u) = (n / 100 % 10, n / 10 % 10, n % 10);
    if full || h > 0 {
        out.extend([digit(h), "trăm"]);
        if t == 0 {
            if u > 0 {
                out.extend(["linh", digit(u)]);
            }
            return;
        }
    }
    match (t, u) {
        (0, 0) => {}
        (0, u) => out.push(digit(u)),
        (1, _) => out.push("mười"),
        (t, _) => out.extend([digit(t), "mươi"]),
    }
    match (t, u) {
        (0, _) | (_, 0) => {}
        (_, 5) => out.push("lăm"),
        (2.., 1) => out.push("mốt"),
        (_, u) => out.push(digit(u)),
    }
}

/// Reads 0..10^9 in groups of thousands; a zero group is skipped.
fn read_below_billion(n: u64, mut full: bool, out: &mut Vec<&'static str>) {
    for (group, scale) in [
        (n / 1_000_000 % 1000, Some("triệu")),
        (n / 1000 % 1000, Some("nghìn")),
        (n % 1000, None),
    ] {
        if group == 0 {
            continue;
        }
        read_group(group, full, out);
        out.extend(scale);
        full = true;
    }
}

/// Reads a number above 0: what stands above the billions is read as a number of "tỷ"
/// ("một nghìn tỷ", "một triệu tỷ").
fn read(n: u64, full: bool, out: &mut Vec<&'static str>) {
    const BILLION: u64 = 1_000_000_000;
    if n >= BILLION {
        read(n / BILLION, full, out);
        out.push("tỷ");
        read_below_billion(n % BILLION, true, out);
    } else {
        read_below_billion(n, full, out);
    }
}

/// An amount of đồng in Vietnamese words, the way it is written on a voucher: capitalised,
/// ending in "đồng". 1 500 000 → "Một triệu năm trăm nghìn đồng", 105 → "Một trăm linh năm
/// đồng", 21 → "Hai mươi mốt đồng", 1 000 005 → "Một triệu không trăm linh năm đồng".
///
/// "mốt" and "lăm" after "mươi"/"mười", "linh" for a zero tens digit, "không trăm" for zero
/// hundreds after a higher group; above the billions the count of "tỷ" is read as a number
/// (10^12 → "Một nghìn tỷ đồng"). A negative amount starts with "Âm".
pub fn amount_in_words(amount: i64) -> String {
    let n = amount.unsigned_abs();
    let mut words = Vec::new();
    if amount < 0 {
        words.push("âm");
    }
    if n == 0 {
        words.push("không");
    } else {
        read(n, false, &mut words);
    }
    words.push("đồng");
    let text = words.join(" ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

/// An amount with a dot between groups of thousands, as Vietnamese write it: "1.500.000".
pub fn format_amount(amount: i64) -> String {
    let digits: Vec<char> = amount.unsigned_abs().to_string().chars().collect();
    let groups: Vec<String> = digits
        .rchunks(3)
        .rev()
        .map(|g| g.iter().collect())
        .collect();
    let sign = if amount < 0 { "-" } else { "" };
    format!("{sign}{}", groups.join("."))
}

#[cfg(test)]
mod tests {
    use super::super::MAX_AMOUNT;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn words_of_the_examples() {
        for (n, words) in [
            (1_500_000, "Một triệu năm trăm nghìn đồng"),
            (105, "Một trăm linh năm đồng"),
            (21, "Hai mươi mốt đồng"),
            (25, "Hai mươi lăm đồng"),
            (1_000_000_000, "Một tỷ đồng"),
            (1_000_005, "Một triệu không trăm linh năm đồng"),
        ] {
            assert_eq!(amount_in_words(n), words, "{n}");
        }
    }

    #[test]
    fn words_of_small_numbers() {
        for (n, words) in [
            (0, "Không đồng"),
            (1, "Một đồng"),
            (5, "Năm đồng"),
            (10, "Mười đồng"),
            (11, "Mười một đồng"),
            (14, "Mười bốn đồng"),
            (15, "Mười lăm đồng"),
            (20, "Hai mươi đồng"),
            (24, "Hai mươi bốn đồng"),
            (31, "Ba mươi mốt đồng"),
            (55, "Năm mươi lăm đồng"),
            (99, "Chín mươi chín đồng"),
            (100, "Một trăm đồng"),
            (101, "Một trăm linh một đồng"),
            (110, "Một trăm mười đồng"),
            (115, "Một trăm mười lăm đồng"),
            (171, "Một trăm bảy mươi mốt đồng"),
            (999, "Chín trăm chín mươi chín đồng"),
        ] {
            assert_eq!(amount_in_words(n), words, "{n}");
        }
    }

    #[test]
    fn words_of_larger_numbers() {
        for (n, words) in [
            (1000, "Một nghìn đồng"),
            (1005, "Một nghìn không trăm linh năm đồng"),
            (1015, "Một nghìn không trăm mười lăm đồng"),
            (1050, "Một nghìn không trăm năm mươi đồng"),
            (1100, "Một nghìn một trăm đồng"),
            (10_000, "Mười nghìn đồng"),
            (21_000, "Hai mươi mốt nghìn đồng"),
            (105_000, "Một trăm linh năm nghìn đồng"),
            (200_000, "Hai trăm nghìn đồng"),
            (1_005_000, "Một triệu không trăm linh năm nghìn đồng"),
            (1_000_000, "Một triệu đồng"),
            (2_050_000, "Hai triệu không trăm năm mươi nghìn đồng"),
            (
                25_500_000,
                "Hai mươi lăm triệu năm trăm nghìn đồng",
            ),
            (1_000_000_005, "Một tỷ không trăm linh năm đồng"),
            (1_001_000_000, "Một tỷ không trăm linh một triệu đồng"),
            (
                2_345_678_901,
                "Hai tỷ ba trăm bốn mươi lăm triệu sáu trăm bảy mươi tám nghìn chín trăm linh một đồng",
            ),
            (1_000_000_000_000, "Một nghìn tỷ đồng"),
            (1_001_000_000_000, "Một nghìn không trăm linh một tỷ đồng"),
            (1_000_000_000_000_000, "Một triệu tỷ đồng"),
            (-21, "Âm hai mươi mốt đồng"),
        ] {
            assert_eq!(amount_in_words(n), words, "{n}");
        }
        // The extremes of i64 read without overflow.
        assert!(amount_in_words(i64::MAX).starts_with("Chín tỷ hai trăm hai mươi ba triệu"));
        assert!(amount_in_words(i64::MIN).starts_with("Âm chín tỷ"));
    }

    #[test]
    fn amounts_with_dots() {
        assert_eq!(format_amount(0), "0");
        assert_eq!(format_amount(999), "999");
        assert_eq!(format_amount(1000), "1.000");
        assert_eq!(format_amount(1_500_000), "1.500.000");
        assert_eq!(format_amount(12_345_678), "12.345.678");
        assert_eq!(format_amount(-1_500), "-1.500");
        assert_eq!(format_amount(i64::MIN), "-9.223.372.036.854.775.808");
    }

    /// Reads the words back into a number: an independent check that every digit is read and
    /// in its place.
    fn parse_words(s: &str) -> u64 {
        let lower = s.to_lowercase();
        let mut words: Vec<&str> = lower.split(' ').collect();
        assert_eq!(words.pop(), Some("đồng"), "{s}");
        // `pending`: the last digit read; `group`: the value below the current scale word;
        // `scaled`: nghìn and triệu read since the last tỷ; `total`: everything up to it.
        let (mut total, mut scaled, mut group, mut pending) = (0u64, 0u64, 0u64, 0u64);
        for w in words {
            match w {
                "linh" => {}
                "mười" => group += 10,
                "mươi" => group += std::mem::take(&mut pending) * 10,
                "trăm" => group += std::mem::take(&mut pending) * 100,
                "mốt" => pending = 1,
                "lăm" => pending = 5,
                "nghìn" | "triệu" => {
                    let scale = if w == "nghìn" { 1000 } else { 1_000_000 };
                    scaled += (group + std::mem::take(&mut pending)) * scale;
                    group = 0;
                }
                "tỷ" => {
                    let below = scaled + group + std::mem::take(&mut pending);
                    total = (total + below) * 1_000_000_000;
                    (scaled, group) = (0, 0);
                }
                d => {
                    let v = DIGITS.iter().position(|x| *x == d);
                    pending = v.unwrap_or_else(|| panic!("unexpected {d:?} in {s:?}")) as u64;
                }
            }
        }
        total + scaled + group + pending
    }

    proptest! {
        #[test]
        fn words_never_panic_and_read_back(n in 0i64..=MAX_AMOUNT) {
            let words = amount_in_words(n);
            let first = words.chars().next().expect("not empty");
            prop_assert!(first.is_uppercase(), "{words}");
            prop_assert!(words.ends_with(" đồng"), "{words}");
            prop_assert!(!words.contains("  "), "{words}");
            prop_assert_eq!(parse_words(&words), n as u64, "{}", words);
        }

        #[test]
        fn small_and_round_numbers(n in 0i64..=100_000, zeros in 0u32..=10) {
            let n = n * 10i64.pow(zeros);
            let words = amount_in_words(n);
            prop_assert!(words.ends_with("đồng"));
            prop_assert_eq!(parse_words(&words), n as u64, "{}", words);
        }

        #[test]
        fn dots_separate_thousands(n in 0i64..=MAX_AMOUNT) {
            let s = format_amount(n);
            prop_assert_eq!(s.replace('.', "").parse::<i64>().ok(), Some(n));
            for part in s.split('.').skip(1) {
                prop_assert_eq!(part.len(), 3);
            }
        }
    }
}
