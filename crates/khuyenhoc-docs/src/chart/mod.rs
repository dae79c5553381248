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
//!
//! One file per step: `text` (escaping, cutting, numbers written the Vietnamese way), `axis`
//! (round gridlines), `frame` (the SVG's opening and description, where the plot, the labels
//! and the legend go), `draw` (gridlines, labels, bars, lines, legend).

mod axis;
mod draw;
mod frame;
mod text;

use axis::Axis;
use draw::{bars, category_labels, gridlines, legend, lines};
use frame::{chart_id, describe, legend_items, no_data, open_svg, Frame};
use text::number;

/// One named series of values, in the order of the chart's periods or categories. A value
/// that is not a finite number, or whose magnitude is above 10^15, counts as missing.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

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
