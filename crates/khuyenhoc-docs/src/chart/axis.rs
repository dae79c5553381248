//! The value axis: a few round gridlines from 0 (negative values extend it below).

use super::{PLOT_BOTTOM, PLOT_H};

/// The value axis: from `min` to `max` (0 included) in `step`s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Axis {
    pub(super) min: f64,
    pub(super) max: f64,
    pub(super) step: f64,
}

impl Axis {
    /// Round gridlines: the smallest step of 1, 2, 2.5 or 5 times a power of ten that needs at
    /// most four intervals (so three to five gridlines); whole steps when all values are whole.
    pub(super) fn new(lo: f64, hi: f64, whole: bool) -> Self {
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

    pub(super) fn intervals(&self) -> usize {
        ((self.max - self.min) / self.step).round().max(1.0) as usize
    }

    pub(super) fn ticks(&self) -> Vec<f64> {
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
    pub(super) fn decimals(&self) -> usize {
        (0..=6)
            .find(|d| {
                let x = self.step * 10f64.powi(*d);
                (x - x.round()).abs() < 1e-6
            })
            .unwrap_or(6) as usize
    }

    pub(super) fn y(&self, v: f64) -> f64 {
        PLOT_BOTTOM - (v - self.min) / (self.max - self.min) * PLOT_H
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
