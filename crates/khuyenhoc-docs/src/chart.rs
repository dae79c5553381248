//! Charts drawn on the server as SVG: a line chart of trends over periods and a grouped bar
//! chart (provinces or units side by side). The SVG is self-contained (no script, no style
//! sheet, no `style` attribute, no external font or image), so it works offline, passes a
//! strict Content-Security-Policy when inlined, and prints.
//!
//! It carries a `viewBox` and `width="100%"`, so it scales down to a 360 px phone; `role="img"`
//! with a `<title>` and a `<desc>` that sums the data up for screen readers; a value axis with
//! a few round gridlines starting from 0 (negative values extend it below), numbers written the
//! Vietnamese way (1.234.567, decimal comma); a legend; colours from a fixed palette that stays
//! distinct with colour-blindness and keeps 3:1 contrast on white (lines also differ by dash).
//! A long label is cut with "…" and keeps its full text in a `<title>`. Without data, or with
//! only zeros, the chart says "Chưa có số liệu / No data".

use std::fmt::Write as _;

use unicode_normalization::char::is_combining_mark;

/// One named series of values, in the order of the chart's periods or categories. A value
/// that is not a finite number, or whose magnitude is above 10^15, counts as missing.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

/// Okabe-Ito's colour-blind-safe colours that keep 3:1 contrast on white, then indigo, brown
/// and black.
const PALETTE: [&str; 7] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#332288", "#8C510A", "#000000",
];
/// The dash of a series' line, so lines differ without colour too.
const DASHES: [&str; 4] = ["", "7 4", "2 3", "9 3 2 3"];

const W: f64 = 480.0;
const PAD: f64 = 10.0;
const TITLE_SIZE: f64 = 15.0;
const SIZE: f64 = 12.0;
/// The average advance of a character, in ems: an estimate, for fitting labels.
const CHAR_EM: f64 = 0.6;
const PLOT_TOP: f64 = 44.0;
const PLOT_H: f64 = 200.0;
const PLOT_BOTTOM: f64 = PLOT_TOP + PLOT_H;
const MAX_ROTATED: usize = 16;
const MAX_LEGEND: usize = 28;
const MAX_VALUE: f64 = 1e15;
const FONT: &str = "'Noto Sans', 'Segoe UI', Roboto, Arial, sans-serif";
const TEXT: &str = "#222222";
const GRID: &str = "#D0D0D0";
const ZERO: &str = "#555555";
const NO_DATA: &str = "Chưa có số liệu / No data";

/// A line chart: one line per series over the periods `x_labels` (e.g. "2022" … "2026").
pub fn line_chart(title: &str, x_labels: &[String], series: &[Series]) -> String {
    chart(Kind::Line, title, x_labels, series)
}

/// A grouped bar chart: for each category (e.g. a province) one bar per series, side by side.
/// There are always categories × series bars (`<rect>`): a missing value is a bar of height
/// 0 whose tooltip says so.
pub fn bar_chart(title: &str, categories: &[String], series: &[Series]) -> String {
    chart(Kind::Bar, title, categories, series)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Line,
    Bar,
}

/// The input cleaned: texts in NFC with whitespace collapsed, values aligned with the labels.
struct Data {
    title: String,
    labels: Vec<String>,
    series: Vec<(String, Vec<Option<f64>>)>,
}

fn prepare(title: &str, labels: &[String], series: &[Series]) -> Data {
    let clean = khuyenhoc_domain::text::clean;
    let n = labels.len();
    Data {
        title: clean(title),
        labels: labels.iter().map(|l| clean(l)).collect(),
        series: series
            .iter()
            .map(|s| {
                let values = (0..n)
                    .map(|i| {
                        s.values
                            .get(i)
                            .copied()
                            .filter(|v| v.is_finite() && v.abs() <= MAX_VALUE)
                    })
                    .collect();
                (clean(&s.name), values)
            })
            .collect(),
    }
}

