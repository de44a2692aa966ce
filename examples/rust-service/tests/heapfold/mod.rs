//! heapfold's live heap statistics from Rust, through FFI (include/heapfold.h: hf_stats and
//! hf_stats_reset_peak), for tests that assert on what a piece of code allocates, as dhat-rs's
//! testing mode does, without replacing the program's allocator: Rust's System allocator calls
//! malloc, which heapfold counts. Any number of measurements in one process.
//!
//! The statistics are the process's: measurements must not overlap with other allocating
//! threads, so tests run one at a time (RUST_TEST_THREADS=1 in .cargo/config.toml), and the
//! lock below keeps two measurements from overlapping even if they do not.
use std::os::raw::c_int;
use std::sync::Mutex;

/// `hf_stats_t` of include/heapfold.h.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default)]
struct HfStats {
    size: usize,
    current_bytes: u64,
    current_blocks: u64,
    peak_bytes: u64,
    peak_blocks: u64,
    total_allocs: u64,
    total_bytes: u64,
    total_frees: u64,
    temporary: u64,
    failed: u64,
}

#[link(name = "heapfold")]
extern "C" {
    fn hf_stats(out: *mut HfStats) -> c_int;
    fn hf_stats_reset_peak() -> c_int;
}

fn stats() -> HfStats {
    let mut s = HfStats { size: std::mem::size_of::<HfStats>(), ..Default::default() };
    // SAFETY: s is a valid hf_stats_t with its size set, as hf_stats requires.
    let r = unsafe { hf_stats(&mut s) };
    assert_eq!(r, 0, "hf_stats failed ({r}): is heapfold linked or preloaded?");
    s
}

/// What the measured code did to the heap. `bytes` counts the sizes asked for; `curr_bytes`
/// and `max_bytes` count blocks at the size the allocator gave them (malloc_usable_size).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heap {
    /// allocations made (reallocations included)
    pub allocs: u64,
    /// bytes asked for by those allocations
    pub bytes: u64,
    /// blocks freed
    pub frees: u64,
    /// blocks still live at the end that were not before (negative: more freed than allocated)
    pub curr_blocks: i64,
    /// bytes still live at the end that were not before
    pub curr_bytes: i64,
    /// the most bytes live at any moment above what was live at the start
    pub max_bytes: u64,
}

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Runs `f` and returns its result with what it did to the heap. Whatever `f` returns is
/// still live when the measurement ends, and counts in `curr_blocks` and `curr_bytes`.
pub fn measure<R>(f: impl FnOnce() -> R) -> (R, Heap) {
    let _guard = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    // SAFETY: no argument; it only resets heapfold's peak counter.
    unsafe { hf_stats_reset_peak() };
    let a = stats();
    let r = f();
    let b = stats();
    let heap = Heap {
        allocs: b.total_allocs - a.total_allocs,
        bytes: b.total_bytes - a.total_bytes,
        frees: b.total_frees - a.total_frees,
        curr_blocks: b.current_blocks as i64 - a.current_blocks as i64,
        curr_bytes: b.current_bytes as i64 - a.current_bytes as i64,
        max_bytes: b.peak_bytes.saturating_sub(a.current_bytes),
    };
    (r, heap)
}
