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

/// Tunes glibc's allocator for a long-running server; call first thing in `main`, before any
/// thread starts.
///
/// - One arena per core (its default is eight per core), unless the operator set
///   `MALLOC_ARENA_MAX`. Every thread that allocates gets an arena of its own up to the limit, and
///   each keeps its own high-water mark and its own fragments.
/// - Blocks of 1 MiB and more always get their own mapping, returned to the system when freed,
///   unless the operator set `MALLOC_MMAP_THRESHOLD_`. glibc's threshold otherwise rises to the
///   largest mapped block freed (argon2's 19 MiB after one login), after which page buffers of
///   several MB are carved out of the arenas and leave holes: a ten-minute PostgreSQL soak saw
///   the main heap and one arena grow from 30 to 48 MB resident (`/proc/PID/smaps`) while the
///   bytes in use stayed at 12 MB.
pub fn tune() {
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        imp::set(Param::ArenaMax, i32::try_from(cores).unwrap_or(i32::MAX));
    }
    if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
        imp::set(Param::MmapThreshold, 1 << 20);
    }
}

#[derive(Clone, Copy)]
enum Param {
    ArenaMax,
    MmapThreshold,
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
    pub fn set(param: super::Param, value: i32) {
        let param = match param {
            super::Param::ArenaMax => libc::M_ARENA_MAX,
            super::Param::MmapThreshold => libc::M_MMAP_THRESHOLD,
        };
        // SAFETY: mallopt only sets a tunable of the allocator under its own lock; both apply to
        // blocks and arenas made afterwards and never touch a block already handed out.
        unsafe { libc::mallopt(param, value) };
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
    pub fn set(_: super::Param, _: i32) {}

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
