//! The header of the first page: the issuer and the number at the left, the national name, the
//! motto and the place and date at the right, then the kind of document and its summary.

use super::clean::Clean;
use super::flow::{ink, Flow};
use super::measures::*;
use crate::layout::{Fonts, Style, Weight};

impl Flow<'_> {
    /// The header of the first page, the title and the summary.
    pub(super) fn head(&mut self, c: &Clean) {
        let first = TOP + HEAD_SIZE;
        let left_rule = self.issuer(c, first);
        let right_rule = self.nation(first);
        // The number on the left and the place and date on the right, on one line.
        let end = self.number_and_date(c, left_rule.max(right_rule) + 21.0);
        self.title(c, end + 36.0);
    }

    /// Left: the parent body, the issuer with a short rule under it; returns the rule's `y`.
    fn issuer(&mut self, c: &Clean, first: f32) -> f32 {
        let fonts = self.fonts;
        let ink = ink();
        // Narrower than the column, so a long name keeps clear of the national name.
        let col = HEAD_LEFT_W - 16.0;
        let mut y = first;
        if let Some(parent) = &c.parent {
            let (size, lines) = fonts.fit_lines(Weight::Regular, parent, HEAD_SIZE, 10.5, col);
            y = self.centred(
                Style::regular(size, ink),
                HEAD_LEADING,
                HEAD_LEFT_X,
                y,
                &lines,
            ) + HEAD_LEADING;
        }
        let (size, lines) = fonts.fit_lines(Weight::Bold, &c.issuer, HEAD_SIZE, 10.5, col);
        let last = self.centred(Style::bold(size, ink), HEAD_LEADING, HEAD_LEFT_X, y, &lines);
        let widest = lines
            .iter()
            .map(|l| fonts.width(Weight::Bold, l, size))
            .fold(0.0, f32::max);
        let half = (widest * 0.4).clamp(20.0, col / 2.0) / 2.0;
        let left_rule = last + 6.0;
        self.line(HEAD_LEFT_X - half, left_rule, HEAD_LEFT_X + half, left_rule);
        left_rule
    }

    /// Right: the national name and the motto with a rule as long as the motto; returns the
    /// rule's `y`.
    fn nation(&mut self, first: f32) -> f32 {
        let fonts = self.fonts;
        let ink = ink();
        let nation = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM";
        let size = fonts.fit_size(Weight::Bold, nation, NATION_SIZE, 9.0, HEAD_RIGHT_W - 4.0);
        self.text(Style::bold(size, ink).center(), HEAD_RIGHT_X, first, nation);
        let motto = "Độc lập - Tự do - Hạnh phúc";
        let motto_y = first + HEAD_LEADING + 1.5;
        self.text(
            Style::bold(MOTTO_SIZE, ink).center(),
            HEAD_RIGHT_X,
            motto_y,
            motto,
        );
        let half = fonts.width(Weight::Bold, motto, MOTTO_SIZE) / 2.0;
        let right_rule = motto_y + 6.0;
        self.line(
            HEAD_RIGHT_X - half,
            right_rule,
            HEAD_RIGHT_X + half,
            right_rule,
        );
        right_rule
    }

    /// The number under the issuer, the place and date under the motto, from the baseline
    /// `base`; returns the lower of their last baselines.
    fn number_and_date(&mut self, c: &Clean, base: f32) -> f32 {
        let fonts = self.fonts;
        let ink = ink();
        let (size, lines) =
            fonts.fit_lines(Weight::Regular, &c.number, NUMBER_SIZE, 10.0, HEAD_LEFT_W);
        let number_end = self.centred(
            Style::regular(size, ink),
            size + 3.0,
            HEAD_LEFT_X,
            base,
            &lines,
        );
        let col = HEAD_RIGHT_W - 4.0;
        let (size, lines) = fonts.fit_lines(Weight::Regular, &c.place_date, DATE_SIZE, 10.5, col);
        let date_end = self.centred(
            Style::regular(size, ink).italic(),
            size + 3.0,
            HEAD_RIGHT_X,
            base,
            &lines,
        );
        number_end.max(date_end)
    }

    /// The kind of document and the summary, centred from `title_y`, with a short rule under
    /// them; the body starts below.
    fn title(&mut self, c: &Clean, title_y: f32) {
        let fonts = self.fonts;
        let ink = ink();
        let lines = fonts.wrap(Weight::Bold, &c.title, TITLE_SIZE, TEXT_W);
        let mut last = self.centred(
            Style::bold(TITLE_SIZE, ink),
            TITLE_SIZE + 4.0,
            MID,
            title_y,
            &lines,
        );
        if let Some(subtitle) = &c.subtitle {
            let lines = balanced(fonts, subtitle, SUBTITLE_SIZE, TEXT_W * 0.85);
            last = self.centred(
                Style::bold(SUBTITLE_SIZE, ink),
                SUBTITLE_LEADING,
                MID,
                last + SUBTITLE_LEADING + 2.0,
                &lines,
            );
        }
        let rule = last + 9.0;
        self.line(MID - 45.0, rule, MID + 45.0, rule);
        self.y = rule + 18.0;
    }
}

/// Bold centred text wrapped into as few lines as at `width`, but with lines of even length
/// (the narrowest width that needs no more lines), as a summary line is set by hand.
fn balanced(fonts: &Fonts, text: &str, size: f32, width: f32) -> Vec<String> {
    let lines = fonts.wrap(Weight::Bold, text, size, width);
    if lines.len() < 2 {
        return lines;
    }
    let (mut lo, mut hi) = (width / 2.0, width);
    for _ in 0..12 {
        let mid = (lo + hi) / 2.0;
        if fonts.wrap(Weight::Bold, text, size, mid).len() > lines.len() {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    fonts.wrap(Weight::Bold, text, size, hi)
}
