//! The small amount of layout both PDFs need: the two embedded fonts, shaping with rustybuzz
//! (so widths are known before drawing), greedy line wrapping, shrink-to-fit, and drawing of
//! text, lines and rectangles on a krilla surface. Coordinates are PDF points with the origin at
//! the top-left corner of the page and y growing downwards (krilla's convention); a text's `y`
//! is its baseline.

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect, Transform};
use krilla::num::NormalizedF32;
use krilla::paint::{Fill, LineCap, Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use rustybuzz::{Direction, UnicodeBuffer};
use unicode_normalization::char::is_combining_mark;

use crate::DocError;

/// Noto Sans (SIL Open Font License 1.1, see `assets/fonts/OFL.txt`): full Vietnamese coverage.
static REGULAR: &[u8] = include_bytes!("../../../assets/fonts/NotoSans-Regular.ttf");
static BOLD: &[u8] = include_bytes!("../../../assets/fonts/NotoSans-Bold.ttf");

/// A4 in points.
pub(crate) const A4_SHORT: f32 = 595.28;
pub(crate) const A4_LONG: f32 = 841.89;

/// A colour from its 0xRRGGBB value.
pub(crate) fn hex(c: u32) -> rgb::Color {
    let [_, r, g, b] = c.to_be_bytes();
    rgb::Color::new(r, g, b)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Weight {
    Regular,
    Bold,
}

/// One font: the krilla handle that embeds it and the rustybuzz face that shapes with it.
struct Face {
    pdf: Font,
    shaper: rustybuzz::Face<'static>,
    units_per_em: f32,
}

impl Face {
    fn load(data: &'static [u8]) -> Result<Self, DocError> {
        let bad = || DocError::Pdf("the embedded font could not be read".into());
        let pdf = Font::new(data.into(), 0).ok_or_else(bad)?;
        let shaper = rustybuzz::Face::from_slice(data, 0).ok_or_else(bad)?;
        let units_per_em = pdf.units_per_em().max(1.0);
        Ok(Self {
            pdf,
            shaper,
            units_per_em,
        })
    }
}

/// A run of text shaped with one font: glyphs with advances normalised to the em, and the text
/// they came from (krilla writes it into the PDF so the text can be copied and searched).
pub(crate) struct Shaped {
    glyphs: Vec<KrillaGlyph>,
    text: String,
    weight: Weight,
    /// Sum of the advances, in ems.
    advance: f32,
}

impl Shaped {
    pub(crate) fn width(&self, size: f32) -> f32 {
        self.advance * size
    }
}

pub(crate) struct Fonts {
    regular: Face,
    bold: Face,
}

impl Fonts {
    pub(crate) fn load() -> Result<Self, DocError> {
        Ok(Self {
            regular: Face::load(REGULAR)?,
            bold: Face::load(BOLD)?,
        })
    }

    fn face(&self, weight: Weight) -> &Face {
        match weight {
            Weight::Regular => &self.regular,
            Weight::Bold => &self.bold,
        }
    }

    /// Shapes one line of left-to-right text (all our text is Vietnamese or ASCII).
    pub(crate) fn shape(&self, weight: Weight, text: &str) -> Shaped {
        let face = self.face(weight);
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        buffer.set_direction(Direction::LeftToRight);
        let output = rustybuzz::shape(&face.shaper, &[], buffer);
        let infos = output.glyph_infos();
        let positions = output.glyph_positions();
        let em = face.units_per_em;
        let mut glyphs = Vec::with_capacity(infos.len());
        let mut advance = 0.0;
        for (i, (info, pos)) in infos.iter().zip(positions).enumerate() {
            let start = info.cluster as usize;
            // The cluster ends where the next cluster starts (left-to-right, so clusters grow).
            let end = infos[i..]
                .iter()
                .map(|next| next.cluster as usize)
                .find(|&c| c != start)
                .unwrap_or(text.len());
            let x_advance = pos.x_advance as f32 / em;
            advance += x_advance;
            glyphs.push(KrillaGlyph::new(
                GlyphId::new(info.glyph_id),
                x_advance,
                pos.x_offset as f32 / em,
                pos.y_offset as f32 / em,
                pos.y_advance as f32 / em,
                start..end,
                None,
            ));
        }
        Shaped {
            glyphs,
            text: text.to_owned(),
            weight,
            advance,
        }
    }

    pub(crate) fn width(&self, weight: Weight, text: &str, size: f32) -> f32 {
        self.shape(weight, text).width(size)
    }

    /// The largest size from `max` down to `min` (in steps of 0.5 pt) at which `text` fits in
    /// `width`; `min` when nothing fits.
    pub(crate) fn fit_size(
        &self,
        weight: Weight,
        text: &str,
        max: f32,
        min: f32,
        width: f32,
    ) -> f32 {
        let em = self.shape(weight, text).advance;
        if em <= 0.0 {
            return max;
        }
        let fitting = (width / em * 2.0).floor() / 2.0;
        fitting.clamp(min, max)
    }

    /// The size at which `text` fits on one line of `width` (see [`Self::fit_size`]), and the
    /// text wrapped at that size: long texts first shrink to `min`, then wrap.
    pub(crate) fn fit_lines(
        &self,
        weight: Weight,
        text: &str,
        max: f32,
        min: f32,
        width: f32,
    ) -> (f32, Vec<String>) {
        let size = self.fit_size(weight, text, max, min, width);
        (size, self.wrap(weight, text, size, width))
    }

    /// Greedy wrapping at spaces; a word longer than the line (a URL, say) is cut between
    /// characters, never between a letter and its combining mark.
    pub(crate) fn wrap(&self, weight: Weight, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if self.width(weight, &candidate, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if self.width(weight, word, size) <= width {
                line = word.to_owned();
                continue;
            }
            // The word alone is too long: cut it.
            for c in word.chars() {
                let mut next = line.clone();
                next.push(c);
                if !line.is_empty()
                    && !is_combining_mark(c)
                    && self.width(weight, &next, size) > width
                {
                    lines.push(std::mem::take(&mut line));
                    line.push(c);
                } else {
                    line = next;
                }
            }
        }
        if !line.is_empty() {
            lines.push(line);
        }
        lines
    }
}

fn fill(color: rgb::Color) -> Fill {
    Fill {
        paint: color.into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

/// Where a text is anchored horizontally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Center,
    /// `x` is the right edge (figures in a table column).
    Right,
}

/// The slant of the synthetic italic: the embedded fonts have no italic face, so italic text
/// is drawn with the upright glyphs sheared by this much (about 12°), as word processors do.
const OBLIQUE_SHEAR: f32 = 0.21;

/// How a text is drawn: font weight, size in points, colour, alignment, and whether it is
/// slanted (a synthetic italic, see [`OBLIQUE_SHEAR`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Style {
    pub(crate) weight: Weight,
    pub(crate) size: f32,
    pub(crate) color: rgb::Color,
    pub(crate) align: Align,
    pub(crate) oblique: bool,
}

impl Style {
    pub(crate) fn regular(size: f32, color: rgb::Color) -> Self {
        Self {
            weight: Weight::Regular,
            size,
            color,
            align: Align::Left,
            oblique: false,
        }
    }

    pub(crate) fn bold(size: f32, color: rgb::Color) -> Self {
        Self {
            weight: Weight::Bold,
            ..Self::regular(size, color)
        }
    }

    pub(crate) fn center(self) -> Self {
        Self {
            align: Align::Center,
            ..self
        }
    }

    pub(crate) fn right(self) -> Self {
        Self {
            align: Align::Right,
            ..self
        }
    }

    pub(crate) fn italic(self) -> Self {
        Self {
            oblique: true,
            ..self
        }
    }
}

/// Drawing on one page.
pub(crate) struct Pen<'a, 'b> {
    pub(crate) surface: &'a mut Surface<'b>,
    pub(crate) fonts: &'a Fonts,
}

impl Pen<'_, '_> {
    pub(crate) fn shaped(&mut self, x: f32, y: f32, size: f32, color: rgb::Color, run: &Shaped) {
        self.surface.set_stroke(None);
        self.surface.set_fill(Some(fill(color)));
        let font = self.fonts.face(run.weight).pdf.clone();
        self.surface.draw_glyphs(
            Point::from_xy(x, y),
            &run.glyphs,
            font,
            &run.text,
            size,
            false,
        );
    }

    /// Draws a shaped run with its left end at `x`, slanted when the style says so (a shear
    /// about the baseline, so the run keeps its place and width on the line).
    fn styled(&mut self, style: Style, x: f32, y: f32, run: &Shaped) {
        if style.oblique {
            // y grows downwards: a point above the baseline (smaller y) moves right.
            let k = -OBLIQUE_SHEAR;
            self.surface
                .push_transform(&Transform::from_row(1.0, 0.0, k, 1.0, -k * y, 0.0));
            self.shaped(x, y, style.size, style.color, run);
            self.surface.pop();
        } else {
            self.shaped(x, y, style.size, style.color, run);
        }
    }

    /// Draws one line of text; `x` is its left edge, its centre for a centred style, its
    /// right edge for a right-aligned one. Returns the width drawn.
    pub(crate) fn text(&mut self, style: Style, x: f32, y: f32, text: &str) -> f32 {
        let run = self.fonts.shape(style.weight, text);
        let w = run.width(style.size);
        let left = match style.align {
            Align::Left => x,
            Align::Center => x - w / 2.0,
            Align::Right => x - w,
        };
        self.styled(style, left, y, &run);
        w
    }

    /// Draws one line from `x` stretched to `width` by widening its spaces (a justified line
    /// of a paragraph). A line without spaces, or one already as wide, is drawn as it is.
    pub(crate) fn justified(&mut self, style: Style, x: f32, y: f32, width: f32, text: &str) {
        let mut run = self.fonts.shape(style.weight, text);
        let extra = width - run.width(style.size);
        let spaces: Vec<usize> = run
            .glyphs
            .iter()
            .enumerate()
            .filter(|(_, g)| text.get(g.text_range.clone()) == Some(" "))
            .map(|(i, _)| i)
            .collect();
        if extra > 0.0 && !spaces.is_empty() && style.size > 0.0 {
            let per_space = extra / spaces.len() as f32 / style.size;
            for i in spaces {
                if let Some(g) = run.glyphs.get_mut(i) {
                    g.x_advance += per_space;
                }
            }
        }
        self.styled(style, x, y, &run);
    }

    /// Draws lines `leading` apart, the first baseline at `y`; returns the baseline after the
    /// last.
    pub(crate) fn lines(
        &mut self,
        style: Style,
        leading: f32,
        x: f32,
        mut y: f32,
        lines: &[String],
    ) -> f32 {
        for line in lines {
            self.text(style, x, y, line);
            y += leading;
        }
        y
    }

    pub(crate) fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: rgb::Color) {
        let Some(rect) = Rect::from_xywh(x, y, w, h) else {
            return;
        };
        let mut pb = PathBuilder::new();
        pb.push_rect(rect);
        if let Some(path) = pb.finish() {
            self.surface.set_stroke(None);
            self.surface.set_fill(Some(fill(color)));
            self.surface.draw_path(&path);
        }
    }

    pub(crate) fn stroke_rect(
        &mut self,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        width: f32,
        color: rgb::Color,
    ) {
        let Some(rect) = Rect::from_xywh(x, y, w, h) else {
            return;
        };
        let mut pb = PathBuilder::new();
        pb.push_rect(rect);
        if let Some(path) = pb.finish() {
            self.stroke_path(&path, width, color, None);
        }
    }

    /// A straight line; `dotted` draws it as round dots (the leaders of a paper form).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn line(
        &mut self,
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        color: rgb::Color,
        dotted: bool,
    ) {
        let mut pb = PathBuilder::new();
        pb.move_to(x1, y1);
        pb.line_to(x2, y2);
        if let Some(path) = pb.finish() {
            let dash = dotted.then(|| StrokeDash {
                array: vec![0.0, 2.6],
                offset: 0.0,
            });
            self.stroke_path(&path, width, color, dash);
        }
    }

    fn stroke_path(
        &mut self,
        path: &krilla::geom::Path,
        width: f32,
        color: rgb::Color,
        dash: Option<StrokeDash>,
    ) {
        let round = dash.is_some();
        self.surface.set_fill(None);
        self.surface.set_stroke(Some(Stroke {
            paint: color.into(),
            width,
            line_cap: if round { LineCap::Round } else { LineCap::Butt },
            dash,
            ..Stroke::default()
        }));
        self.surface.draw_path(path);
        self.surface.set_stroke(None);
    }

    /// Fills a prepared path (the QR code's modules) in one operation.
    pub(crate) fn fill_path(&mut self, path: &krilla::geom::Path, color: rgb::Color) {
        self.surface.set_stroke(None);
        self.surface.set_fill(Some(fill(color)));
        self.surface.draw_path(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shaping_measures_and_wraps() {
        let fonts = Fonts::load().expect("fonts");
        let w1 = fonts.width(Weight::Regular, "Nguyễn", 10.0);
        let w2 = fonts.width(Weight::Regular, "Nguyễn", 20.0);
        assert!(w1 > 10.0 && (w2 - 2.0 * w1).abs() < 0.01, "{w1} {w2}");
        let text = "Tham gia ít nhất một lớp học, câu lạc bộ hoặc sinh hoạt chuyên đề do chi hội tổ chức trong năm";
        let lines = fonts.wrap(Weight::Regular, text, 10.0, 120.0);
        assert!(lines.len() > 2);
        assert_eq!(lines.join(" "), text);
        for l in &lines {
            assert!(fonts.width(Weight::Regular, l, 10.0) <= 120.0, "{l}");
        }
        let url = "https://khuyenhoc.example.vn/xac-minh/0123456789abcdef0123456789abcdef";
        let cut = fonts.wrap(Weight::Regular, url, 10.0, 100.0);
        assert!(cut.len() > 1);
        assert_eq!(cut.concat(), url);
    }

    #[test]
    fn fit_size_shrinks_long_text() {
        let fonts = Fonts::load().expect("fonts");
        let long = "Nguyễn Thị Phương Thảo Hoàng Lê Bảo Ngọc Trâm Anh Quỳnh Như";
        let size = fonts.fit_size(Weight::Bold, long, 28.0, 12.0, 500.0);
        assert!(size < 28.0 && size > 12.0, "{size}");
        assert!(fonts.width(Weight::Bold, long, size) <= 500.0);
        assert_eq!(fonts.fit_size(Weight::Bold, long, 28.0, 12.0, 50.0), 12.0);
        assert_eq!(fonts.fit_size(Weight::Bold, "An", 28.0, 12.0, 400.0), 28.0);
    }
}
