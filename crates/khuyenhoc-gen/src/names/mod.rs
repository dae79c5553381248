//! Vietnamese names for synthetic data: people (family, middle and given names with their usual
//! frequencies), hamlets, schools, agencies, enterprises, donors, and the words of ledger
//! entries and reports. Every part is cleaned to NFC once; a full name is parts joined by single
//! spaces, so it is NFC too, and its folded form is the folded parts joined the same way.

mod words;

pub use words::{HAMLETS, MOUNTAIN_VILLAGES};

use khuyenhoc_domain::text::{clean, fold};
use rand::distributions::{Distribution, WeightedIndex};
use rand::Rng;
use words::{
    AGENCIES, ARMED_FORCES, ENTERPRISE_FORMS, ENTERPRISE_WORDS, FAMILY, GIVEN_FEMALE, GIVEN_MALE,
    MIDDLE_FEMALE, MIDDLE_MALE, ORGANISATIONS, SCHOOLS,
};

/// Words cleaned once: the NFC text and its folded search key.
#[derive(Debug, Clone)]
pub struct Part {
    pub text: String,
    pub folded: String,
}

fn part(s: &str) -> Part {
    let text = clean(s);
    let folded = fold(&text);
    Part { text, folded }
}

/// A sampler over name parts.
pub struct Pool {
    pub parts: Vec<Part>,
    dist: WeightedIndex<u32>,
}

impl Pool {
    fn weighted(items: &[(&str, u32)]) -> anyhow::Result<Pool> {
        Ok(Pool {
            parts: items.iter().map(|(s, _)| part(s)).collect(),
            dist: WeightedIndex::new(items.iter().map(|(_, w)| *w))?,
        })
    }
    fn flat(items: &[&str]) -> anyhow::Result<Pool> {
        Ok(Pool {
            parts: items.iter().map(|s| part(s)).collect(),
            dist: WeightedIndex::new(items.iter().map(|_| 1u32))?,
        })
    }
    pub fn pick(&self, rng: &mut impl Rng) -> u8 {
        u8::try_from(self.dist.sample(rng)).unwrap_or(0)
    }
}

/// The parts of a person's name, as indexes into [`Names`] (a compact form kept in memory for
/// millions of people).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NameIdx {
    pub family: u8,
    pub middle: u8,
    /// A second middle name (common for women: "Nguyễn Thị Thu Hà"), or `u8::MAX`.
    pub middle2: u8,
    pub given: u8,
    pub female: bool,
}

pub struct Names {
    pub family: Pool,
    middle_male: Pool,
    middle_female: Pool,
    given_male: Pool,
    given_female: Pool,
}

impl Names {
    pub fn new() -> anyhow::Result<Names> {
        Ok(Names {
            family: Pool::weighted(FAMILY)?,
            middle_male: Pool::weighted(MIDDLE_MALE)?,
            middle_female: Pool::weighted(MIDDLE_FEMALE)?,
            given_male: Pool::flat(GIVEN_MALE)?,
            given_female: Pool::flat(GIVEN_FEMALE)?,
        })
    }

    /// A name drawn with the usual frequencies.
    pub fn draw(&self, female: bool, rng: &mut impl Rng) -> NameIdx {
        let family = self.family.pick(rng);
        let (middle, middle2, given) = if female {
            let m = self.middle_female.pick(rng);
            // "Thị" is often followed by a second middle name.
            let m2 = if m == 0 && rng.gen_bool(0.2) {
                1 + self.middle_female.pick(rng) % (self.middle_female.parts.len() as u8 - 1)
            } else {
                u8::MAX
            };
            (m, m2, self.given_female.pick(rng))
        } else {
            (
                self.middle_male.pick(rng),
                u8::MAX,
                self.given_male.pick(rng),
            )
        };
        NameIdx {
            family,
            middle,
            middle2,
            given,
            female,
        }
    }

