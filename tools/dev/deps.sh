#!/bin/bash
# heapfold: check the build and test dependencies, install what is missing.
#
# Run by `make check` and `make demo` before anything else. The fast path only
# looks for commands and files (no apt-get, no dpkg-query), so it costs a few
# milliseconds and prints nothing when everything is present.
#
# When something is missing and we are root (or passwordless sudo works) and
# apt-get exists, it runs `apt-get update` once and installs the missing Debian
# packages, then checks again. Otherwise it prints what is missing and the
# command to run, and exits 1.
set -eu

arch=${HOSTTYPE:-x86_64}
inc_dirs="/usr/include /usr/include/$arch-linux-gnu /usr/local/include"
lib_dirs="/usr/lib/$arch-linux-gnu /lib/$arch-linux-gnu /usr/lib64 /usr/lib /usr/local/lib"

have_cmd() {
    command -v "$1" >/dev/null 2>&1
}

have_header() {
    local d
    for d in $inc_dirs; do
        [ -f "$d/$1" ] && return 0
    done
    return 1
}

# have_lib NAME: libNAME.so or libNAME.a in a library directory
have_lib() {
    local d
    for d in $lib_dirs; do
        if [ -e "$d/lib$1.so" ] || [ -e "$d/lib$1.a" ]; then
            return 0
        fi
    done
    return 1
}

# have_so FILE: a shared library (by its soname's file) in a library directory
have_so() {
    local d
    for d in $lib_dirs; do
        [ -e "$d/$1" ] && return 0
    done
    return 1
}

# have_fuzzer: clang's libFuzzer runtime (any installed LLVM version)
have_fuzzer() {
    local f
    for f in /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-"$arch".a; do
        [ -e "$f" ] && return 0
    done
    return 1
}

missing_items=()
missing_pkgs=()

need() { # need ITEM PACKAGE: record a missing item and the package providing it
    missing_items+=("$1")
    case " ${missing_pkgs[*]-} " in
        *" $2 "*) ;;
        *) missing_pkgs+=("$2") ;;
    esac
}

check_all() {
    missing_items=()
    missing_pkgs=()
    have_cmd cc || have_cmd gcc || need cc gcc
    have_cmd make || need make make
    have_cmd g++ || need g++ g++                # the C++ ground-truth programs
    have_cmd python3 || need python3 python3    # tests: the SVG must parse as XML
    # tests/integration/rec_memo.sh: Debian's python3 itself (built without frame pointers),
    # not a python3 that comes first on PATH (pyenv's is a shell script)
    [ -x /usr/bin/python3 ] || need /usr/bin/python3 python3
    have_cmd mount || need mount mount          # tests: read-only and full tmpfs in a namespace
    have_cmd strace || need strace strace       # rec_startup.sh: the order of calls; print_split.sh
    have_cmd taskset || need taskset util-linux # tests/integration/print_split.sh: one processor
    # make check's short fuzzing run (tests/integration/fuzz_short.sh): clang and libFuzzer
    have_cmd clang || need clang clang
    have_fuzzer || need libclang_rt.fuzzer libclang-rt-dev
    have_cmd pkg-config || need pkg-config pkg-config
    have_cmd musl-gcc || need musl-gcc musl-tools
    have_cmd gzip || need gzip gzip
    # apt-get source (tools/dev/build-deps.sh) checks signatures with gpgv, unpacks with
    # dpkg-source and .tar.xz
    have_cmd gpgv || need gpgv gpgv
    have_cmd dpkg-source || need dpkg-source dpkg-dev
    have_cmd xz || need xz xz-utils
    have_header libunwind.h || need libunwind.h libunwind-dev
    have_lib unwind || need libunwind libunwind-dev
    have_lib unwind-"$arch" || need libunwind-"$arch" libunwind-dev
    have_header zlib.h || need zlib.h zlib1g-dev
    have_lib z || need libz zlib1g-dev
    have_header cmocka.h || need cmocka.h libcmocka-dev
    have_lib cmocka || need libcmocka libcmocka-dev
    have_header elfutils/libdwfl.h || need elfutils/libdwfl.h libdw-dev
    have_lib dw || need libdw libdw-dev
    have_header gelf.h || need gelf.h libelf-dev
    have_lib elf || need libelf libelf-dev
    # heapfold_print's demangler (C++, Rust legacy and v0): libiberty, linked statically
    have_header libiberty/demangle.h || need libiberty/demangle.h libiberty-dev
    have_lib iberty || need libiberty libiberty-dev
    # tests/integration/rec_metrics.sh: Prometheus's own parser reads the metrics file
    [ -f /usr/lib/python3/dist-packages/prometheus_client/parser.py ] ||
        need prometheus_client python3-prometheus-client
    # tests/integration/print_svg_browser.sh: the SVG's script runs in a real browser
    have_cmd chromium || need chromium chromium
    # tests/integration/print_massif.sh, print_multi.sh: Valgrind's ms_print reads -M's output
    have_cmd ms_print || need ms_print valgrind
    # tests/integration/print_pprof.sh, rec_pprof.sh: go tool pprof reads the pprof profiles
    have_cmd go || [ -x /usr/lib/go/bin/go ] || need go golang-go
    # tests/integration/rec_allocators.sh: heapfold beside another allocator, preloaded or linked
    have_so libmimalloc.so.2 || need libmimalloc.so.2 libmimalloc2.0
    have_so libjemalloc.so.2 || need libjemalloc.so.2 libjemalloc2
}

