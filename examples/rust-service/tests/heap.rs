//! Heap tests of rust-service: exact allocations per request, no leak, and a bound on the peak,
//! each a scoped measurement of heapfold's live statistics (tests/heapfold/mod.rs). Run with
//! `cargo test` (the tests link libheapfold.so; build.rs says where it is found).
mod heapfold;

use heapfold::measure;
use rust_service::{fold_key, Store};

#[test]
fn fold_key_allocates_the_key_once() {
    let (k, heap) = measure(|| fold_key("Session-ID"));
    assert_eq!(k, "session-id");
    assert_eq!((heap.allocs, heap.bytes, heap.frees), (1, 10, 0));
    assert_eq!(heap.curr_blocks, 1); // the returned key is still alive
    let ((), heap) = measure(|| drop(k));
    assert_eq!((heap.allocs, heap.frees, heap.curr_blocks), (0, 1, -1));
}

#[test]
fn set_keeps_exactly_the_key_and_the_value() {
    let mut store = Store::with_capacity(16);
    let ((), heap) = measure(|| store.set("Colour", "blue"));
    assert_eq!((heap.allocs, heap.bytes, heap.frees), (2, 10, 0));
    assert_eq!(heap.curr_blocks, 2);
}

#[test]
fn get_and_del_free_what_they_allocate() {
    let mut store = Store::with_capacity(16);
    store.set("a", "1");
    store.set("b", "2");
    // GET: the folded key, freed before get returns: nothing left
    let (v, heap) = measure(|| store.get("A").map(str::len));
    assert_eq!(v, Some(1));
    assert_eq!((heap.allocs, heap.frees, heap.curr_bytes), (1, 1, 0));
    // DEL: the folded key, and the stored key and value: all freed
    let (found, heap) = measure(|| store.del("B"));
    assert!(found);
    assert_eq!((heap.allocs, heap.frees, heap.curr_blocks), (1, 3, -2));
}

#[test]
fn a_whole_session_leaves_nothing_and_peaks_under_a_megabyte() {
    // As dhat-rs's testing mode asserts curr_bytes == 0 and max_bytes below a bound.
    let ((), heap) = measure(|| {
        let mut store = Store::with_capacity(1024);
        let mut out = Vec::with_capacity(64 * 1024);
        for i in 0..1000 {
            store.handle(&format!("SET key{i} value{i}"), &mut out).unwrap();
        }
        for i in 0..1000 {
            store.handle(&format!("GET KEY{i}"), &mut out).unwrap();
        }
        assert_eq!(store.len(), 1000);
    });
    assert_eq!(heap.curr_bytes, 0, "leaked: {heap:?}");
    assert_eq!(heap.curr_blocks, 0);
    assert!(heap.max_bytes < 1 << 20, "peak {} bytes", heap.max_bytes);
    assert!(heap.allocs >= 4000, "{heap:?}"); // at least the two format!s, the folded key, the value
}

#[test]
fn a_leak_shows() {
    let ((), heap) = measure(|| std::mem::forget(vec![0u8; 4096]));
    assert_eq!((heap.allocs, heap.bytes, heap.frees, heap.curr_blocks), (1, 4096, 0, 1));
    assert!(heap.curr_bytes >= 4096);
}
