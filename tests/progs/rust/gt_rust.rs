// Ground truth for Rust programs (tests/integration/rec_rust.sh), std only. Each site makes a
// known number of allocations of known sizes, with capacities reserved up front so that no
// growth policy of the standard library enters the counts:
//   boxes      1,000 x Box::new([0u64; 4])              32 bytes each, dropped
//   strings    500 x String::with_capacity(100)         100 bytes each, dropped
//   vectors    2 threads x 300 x Vec::<u32>::with_capacity(50)   200 bytes each, dropped
//   leak       10 x Vec::<u8>::with_capacity(1000), std::mem::forget: 10,000 bytes leaked
use std::hint::black_box;
use std::thread;

#[inline(never)]
fn boxes() {
    for i in 0..1000u64 {
        let b = Box::new([i; 4]);
        black_box(&b);
    }
}

#[inline(never)]
fn strings() {
    for _ in 0..500 {
        let s = String::with_capacity(100);
        black_box(&s);
    }
}

#[inline(never)]
fn vectors() {
    for _ in 0..300 {
        let v: Vec<u32> = Vec::with_capacity(50);
        black_box(&v);
    }
}

#[inline(never)]
fn leak() {
    for _ in 0..10 {
        let v: Vec<u8> = Vec::with_capacity(1000);
        std::mem::forget(black_box(v));
    }
}

fn main() {
    let workers: Vec<_> = (0..2).map(|_| thread::spawn(vectors)).collect();
    for w in workers {
        w.join().unwrap();
    }
    boxes();
    strings();
    leak();
    println!("gt_rust: ok");
}
