// Where the heap tests find libheapfold.so (tests/heap.rs links it): LIBHEAPFOLD_DIR, else
// what pkg-config says of an installed heapfold, else /usr/local/lib. Only the tests link it:
// the service itself is profiled through the launcher (heapfold target/release/rust-service).
use std::env;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=LIBHEAPFOLD_DIR");
    let dir = env::var("LIBHEAPFOLD_DIR").ok().filter(|d| !d.is_empty()).unwrap_or_else(|| {
        Command::new("pkg-config")
            .args(["--variable=libdir", "heapfold"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "/usr/local/lib".to_string())
    });
    println!("cargo:rustc-link-search=native={dir}");
    // The test binaries find the library at run time without LD_LIBRARY_PATH.
    println!("cargo:rustc-link-arg-tests=-Wl,-rpath,{dir}");
}
