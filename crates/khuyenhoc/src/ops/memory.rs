//! The allocator's free memory, handed back to the system.
//!
//! glibc's malloc keeps freed memory in its arenas (one per thread that allocated, up to eight
//! per core) and returns it only from the top of a heap, above a threshold that grows with the
//! largest block freed. A login's argon2 hash takes a 19 MiB block on a blocking thread: after a
//! few logins the server held ~100 MB that it had freed but glibc had not returned (the soak's
//! `malloc_stats()`: 171 MB from the system, 36 MB in use, one arena 99.6 MB with 2 KB in use).
//! [`trim`] runs with the metrics upkeep every few seconds and returns every whole free page of
//! every arena (`malloc_trim(0)`), so resident memory follows what is in use.
//!
//! On other platforms (musl, macOS) both functions do nothing: their allocators return memory
//! by themselves.

/// Limits glibc to one arena per core (its default is eight per core), unless the operator set
/// `MALLOC_ARENA_MAX`. Every thread that allocates gets an arena of its own up to the limit, and
/// each keeps its own high-water mark and its own fragments: tokio's workers, the blocking
/// threads and sqlx's thread per SQLite connection made a dozen on two cores. Call first thing
/// in `main`, before any thread starts.
pub fn limit_arenas() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        imp::limit_arenas(i32::try_from(cores).unwrap_or(i32::MAX));
    }
}

/// Returns free memory to the system; the bytes in use by the allocator afterwards, if known.
pub fn trim() -> Option<u64> {
    imp::trim()
}

/// Bytes the allocator has handed out and not yet had back, if known.
pub fn in_use() -> Option<u64> {
    imp::in_use()
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
mod imp {
    pub fn limit_arenas(n: i32) {
        // SAFETY: mallopt only sets a tunable of the allocator under its own lock; M_ARENA_MAX
        // applies to arenas made afterwards and never touches a block already handed out.
        unsafe { libc::mallopt(libc::M_ARENA_MAX, n) };
    }

    pub fn trim() -> Option<u64> {
        // SAFETY: malloc_trim has no preconditions: it takes each arena's own lock, so it may run
        // on any thread while others allocate; 0 asks it to keep no padding at the top.
        unsafe { libc::malloc_trim(0) };
        in_use()
    }

    pub fn in_use() -> Option<u64> {
        // SAFETY: mallinfo2 (glibc 2.33 and later) only reads the arenas' statistics under their
        // locks and returns a plain struct by value; nothing is borrowed or freed.
        let m = unsafe { libc::mallinfo2() };
        // In use = small blocks in use (uordblks) + blocks mapped on their own (hblkhd).
        u64::try_from(m.uordblks.saturating_add(m.hblkhd)).ok()
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod imp {
    pub fn limit_arenas(_: i32) {}

    pub fn trim() -> Option<u64> {
        None
    }

    pub fn in_use() -> Option<u64> {
        None
    }
}

#[cfg(test)]
mod tests {
    /// Other tests of this binary allocate at the same time, so a try may see their blocks: it
    /// passes when one of three tries sees the 32 MiB come and go.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn a_freed_block_is_counted_and_then_not() {
        let mut seen = Vec::new();
        for _ in 0..3 {
            let block = std::hint::black_box(vec![7u8; 32 << 20]);
            let during = super::in_use().unwrap_or(0);
            drop(block);
            let after = super::trim().unwrap_or(u64::MAX);
            if during >= 32 << 20 && after + (16 << 20) < during {
                return;
            }
            seen.push((during, after));
        }
        panic!("32 MiB in use and then freed should show, saw (during, after): {seen:?}");
    }
}