/// The text with the characters XML does not allow removed and `& < > " '` escaped.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// At most `max` letters (a letter with its combining marks counts once): longer texts are
/// cut and end with "…". Returns the text and whether it was cut.
fn truncate(s: &str, max: usize) -> (String, bool) {
    let letters = s.chars().filter(|c| !is_combining_mark(*c)).count();
    if letters <= max {
        return (s.to_owned(), false);
    }
    let keep = max.saturating_sub(1).max(1);
    let mut out = String::new();
    let mut seen = 0;
    for c in s.chars() {
        if !is_combining_mark(c) {
            if seen == keep {
                break;
            }
            seen += 1;
        }
        out.push(c);
    }
    let mut out = out.trim_end().to_owned();
    out.push('…');
    (out, true)
}

/// A number the Vietnamese way: dots between thousands, a decimal comma, at most `decimals`
/// decimals (trailing zeros dropped).
fn number(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "-".into();
    }
    let scale = 10f64.powi(i32::try_from(decimals).unwrap_or(0));
    let rounded = (v.abs() * scale).round();
    // Values are at most 10^15 (larger ones count as missing), so the whole part fits a u64
    // exactly; the fraction is below `scale`.
    let whole = (rounded / scale).trunc();
    let frac = (rounded - whole * scale).round() as u64;
    let digits = format!("{}", whole as u64);
    let mut out = String::new();
    if v < 0.0 && rounded > 0.0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(c);
    }
    if frac > 0 {
        let f = format!("{frac:0decimals$}");
        out.push(',');
        out.push_str(f.trim_end_matches('0'));
    }
    out
}

/// The value axis: from `min` to `max` (0 included) in `step`s.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Axis {
    min: f64,
    max: f64,
    step: f64,
}

impl Axis {
    /// Round gridlines: the smallest step of 1, 2, 2.5 or 5 times a power of ten that needs at
    /// most four intervals (so three to five gridlines); whole steps when all values are whole.
    fn new(lo: f64, hi: f64, whole: bool) -> Self {
        let (lo, hi) = (lo.min(0.0), hi.max(0.0));
        let span = (hi - lo).max(f64::MIN_POSITIVE);
        let raw = span / 4.0;
        let exp = raw.log10().floor() as i32;
        let mut fallback = Self {
            min: lo,
            max: hi,
            step: span,
        };
        for e in [exp, exp + 1, exp + 2] {
            for m in [1.0, 2.0, 2.5, 5.0] {
                let step = m * 10f64.powi(e);
                if step < raw * (1.0 - 1e-9) || (whole && (step.fract() > 1e-9 || step < 1.0)) {
                    continue;
                }
                // The tolerance keeps a bound that is a multiple of the step (0 above all)
                // from gaining an interval through rounding.
                let min = (lo / step + 1e-9).floor() * step;
                let max = (hi / step - 1e-9).ceil() * step;
                let axis = Self { min, max, step };
                if axis.intervals() <= 4 {
                    return axis;
                }
                fallback = axis;
            }
        }
        fallback
    }

    fn intervals(&self) -> usize {
        ((self.max - self.min) / self.step).round().max(1.0) as usize
    }

    fn ticks(&self) -> Vec<f64> {
        (0..=self.intervals())
            .map(|i| {
                let v = self.min + i as f64 * self.step;
                if v.abs() < self.step * 1e-6 {
                    0.0
                } else {
                    v
                }
            })
            .collect()
    }

    /// The decimals the tick labels need.
    fn decimals(&self) -> usize {
        (0..=6)
            .find(|d| {
                let x = self.step * 10f64.powi(*d);
                (x - x.round()).abs() < 1e-6
            })
            .unwrap_or(6) as usize
    }

    fn y(&self, v: f64) -> f64 {
        PLOT_BOTTOM - (v - self.min) / (self.max - self.min) * PLOT_H
    }
}

