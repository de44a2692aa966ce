//! The service: requests on standard input, replies on standard output (see src/lib.rs).
//! Like many services it exits without tearing its state down: what the store holds at QUIT is
//! what heapfold reports as leaked.
use std::io::{self, BufRead, Write};

use rust_service::Store;

fn main() -> io::Result<()> {
    let mut store = Store::with_capacity(1024);
    let stdin = io::stdin();
    let mut out = io::stdout().lock();
    let mut line = String::with_capacity(256);
    while stdin.lock().read_line(&mut line)? > 0 {
        let more = store.handle(&line, &mut out)?;
        line.clear();
        if !more {
            break;
        }
    }
    out.flush()?;
    std::process::exit(0)
}
