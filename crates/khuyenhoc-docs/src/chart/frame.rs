//! The frame of a chart: the SVG's opening with its title and description for screen
//! readers, the chart without data, and where the plot, its category labels and the legend go.

use std::fmt::Write as _;

use unicode_normalization::char::is_combining_mark;

use super::text::{esc, number, truncate};
use super::*;

/// A stable id for the chart's title and description (several charts can share a page).
pub(super) fn chart_id(kind: Kind, d: &Data) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    feed(&[kind as u8]);
    feed(d.title.as_bytes());
    for l in &d.labels {
        feed(l.as_bytes());
    }
    for (name, values) in &d.series {
        feed(name.as_bytes());
        for v in values {
            feed(&v.unwrap_or(f64::NAN).to_bits().to_le_bytes());
        }
    }
    format!("khc-chart-{:012x}", h >> 16)
}

pub(super) fn open_svg(out: &mut String, id: &str, h: f64, title: &str, desc: &str) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {h:.0}" width="100%" role="img" aria-labelledby="{id}-t {id}-d" font-family="{}" font-size="{SIZE}" fill="{TEXT}"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(FONT),
        esc(title),
        esc(desc),
    );
    let (shown, _) = truncate(title, ((W - 2.0 * PAD) / (TITLE_SIZE * 0.65)) as usize);
    let _ = write!(
        out,
        r#"<text x="{}" y="24" text-anchor="middle" font-size="{TITLE_SIZE}" font-weight="bold">{}</text>"#,
        W / 2.0,
        esc(&shown)
    );
}

pub(super) fn no_data(kind: Kind, d: &Data) -> String {
    let id = chart_id(kind, d);
    let mut out = String::new();
    let desc = format!("{}. {NO_DATA}.", d.title);
    open_svg(&mut out, &id, 120.0, &d.title, &desc);
    let _ = write!(
        out,
        r##"<text x="{}" y="76" text-anchor="middle" fill="#555555">{}</text></svg>"##,
        W / 2.0,
        esc(NO_DATA)
    );
    out
}

/// What the chart shows, in words, for screen readers.
pub(super) fn describe(kind: Kind, d: &Data, lo: f64, hi: f64) -> String {
    let names: Vec<&str> = d.series.iter().map(|(n, _)| n.as_str()).collect();
    let first = d.labels.first().map_or("", String::as_str);
    let last = d.labels.last().map_or("", String::as_str);
    let what = match kind {
        Kind::Line => format!(
            "Biểu đồ đường: {} chuỗi số liệu ({}) qua {} kỳ, từ {first} đến {last}",
            names.len(),
            names.join(", "),
            d.labels.len()
        ),
        Kind::Bar => format!(
            "Biểu đồ cột: {} chuỗi số liệu ({}) theo {} mục, từ {first} đến {last}",
            names.len(),
            names.join(", "),
            d.labels.len()
        ),
    };
    format!(
        "{}. {what}. Giá trị nhỏ nhất {}, lớn nhất {}.",
        d.title,
        number(lo, 2),
        number(hi, 2)
    )
}

/// Where the plot and its category labels go.
pub(super) struct Frame {
    /// The plot's left edge (the tick values stand to its left).
    pub(super) left: f64,
    /// The width given to each category or period.
    pub(super) slot: f64,
    /// Labels level (true) or slanted at 45°.
    pub(super) level: bool,
    /// The most letters a label shows.
    pub(super) max_chars: usize,
    /// Every how many labels one is shown (slanted labels only).
    pub(super) every: usize,
    /// The height the labels take under the plot.
    pub(super) label_h: f64,
}

impl Frame {
    pub(super) fn new(d: &Data, tick_chars: usize) -> Self {
        let n = d.labels.len().max(1) as f64;
        let mut left = PAD + tick_chars as f64 * SIZE * CHAR_EM + 8.0;
        let slot = (W - PAD - left) / n;
        let budget = (slot / (SIZE * CHAR_EM)).floor() as usize;
        let longest = d
            .labels
            .iter()
            .map(|l| l.chars().filter(|c| !is_combining_mark(*c)).count())
            .max()
            .unwrap_or(0);
        if longest <= budget || budget >= 6 {
            return Self {
                left,
                slot,
                level: true,
                max_chars: budget.max(1),
                every: 1,
                label_h: SIZE + 10.0,
            };
        }
        // Slanted labels reach left of their anchor: keep the first one inside the view.
        let reach = longest.min(MAX_ROTATED) as f64 * SIZE * CHAR_EM * 0.72;
        left = left.max(PAD + reach - slot / 2.0);
        let slot = (W - PAD - left) / n;
        Self {
            left,
            slot,
            level: false,
            max_chars: MAX_ROTATED,
            every: ((SIZE * 1.3) / slot).ceil().max(1.0) as usize,
            label_h: reach + SIZE + 8.0,
        }
    }

    /// The centre of category `i`.
    pub(super) fn cx(&self, i: usize) -> f64 {
        self.left + self.slot * (i as f64 + 0.5)
    }
}

/// A legend entry: the series, where it goes, its shown name and its full name when cut.
pub(super) struct Item<'a> {
    pub(super) series: usize,
    pub(super) x: f64,
    pub(super) y: f64,
    pub(super) shown: String,
    pub(super) full: Option<&'a str>,
}

/// The legend entries flowed into rows from `top`; returns them and the bottom of the last row.
pub(super) fn legend_items(d: &Data, top: f64) -> (Vec<Item<'_>>, f64) {
    let mut items = Vec::new();
    let (mut x, mut row) = (PAD, 0usize);
    for (i, (name, _)) in d.series.iter().enumerate() {
        let (shown, cut) = truncate(name, MAX_LEGEND);
        let w = 22.0 + shown.chars().count() as f64 * SIZE * CHAR_EM + 16.0;
        if x + w > W - PAD && x > PAD {
            x = PAD;
            row += 1;
        }
        items.push(Item {
            series: i,
            x,
            y: top + row as f64 * 20.0,
            shown,
            full: cut.then_some(name.as_str()),
        });
        x += w;
    }
    (items, top + (row + 1) as f64 * 20.0)
}