    fn pieces(&self, n: &NameIdx) -> [Option<&Part>; 4] {
        let (middle, given) = if n.female {
            (&self.middle_female, &self.given_female)
        } else {
            (&self.middle_male, &self.given_male)
        };
        [
            self.family.parts.get(usize::from(n.family)),
            middle.parts.get(usize::from(n.middle)),
            middle.parts.get(usize::from(n.middle2)),
            given.parts.get(usize::from(n.given)),
        ]
    }

    /// The full name, NFC.
    pub fn full(&self, n: &NameIdx) -> String {
        let mut out = String::with_capacity(24);
        for p in self.pieces(n).into_iter().flatten() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&p.text);
        }
        out
    }

    /// The folded full name (equal to `fold(&self.full(n))`).
    pub fn folded(&self, n: &NameIdx) -> String {
        let mut out = String::with_capacity(24);
        for p in self.pieces(n).into_iter().flatten() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&p.folded);
        }
        out
    }

    pub fn family_name(&self, n: &NameIdx) -> &str {
        self.family
            .parts
            .get(usize::from(n.family))
            .map_or("", |p| p.text.as_str())
    }
}

/// Where in the country a commune lies, for the words of its villages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Region {
    /// Northern mountains: bản.
    Mountain,
    /// The south: ấp, khu phố.
    South,
    /// Elsewhere: thôn, tổ dân phố.
    Other,
}

impl Region {
    pub fn of_province(code: &str) -> Region {
        match code {
            "04" | "08" | "11" | "12" | "14" | "15" | "20" => Region::Mountain,
            "75" | "79" | "80" | "82" | "86" | "91" | "92" | "96" => Region::South,
            _ => Region::Other,
        }
    }
}

/// "Xã Tân Phú" → "Tân Phú".
pub fn short_name(commune_name: &str) -> &str {
    for prefix in ["Xã ", "Phường ", "Đặc khu "] {
        if let Some(rest) = commune_name.strip_prefix(prefix) {
            return rest;
        }
    }
    commune_name
}

/// A commune's name inside a sentence: "Xã Tân Phú" → "xã Tân Phú".
pub fn in_sentence(commune_name: &str) -> String {
    for (prefix, lower) in [
        ("Xã ", "xã "),
        ("Phường ", "phường "),
        ("Đặc khu ", "đặc khu "),
    ] {
        if let Some(rest) = commune_name.strip_prefix(prefix) {
            return format!("{lower}{rest}");
        }
    }
    commune_name.to_owned()
}

/// What a branch is called: the n-th (from 0) branch of its kind in the commune.
pub struct BranchNaming<'a> {
    pub commune_name: &'a str,
    pub ward: bool,
    pub region: Region,
    /// A permutation of the hamlet list for this commune.
    pub hamlet_order: &'a [usize],
}

impl BranchNaming<'_> {
    pub fn name(&self, kind: &str, n: usize) -> String {
        let short = short_name(self.commune_name);
        let body = match kind {
            "village" => self.village(n),
            "school" => numbered(SCHOOLS, n, &format!(" {short}")),
            "agency" => numbered(AGENCIES, n, &format!(" {}", in_sentence(self.commune_name))),
            "enterprise" => {
                let form = ENTERPRISE_FORMS[n % ENTERPRISE_FORMS.len()];
                let word = ENTERPRISE_WORDS[(n * 7 + short.len()) % ENTERPRISE_WORDS.len()];
                let round = n / ENTERPRISE_WORDS.len();
                if round == 0 {
                    format!("{form} {word}")
                } else {
                    format!("{form} {word} {}", round + 1)
                }
            }
            _ => numbered(
                ARMED_FORCES,
                n,
                &format!(" {}", in_sentence(self.commune_name)),
            ),
        };
        clean(&format!("Chi hội {body}"))
    }

    fn village(&self, n: usize) -> String {
        if self.ward {
            return match self.region {
                Region::South => format!("Khu phố {}", n + 1),
                _ => format!("Tổ dân phố số {}", n + 1),
            };
        }
        let (word, list) = match self.region {
            Region::Mountain => ("Bản", MOUNTAIN_VILLAGES),
            Region::South => ("Ấp", HAMLETS),
            Region::Other => ("Thôn", HAMLETS),
        };
        match self.hamlet_order.get(n).and_then(|i| list.get(*i)) {
            Some(name) => format!("{word} {name}"),
            None => format!("{word} {}", n + 1),
        }
    }
}

