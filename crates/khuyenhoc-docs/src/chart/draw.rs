//! The marks of a chart: gridlines with their values, category labels (level or slanted),
//! bars, lines with their points, the legend.

use std::fmt::Write as _;

use super::axis::Axis;
use super::frame::{Frame, Item};
use super::text::{esc, number, truncate};
use super::*;

/// Okabe-Ito's colour-blind-safe colours that keep 3:1 contrast on white, then indigo, brown
/// and black.
const PALETTE: [&str; 7] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#332288", "#8C510A", "#000000",
];
/// The dash of a series' line, so lines differ without colour too.
const DASHES: [&str; 4] = ["", "7 4", "2 3", "9 3 2 3"];

/// Gridlines and their values; the zero line darker.
pub(super) fn gridlines(out: &mut String, axis: &Axis, ticks: &[(f64, String)], left: f64) {
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
pub(super) fn category_labels(out: &mut String, d: &Data, frame: &Frame) {
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
pub(super) fn legend(out: &mut String, kind: Kind, items: &[Item<'_>]) {
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
pub(super) fn dash(i: usize) -> String {
    match DASHES[(i / PALETTE.len() + i) % DASHES.len()] {
        "" => String::new(),
        d => format!(r#" stroke-dasharray="{d}""#),
    }
}

/// One bar per category and series, from the zero line up (or down for a negative value).
pub(super) fn bars(out: &mut String, d: &Data, axis: &Axis, frame: &Frame) {
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
pub(super) fn lines(out: &mut String, d: &Data, axis: &Axis, frame: &Frame) {
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
}
