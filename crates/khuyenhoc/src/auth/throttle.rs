//! Login throttling: failed attempts are counted per login name and per client address in a
//! fixed window; past the limit, attempts are refused until the window ends. The counts live in
//! the process (a restart forgets them), which bounds guessing to a few attempts a minute.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Throttle {
    max_failures: u32,
    window: Duration,
    counts: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Throttle {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self {
            max_failures,
            window,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds to wait)` when `key` is over `max_failures * factor` failures in the window.
    pub fn check(&self, key: &str, factor: u32) -> Result<(), u64> {
        let map = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        match map.get(key) {
            Some((n, start))
                if start.elapsed() < self.window && *n >= self.max_failures * factor =>
            {
                Err(self.window.saturating_sub(start.elapsed()).as_secs().max(1))
            }
            _ => Ok(()),
        }
    }

    pub fn fail(&self, key: &str) {
        let mut map = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > 100_000 {
            let window = self.window;
            map.retain(|_, (_, start)| start.elapsed() < window);
        }
        let e = map.entry(key.to_owned()).or_insert((0, Instant::now()));
        if e.1.elapsed() >= self.window {
            *e = (0, Instant::now());
        }
        e.0 += 1;
    }

    pub fn clear(&self, key: &str) {
        self.counts
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_limit_and_clears() {
        let t = Throttle::new(3, Duration::from_secs(60));
        for _ in 0..3 {
            assert!(t.check("a", 1).is_ok());
            t.fail("a");
        }
        assert!(t.check("a", 1).is_err());
        assert!(t.check("a", 2).is_ok(), "a higher factor allows more");
        assert!(t.check("b", 1).is_ok(), "other keys are untouched");
        t.clear("a");
        assert!(t.check("a", 1).is_ok());
    }
}