check_all
[ ${#missing_items[@]} -eq 0 ] && exit 0

echo "heapfold: missing: ${missing_items[*]}" >&2

# Can we install? Root, or sudo that does not ask for a password.
as_root=()
can_install=no
if have_cmd apt-get; then
    if [ "${EUID:-$(id -u)}" -eq 0 ]; then
        can_install=yes
    elif have_cmd sudo && sudo -n true >/dev/null 2>&1; then
        as_root=(sudo -n)
        can_install=yes
    fi
fi

# apt_error LOG: the line of the log that says what went wrong (apt's "E:" lines, 404s)
apt_error() {
    grep -E '^E: |^Err:|Not Found|Unable to|Hash Sum' "$1" | grep -v '^W:' | tail -n 1 |
        sed -e 's/ *\[IP:[^]]*\]//' | cut -c1-200
}

if [ "$can_install" = yes ]; then
    pkgs=("${missing_pkgs[@]}")
    log=$(mktemp "${TMPDIR:-/tmp}/heapfold-apt.XXXXXX")
    apt=(${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive
         apt-get -q -o DPkg::Lock::Timeout=300)
    install() { "${apt[@]}" install -y --no-install-recommends "$@" "${pkgs[@]}" >>"$log" 2>&1; }
    echo "heapfold: apt-get update" >&2
    # A failing source in the system's own list makes update exit non-zero
    # while the others are fine; let the install below decide.
    "${apt[@]}" update >>"$log" 2>&1 || echo "heapfold: apt-get update reported errors (continuing)" >&2
    echo "heapfold: apt-get install ${pkgs[*]}" >&2
    if ! install; then
        # The versions apt prefers may live in a pocket whose files the mirror does not serve
        # (an update or security pocket lagging behind its index): try each release the
        # machine lists as the preferred one, the base release (no "-updates", "-security")
        # first.
        echo "heapfold: apt-get install failed: $(apt_error "$log")" >&2
        for rel in $(apt-cache policy 2>/dev/null | sed -n 's/.*release .*n=\([^,]*\),.*/\1/p' | awk '!seen[$0]++' | sort -t- -k2,2 -s); do
            echo "heapfold: apt-get install -t $rel ${pkgs[*]}" >&2
            install -t "$rel" && break
            echo "heapfold: apt-get install -t $rel failed: $(apt_error "$log")" >&2
        done
    fi
    check_all
    if [ ${#missing_items[@]} -eq 0 ]; then
        rm -f "$log"
        echo "heapfold: installed ${pkgs[*]}" >&2
        exit 0
    fi
    echo "heapfold: still missing: ${missing_items[*]} (apt's log: $log; last error: $(apt_error "$log"))" >&2
fi

echo "heapfold: run: sudo apt-get install -y ${missing_pkgs[*]}" >&2
exit 1
