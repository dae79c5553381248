//! Login throttling with back-off: failed attempts are counted per key (an account, a client
//! address). The first `allowed` failures cost nothing; after that each further attempt must
//! wait a delay that doubles with every failure (2 s, 4 s, 8 s, …, at most the window) counted
//! from the last failure. Nobody is locked out for good: a guesser gets a handful of tries an
//! hour, and a key without a failure for two windows (longer than any delay and a window more)
//! is forgotten. The counts live in the process (a restart forgets them).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Throttle {
    max_failures: u32,
    window: Duration,
    counts: Mutex<HashMap<String, Failures>>,
}

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// Keys kept at most; past it, keys quiet for a whole window are dropped.
const MAX_KEYS: usize = 100_000;

impl Throttle {
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self {
            max_failures,
            window,
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds to wait)` while `key`, past `max_failures * factor` failures, is backing off.
    pub fn check(&self, key: &str, factor: u32) -> Result<(), u64> {
        self.check_at(key, factor, Instant::now())
    }

    fn check_at(&self, key: &str, factor: u32, now: Instant) -> Result<(), u64> {
        let map = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        let Some(f) = map.get(key).filter(|f| !self.forgotten(f, now)) else {
            return Ok(());
        };
        let allowed = self.max_failures.saturating_mul(factor);
        if f.count < allowed {
            return Ok(());
        }
        let wait = self.delay(f.count - allowed);
        let waited = now.duration_since(f.last);
        if waited >= wait {
            return Ok(());
        }
        // Rounded up, so a client that waits exactly this long is let in.
        let left = wait - waited;
        Err(left.as_secs() + u64::from(left.subsec_nanos() > 0))
    }

    /// The wait after `over` failures beyond the allowed ones: 2^(over+1) seconds, at most the
    /// window.
    fn delay(&self, over: u32) -> Duration {
        let secs = 1u64.checked_shl(over.saturating_add(1)).unwrap_or(u64::MAX);
        Duration::from_secs(secs).min(self.window)
    }

    /// Whether a key's failures are old enough to forget: none for two windows.
    fn forgotten(&self, f: &Failures, now: Instant) -> bool {
        now.duration_since(f.last) >= self.window.saturating_mul(2)
    }

    pub fn fail(&self, key: &str) {
        self.fail_at(key, Instant::now());
    }

    fn fail_at(&self, key: &str, now: Instant) {
        let mut map = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() > MAX_KEYS {
            map.retain(|_, f| !self.forgotten(f, now));
        }
        let e = map.entry(key.to_owned()).or_insert(Failures {
            count: 0,
            last: now,
        });
        if self.forgotten(e, now) {
            e.count = 0;
        }
        e.count = e.count.saturating_add(1);
        e.last = now;
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
    fn backs_off_after_the_allowed_failures_and_clears() {
        let t = Throttle::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(t.check_at("a", 1, t0).is_ok());
            t.fail_at("a", t0);
        }
        assert_eq!(t.check_at("a", 1, t0), Err(2));
        assert!(
            t.check_at("a", 2, t0).is_ok(),
            "a higher factor allows more"
        );
        assert!(t.check_at("b", 1, t0).is_ok(), "other keys are untouched");
        t.clear("a");
        assert!(t.check_at("a", 1, t0).is_ok());
    }

    #[test]
    fn the_delay_doubles_up_to_the_window_then_is_forgotten() {
        let t = Throttle::new(2, Duration::from_secs(60));
        let mut now = Instant::now();
        t.fail_at("k", now);
        t.fail_at("k", now);
        let mut waits = vec![];
        for _ in 0..7 {
            let Err(wait) = t.check_at("k", 1, now) else {
                panic!("backing off")
            };
            waits.push(wait);
            // Waiting a second less is not enough; waiting the whole delay is.
            let early = now + Duration::from_secs(wait - 1);
            assert!(t.check_at("k", 1, early).is_err());
            now += Duration::from_secs(wait);
            assert!(t.check_at("k", 1, now).is_ok());
            t.fail_at("k", now);
        }
        assert_eq!(waits, [2, 4, 8, 16, 32, 60, 60]);
        // Still counted a window after the last failure; forgotten after two.
        now += Duration::from_secs(60);
        assert_eq!(t.check_at("k", 1, now), Ok(()));
        t.fail_at("k", now);
        assert_eq!(t.check_at("k", 1, now), Err(60));
        now += Duration::from_secs(120);
        assert!(t.check_at("k", 1, now).is_ok());
        t.fail_at("k", now);
        assert!(
            t.check_at("k", 1, now).is_ok(),
            "one failure of a new window"
        );
    }
}