/// A stable id for the chart's title and description (several charts can share a page).
fn chart_id(kind: Kind, d: &Data) -> String {
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

fn open_svg(out: &mut String, id: &str, h: f64, title: &str, desc: &str) {
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

fn no_data(kind: Kind, d: &Data) -> String {
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
fn describe(kind: Kind, d: &Data, lo: f64, hi: f64) -> String {
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
struct Frame {
    /// The plot's left edge (the tick values stand to its left).
    left: f64,
    /// The width given to each category or period.
    slot: f64,
    /// Labels level (true) or slanted at 45°.
    level: bool,
    /// The most letters a label shows.
    max_chars: usize,
    /// Every how many labels one is shown (slanted labels only).
    every: usize,
    /// The height the labels take under the plot.
    label_h: f64,
}

impl Frame {
    fn new(d: &Data, tick_chars: usize) -> Self {
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
    fn cx(&self, i: usize) -> f64 {
        self.left + self.slot * (i as f64 + 0.5)
    }
}

/// A legend entry: the series, where it goes, its shown name and its full name when cut.
struct Item<'a> {
    series: usize,
    x: f64,
    y: f64,
    shown: String,
    full: Option<&'a str>,
}

/// The legend entries flowed into rows from `top`; returns them and the bottom of the last row.
fn legend_items(d: &Data, top: f64) -> (Vec<Item<'_>>, f64) {
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

fn chart(kind: Kind, title: &str, labels: &[String], series: &[Series]) -> String {
    let d = prepare(title, labels, series);
    let values: Vec<f64> = d
        .series
        .iter()
        .flat_map(|(_, v)| v.iter().flatten().copied())
        .collect();
    if values.iter().all(|v| *v == 0.0) {
        return no_data(kind, &d);
    }
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let axis = Axis::new(lo, hi, values.iter().all(|v| v.fract() == 0.0));
    let decimals = axis.decimals();
    let ticks: Vec<(f64, String)> = axis
        .ticks()
        .into_iter()
        .map(|t| (t, number(t, decimals)))
        .collect();
    let tick_chars = ticks.iter().map(|(_, s)| s.len()).max().unwrap_or(1);
    let frame = Frame::new(&d, tick_chars);
    let (items, bottom) = legend_items(&d, PLOT_BOTTOM + frame.label_h + 12.0);

    let mut out = String::new();
    let id = chart_id(kind, &d);
    let desc = describe(kind, &d, lo, hi);
    open_svg(&mut out, &id, bottom + 4.0, &d.title, &desc);
    gridlines(&mut out, &axis, &ticks, frame.left);
    category_labels(&mut out, &d, &frame);
    match kind {
        Kind::Bar => bars(&mut out, &d, &axis, &frame),
        Kind::Line => lines(&mut out, &d, &axis, &frame),
    }
    legend(&mut out, kind, &items);
    out.push_str("</svg>");
    out
}

/// Gridlines and their values; the zero line darker.
fn gridlines(out: &mut String, axis: &Axis, ticks: &[(f64, String)], left: f64) {
    out.push_str(r#"<g class="axis">"#);
    for (t, label) in ticks {
        let y = axis.y(*t);
        let (stroke, width) = if *t == 0.0 { (ZERO, 1.2) } else { (GRID, 1.0) };
        let _ = write!(
            out,
            r#"<line x1="{left:.1}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{stroke}" stroke-width="{width}"/><text x="{:.1}" y="{:.1}" text-anchor="end">{label}</text>"#,
            W - PAD,
            left - 6.0,
            y + 4.0,
        );
    }
    out.push_str("</g>");
}

/// The category or period names under the plot; a cut name keeps its full text in a title.
fn category_labels(out: &mut String, d: &Data, frame: &Frame) {
    out.push_str(r#"<g class="labels">"#);
    let y = PLOT_BOTTOM + SIZE + 6.0;
    for (i, label) in d.labels.iter().enumerate() {
        if i % frame.every != 0 {
            continue;
        }
        let (shown, cut) = truncate(label, frame.max_chars);
        out.push_str("<g>");
        if cut {
            let _ = write!(out, "<title>{}</title>", esc(label));
        }
        if frame.level {
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{y:.1}" text-anchor="middle">{}</text>"#,
                frame.cx(i),
                esc(&shown)
            );
        } else {
            let _ = write!(
                out,
                r#"<text x="{x:.1}" y="{y:.1}" text-anchor="end" transform="rotate(-45 {x:.1} {y:.1})">{}</text>"#,
                esc(&shown),
                x = frame.cx(i) + 4.0,
            );
        }
        out.push_str("</g>");
    }
    out.push_str("</g>");
}

/// The legend: a swatch (a line segment with the series' dash for a line chart) and the name.
fn legend(out: &mut String, kind: Kind, items: &[Item<'_>]) {
    out.push_str(r#"<g class="legend">"#);
    for item in items {
        let (x, y) = (item.x, item.y);
        let color = PALETTE[item.series % PALETTE.len()];
        out.push_str("<g>");
        if let Some(full) = item.full {
            let _ = write!(out, "<title>{}</title>", esc(full));
        }
        match kind {
            Kind::Bar => {
                let _ = write!(
                    out,
                    r#"<path d="M{x:.1} {:.1}h12v12h-12z" fill="{color}"/>"#,
                    y - 10.0
                );
            }
            Kind::Line => {
                let _ = write!(
                    out,
                    r#"<line x1="{x:.1}" y1="{y1:.1}" x2="{:.1}" y2="{y1:.1}" stroke="{color}" stroke-width="2.5"{}/>"#,
                    x + 16.0,
                    dash(item.series),
                    y1 = y - 4.0,
                );
            }
        }
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{y:.1}">{}</text></g>"#,
            x + 20.0,
            esc(&item.shown)
        );
    }
    out.push_str("</g>");
}

/// The stroke-dasharray attribute of series `i` (none for the first).
fn dash(i: usize) -> String {
    match DASHES[(i / PALETTE.len() + i) % DASHES.len()] {
        "" => String::new(),
        d => format!(r#" stroke-dasharray="{d}""#),
    }
}

/// One bar per category and series, from the zero line up (or down for a negative value).
fn bars(out: &mut String, d: &Data, axis: &Axis, frame: &Frame) {
    let (left, slot) = (frame.left, frame.slot);
    let k = d.series.len().max(1) as f64;
    let group = slot * 0.8;
    let bar = group / k;
    let gap = if bar > 4.0 { 1.0 } else { 0.0 };
    let zero = axis.y(0.0);
    out.push_str(r#"<g class="bars">"#);
    for (c, label) in d.labels.iter().enumerate() {
        for (s, (name, values)) in d.series.iter().enumerate() {
            let x = left + slot * c as f64 + slot * 0.1 + bar * s as f64;
            let v = values.get(c).copied().flatten();
            let (y, h) = v.map_or((zero, 0.0), |v| {
                let y = axis.y(v);
                (y.min(zero), (y - zero).abs())
            });
            let said = v.map_or_else(|| "chưa có số liệu".to_owned(), |v| number(v, 2));
            let _ = write!(
                out,
                r#"<rect x="{x:.2}" y="{y:.2}" width="{:.2}" height="{h:.2}" fill="{}"><title>{} - {}: {}</title></rect>"#,
                (bar - gap).max(0.5),
                PALETTE[s % PALETTE.len()],
                esc(name),
                esc(label),
                esc(&said)
            );
        }
    }
    out.push_str("</g>");
}

/// One path per series (broken where a value is missing) with a dot on every value.
fn lines(out: &mut String, d: &Data, axis: &Axis, frame: &Frame) {
    let cx = |i: usize| frame.cx(i);
    out.push_str(r#"<g class="lines">"#);
    for (s, (name, values)) in d.series.iter().enumerate() {
        let color = PALETTE[s % PALETTE.len()];
        let mut path = String::new();
        let mut pen_down = false;
        for (i, v) in values.iter().enumerate() {
            match v {
                Some(v) => {
                    let cmd = if pen_down { 'L' } else { 'M' };
                    let _ = write!(path, "{cmd}{:.1} {:.1}", cx(i), axis.y(*v));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let _ = write!(
            out,
            r#"<path d="{path}" fill="none" stroke="{color}" stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round"{}><title>{}</title></path>"#,
            dash(s),
            esc(name)
        );
        for (i, v) in values.iter().enumerate() {
            if let Some(v) = v {
                let label = d.labels.get(i).map_or("", String::as_str);
                let _ = write!(
                    out,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{color}"><title>{} - {}: {}</title></circle>"#,
                    cx(i),
                    axis.y(*v),
                    esc(name),
                    esc(label),
                    number(*v, 2)
                );
            }
        }
    }
    out.push_str("</g>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_vietnamese_way() {
        assert_eq!(number(0.0, 0), "0");
        assert_eq!(number(1_234_567.0, 0), "1.234.567");
        assert_eq!(number(-1500.0, 2), "-1.500");
        assert_eq!(number(2.5, 2), "2,5");
        assert_eq!(number(1234.567, 2), "1.234,57");
        assert_eq!(number(-0.001, 2), "0");
        assert_eq!(number(1e15, 0), "1.000.000.000.000.000");
    }

    #[test]
    fn axes_are_round_and_include_zero() {
        for (lo, hi, whole) in [
            (3.0, 97.0, true),
            (0.0, 123.0, true),
            (-30.0, 100.0, true),
            (-1.0, 99.0, true),
            (0.2, 0.7, false),
            (1.0, 2.0, true),
            (-5_000.0, -100.0, true),
            (12_345.0, 1_234_567_890.0, true),
        ] {
            let a = Axis::new(lo, hi, whole);
            let ticks = a.ticks();
            assert!(
                a.min <= lo.min(0.0) && a.max >= hi.max(0.0),
                "{lo} {hi}: {a:?}"
            );
            assert!(ticks.contains(&0.0), "{lo} {hi}: {ticks:?}");
            assert!((3..=5).contains(&ticks.len()) || hi <= 2.0, "{ticks:?}");
            let m = a.step / 10f64.powf(a.step.log10().floor());
            assert!(
                [1.0, 2.0, 2.5, 5.0].iter().any(|x| (x - m).abs() < 1e-9),
                "{a:?}"
            );
            if whole {
                assert_eq!(a.step.fract(), 0.0, "{a:?}");
            }
        }
        let a = Axis::new(0.0, 100.0, true);
        assert_eq!(a.ticks(), [0.0, 25.0, 50.0, 75.0, 100.0]);
    }

    #[test]
    fn long_labels_are_cut_without_splitting_letters() {
        assert_eq!(truncate("Hà Nội", 10), ("Hà Nội".into(), false));
        let (cut, was) = truncate("Thành phố Hồ Chí Minh", 8);
        assert!(was);
        assert_eq!(cut, "Thành p…");
        // A decomposed letter keeps its mark.
        let (cut, _) = truncate("Nghe\u{302}\u{301} An xa", 5);
        assert_eq!(cut, "Nghe\u{302}\u{301}…");
    }

    #[test]
    fn palette_has_contrast_on_white() {
        fn lum(hex: &str) -> f64 {
            let v = u32::from_str_radix(&hex[1..], 16).expect("hex");
            let ch = |shift: u32| {
                let c = f64::from((v >> shift) & 0xFF) / 255.0;
                if c <= 0.039_28 {
                    c / 12.92
                } else {
                    ((c + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * ch(16) + 0.7152 * ch(8) + 0.0722 * ch(0)
        }
        for c in PALETTE {
            let ratio = 1.05 / (lum(c) + 0.05);
            assert!(ratio >= 3.0, "{c}: {ratio}");
        }
    }

    #[test]
    fn escaping_drops_what_xml_forbids() {
        assert_eq!(
            esc("A & B <C> \"d\" 'e'\u{1}"),
            "A &amp; B &lt;C&gt; &quot;d&quot; &#39;e&#39;"
        );
    }
}