/// The n-th of a list of institution kinds, numbered once the list is used up:
/// "Trường Tiểu học Tân Phú", then "Trường Tiểu học Tân Phú số 2".
fn numbered(list: &[&str], n: usize, suffix: &str) -> String {
    let base = list[n % list.len()];
    match n / list.len() {
        0 => format!("{base}{suffix}"),
        k => format!("{base}{suffix} số {}", k + 1),
    }
}

/// The name of the n-th organisation (a group evaluated as a Learning Unit) of a branch.
pub fn organisation_name(n: usize) -> String {
    numbered(ORGANISATIONS, n, "")
}

/// A donor organisation's name.
pub fn company_name(rng: &mut impl Rng) -> String {
    let form = ENTERPRISE_FORMS[rng.gen_range(0..ENTERPRISE_FORMS.len())];
    let word = ENTERPRISE_WORDS[rng.gen_range(0..ENTERPRISE_WORDS.len())];
    format!("{form} {word}")
}

/// Narratives of a report, by indicator key.
pub fn report_text(key: &str, rng: &mut impl Rng) -> String {
    let options: &[&str] = match key {
        "results" => &[
            "Các chi hội duy trì sinh hoạt đều đặn; phong trào xây dựng gia đình, dòng họ học tập được nhân dân hưởng ứng; quỹ khuyến học tăng so với cùng kỳ.",
            "Tổ chức tốt việc đăng ký danh hiệu Công dân học tập; trao học bổng kịp thời cho học sinh có hoàn cảnh khó khăn.",
            "Phối hợp với nhà trường và Trung tâm Học tập cộng đồng mở các lớp chuyên đề; số hội viên mới tăng.",
        ],
        "shortcomings" => &[
            "Một số chi hội chưa cập nhật kịp thời số liệu; việc thu hội phí còn chậm.",
            "Kinh phí hoạt động còn hạn chế; một số nơi chưa quan tâm đánh giá, công nhận danh hiệu.",
        ],
        "tasks" => &[
            "Tiếp tục đẩy mạnh phong trào khuyến học, khuyến tài; phấn đấu tăng tỷ lệ công dân học tập và gia đình học tập.",
            "Hoàn thành việc đánh giá, công nhận các danh hiệu học tập; vận động tăng quỹ khuyến học.",
        ],
        "proposals" => &[
            "Đề nghị cấp trên hỗ trợ tập huấn nghiệp vụ cho cán bộ chi hội.",
            "Đề nghị bố trí kinh phí cho hoạt động của Trung tâm Học tập cộng đồng.",
        ],
        _ => &["Thực hiện theo kế hoạch."],
    };
    clean(options[rng.gen_range(0..options.len())])
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn names_are_nfc_and_fold_like_the_search() -> anyhow::Result<()> {
        let names = Names::new()?;
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        for i in 0..2_000 {
            let n = names.draw(i % 2 == 0, &mut rng);
            let full = names.full(&n);
            assert_eq!(clean(&full), full);
            assert_eq!(fold(&full), names.folded(&n));
            assert!(full.split(' ').count() >= 3, "{full}");
        }
        Ok(())
    }

    #[test]
    fn branch_names_read_naturally() {
        let order: Vec<usize> = (0..HAMLETS.len()).collect();
        let naming = BranchNaming {
            commune_name: "Xã Tân Phú",
            ward: false,
            region: Region::Other,
            hamlet_order: &order,
        };
        assert_eq!(naming.name("village", 0), "Chi hội Thôn Đông");
        assert_eq!(naming.name("school", 1), "Chi hội Trường Tiểu học Tân Phú");
        assert_eq!(
            naming.name("school", 6),
            "Chi hội Trường Tiểu học Tân Phú số 2"
        );
        assert_eq!(
            naming.name("agency", 0),
            "Chi hội Khối cơ quan Ủy ban nhân dân xã Tân Phú"
        );
    }
}
