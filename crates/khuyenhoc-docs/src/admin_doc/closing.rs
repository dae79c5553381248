//! The closing block: "Nơi nhận:" with its lines at the left, the signature block at the
//! right, kept together on one page with some of the text before it.

use super::clean::Clean;
use super::flow::{ink, Flow, Op};
use super::measures::*;
use crate::layout::{Style, Weight};

impl Flow<'_> {
    /// "Nơi nhận:" and its lines at the left, the signature block at the right, on one page.
    pub(super) fn closing(&mut self, c: &Clean) {
        let fonts = self.fonts;
        let ink = ink();
        let to: Vec<String> = c
            .recipients
            .iter()
            .flat_map(|r| fonts.wrap(Weight::Regular, r, TO_ITEM_SIZE, HEAD_LEFT_W - 4.0))
            .collect();
        let col = HEAD_RIGHT_W - 8.0;
        let mut head: Vec<String> = Vec::new();
        for text in c.capacity.iter().chain([&c.signer_title]) {
            head.extend(fonts.wrap(Weight::Bold, text, SIGN_SIZE, col));
        }
        let (name_size, name) = fonts.fit_lines(Weight::Bold, &c.signer_name, SIGN_SIZE, 10.5, col);
        let left_h = TO_LEADING * (to.len() + 1) as f32;
        let right_h =
            SIGN_LEADING * head.len() as f32 + SIGN_ROOM + SIGN_LEADING * name.len() as f32;
        self.y += 6.0;
        // Kept together; only a list of recipients longer than a page goes on overleaf.
        let h = left_h.min(BOTTOM - TOP - SIGN_SIZE).max(right_h) + 6.0;
        if self.y + h > BOTTOM && !self.at_top() {
            self.carry_over();
            self.y += 6.0;
        }
        let top = self.y + SIGN_SIZE;
        self.text(Style::bold(TO_SIZE, ink).italic(), LEFT, top, "Nơi nhận:");
        let last = self.centred(
            Style::bold(SIGN_SIZE, ink),
            SIGN_LEADING,
            HEAD_RIGHT_X,
            top,
            &head,
        );
        let end = self.centred(
            Style::bold(name_size, ink),
            SIGN_LEADING,
            HEAD_RIGHT_X,
            last + SIGN_ROOM,
            &name,
        );
        let (mut base, mut overleaf) = (top, false);
        for line in &to {
            base += TO_LEADING;
            if base > BOTTOM {
                self.new_page();
                base = TOP + TO_ITEM_SIZE;
                overleaf = true;
            }
            self.text(Style::regular(TO_ITEM_SIZE, ink), LEFT, base, line);
        }
        self.y = if overleaf { base } else { base.max(end) } + 4.0;
    }

    /// Starts a new page for the closing block and takes the end of the paragraph before it
    /// along, so the signature never stands on a page without text: two lines of a paragraph
    /// that has four or more on the page, one of three; a shorter one goes whole, with its
    /// heading when that is just above it. Something always stays behind.
    pub(super) fn carry_over(&mut self) {
        let last = self.pages.len() - 1;
        let moved = match self.tail.take() {
            Some(t) if t.page == last => {
                let ops = &mut self.pages[last];
                let len = ops.len();
                let from = match len - t.start {
                    4.. => len - 2,
                    3 => len - 1,
                    _ if t.whole => t.heading.unwrap_or(t.start),
                    _ => t.start,
                };
                if from > 0 {
                    ops.split_off(from)
                } else {
                    Vec::new()
                }
            }
            _ => Vec::new(),
        };
        self.new_page();
        let baselines = moved.iter().filter_map(|op| match op {
            Op::Text { y, .. } | Op::Justified { y, .. } => Some(*y),
            _ => None,
        });
        let (first, end) = baselines.fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), y| {
            (a.min(y), b.max(y))
        });
        if moved.is_empty() || !first.is_finite() {
            return;
        }
        let dy = TOP + BODY_SIZE - first;
        for mut op in moved {
            if let Op::Text { y, .. } | Op::Justified { y, .. } = &mut op {
                *y += dy;
            }
            self.push(op);
        }
        self.y = end + dy - BODY_SIZE + BODY_LEADING + PARA_GAP;
    }
}
