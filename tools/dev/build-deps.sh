#!/bin/bash
# heapfold: build zlib, libdeflate and libunwind from Debian source packages, as PIC
# archives with hidden symbols, for the host libc (glibc) or for musl; or mimalloc for static
# musl programs (the allocator such services link instead of musl's; see build_mimalloc below).
#
# usage: tools/dev/build-deps.sh BUILD_DIR host|musl|mimalloc
#
# Result (everything under BUILD_DIR/deps/FLAVOUR/):
#   include/  zlib.h zconf.h libdeflate.h libunwind.h libunwind-x86_64.h ...
#   lib/      libz.a libdeflate.a libunwind.a (PIC, so they can also go into a shared object)
#   .stamp    written last; with it and the archives present we exit at once
#   *.log     output of each step (zlib.log, libdeflate.log, libunwind.log, verify.log)
# mimalloc: BUILD_DIR/deps/mimalloc/ holds include/mimalloc.h, lib/libmimalloc.a, .stamp,
#   mimalloc.log and verify.log.
# The downloaded sources are shared: BUILD_DIR/deps/dl/ (apt.log there).
#
# Why build them at all: Debian ships no musl builds of these libraries, and its
# glibc libunwind.a is not PIC, so it cannot go into the preload library (whose
# copy must be private: a program's own libunwind or zlib must never be
# interposed by ours, nor ours by theirs). Their source packages are reachable:
# tools/dev/fetch-sources.sh fetches them (any version the machine's apt sources list,
# newest first, so one unreachable version does not stop the build). Needs apt-get,
# dpkg-source (dpkg-dev), xz, make and musl-gcc (musl-tools): tools/dev/deps.sh
# checks and installs them.
set -eu

if [ $# -ne 2 ] || [ -z "$1" ] || { [ "$2" != host ] && [ "$2" != musl ] && [ "$2" != mimalloc ]; }; then
    echo "usage: $0 BUILD_DIR host|musl|mimalloc" >&2
    exit 2
fi
flavour=$2
shown=${1%/}/deps/$flavour   # as the user gave it, for messages
mkdir -p "$1/deps/$flavour" "$1/deps/dl"
M=$(cd "$1/deps/$flavour" && pwd)   # absolute: the builds below change directory
DL=$(cd "$1/deps/dl" && pwd)

# Our changes to the upstream sources (tools/dev/patches/, applied in build_libunwind). A
# stamp without this line (their names and checksum) was made before them: the build starts over.
patch_dir=$(cd "$(dirname "$0")/patches" && pwd)
patches="patches: $(cd "$patch_dir" && echo *.patch) $(cat "$patch_dir"/*.patch | cksum | cut -d' ' -f1)"
# How libdeflate is built (build_libdeflate); a stamp without this line is rebuilt.
deflate_build="libdeflate: with its zlib wrapper"

# mimalloc's compiler options (build_mimalloc); a stamp without them is rebuilt.
mi_cflags='-O2 -g -DNDEBUG -DMI_MALLOC_OVERRIDE -D__USE_ISOC11=1 -fvisibility=hidden -ftls-model=initial-exec -fno-builtin-malloc'

built() {
    if [ "$flavour" = mimalloc ]; then
        [ -f "$M/.stamp" ] && [ -f "$M/lib/libmimalloc.a" ] && grep -qxF "cflags $mi_cflags" "$M/.stamp"
        return
    fi
    [ -f "$M/.stamp" ] && [ -f "$M/lib/libunwind.a" ] && [ -f "$M/lib/libz.a" ] &&
        [ -f "$M/lib/libdeflate.a" ] &&
        grep -qxF "$patches" "$M/.stamp" && grep -qxF "$deflate_build" "$M/.stamp"
}

# Current: the stamp is made newer than this script, so that make stops asking.
if built; then
    touch "$M/.stamp"
    exit 0
fi

# One build at a time (parallel make may start us twice).
if command -v flock >/dev/null 2>&1; then
    exec 9>"$M/.lock"
    flock 9
    if built; then
        touch "$M/.stamp"
        exit 0
    fi
fi

if [ "$flavour" != host ]; then
    cc=musl-gcc
    host=$(uname -m)-linux-musl
else
    cc=gcc
    host=$(uname -m)-linux-gnu
fi

for c in apt-get dpkg-source xz make $cc; do
    if ! command -v "$c" >/dev/null 2>&1; then
        echo "heapfold: build-deps needs $c; run tools/dev/deps.sh" >&2
        exit 1
    fi
done

# Environment from the caller must not leak into these builds: a parent
# make's jobserver, or CPPFLAGS=-I/usr/include pulling in glibc headers.
unset MAKEFLAGS MFLAGS MAKELEVEL CPPFLAGS LDFLAGS LIBS CFLAGS CC
export LC_ALL=C

# -fPIC: the archives also go into the LD_PRELOAD library.
# -fvisibility=hidden: nothing of them is exported from that library; within a
# static link hidden symbols still resolve (checked by the test program below).
# -ftls-model=initial-exec: libunwind's thread-local cache without __tls_get_addr
# (about 1% per event). Right for every place these archives go: static programs
# (the linker turns it into local-exec), and libheapfold.so, which is loaded at
# start (preloaded or linked) and whose own code uses initial-exec already.
dep_cflags='-O2 -g -fPIC -fvisibility=hidden -ftls-model=initial-exec'
jobs=$(nproc 2>/dev/null || echo 2)

fail() { # fail WHAT LOG: the log's last error line is quoted, the log named
    local why
    why=$(grep -iE 'error|fatal|failed|not found|cannot|no such' "$M/$2" | tail -n 1 | cut -c1-160)
    echo "heapfold: $1 failed${why:+: $why}; see $shown/$2" >&2
    exit 1
}

# The .dsc of a source package that tools/dev/fetch-sources.sh fetched.
dsc_of() {
    local f
    [ -f "$DL/src/$1/fetched" ] || return 1
    for f in "$DL/src/$1/"*.dsc; do
        [ -f "$f" ] && echo "$f" && return 0
    done
    return 1
}

unpack() { # unpack SRCPKG DIR
    local dsc
    dsc=$(dsc_of "$1") &&
        # fetch-sources.sh already checked the files against the signed Sources index;
        # like apt-get source itself, skip dpkg-source's own signature check.
        dpkg-source --no-check -x "$dsc" "$2"
}

build_zlib() {
    unpack zlib "$M/src/zlib" &&
        cd "$M/src/zlib" &&
        CC=$cc CFLAGS=$dep_cflags ./configure --static --prefix="$M" &&
        make -j"$jobs" libz.a &&
        make install
}

# libdeflate compresses the recorder's chunks: whole buffers, which is all the recorder ever
# compresses, and for that 3 to 4 times faster than zlib at a smaller output, with a CRC-32
# that uses the processor's carry-less multiply (zlib 1.2's takes about 6 instructions a
# byte). Its output is plain deflate. heapfold's reader inflates the chunks with it, and
# heapfold_print the zlib-wrapped sections of compressed debug files. Its upstream Makefile
# builds the archive with every symbol hidden; a program links only the parts it calls.
build_libdeflate() {
    unpack libdeflate "$M/src/libdeflate" &&
        cd "$M/src/libdeflate" &&
        make -j"$jobs" CC="$cc" CFLAGS="$dep_cflags" libdeflate.a &&
        mkdir -p "$M/lib" "$M/include" &&
        cp libdeflate.a "$M/lib/" &&
        cp libdeflate.h "$M/include/"
}

# libunwind (x86-64) checks that an address is readable before reading it, in frames
# without usable unwind information, by writing a byte from it into a pipe that it keeps
# open for the life of the process (and reading a byte back). A program that closes every
# descriptor (closefrom: daemons, ssh) and opens files of its own gets the pipe's numbers:
# libunwind then reads a byte from one of the program's files and writes a byte of memory
# into another, or closes both and makes its pipe again where the program expects its next
# files (upstream libunwind issues 274 and 291; tests/integration/crash_output.sh). With an
# invalid HOW, rt_sigprocmask checks the same thing without any descriptor: the kernel
# copies the new set from the address first (EFAULT if it is unreadable), then rejects HOW
# (EINVAL), changing nothing. abseil's AddressIsReadable works the same way.
patch_libunwind() {
    grep -q mem_validate_pipe src/x86_64/Ginit.c || return 0 # a libunwind without the pipe
    patch -p1 --forward <"$patch_dir/libunwind-validate-without-pipe.patch"
}

# patches/libunwind-trace-memo.patch: unw_backtrace's fast path (src/x86_64/Gtrace.c) walks
# the stack as a chain of dependent steps, each a hash lookup of the frame's rule and a load
# of the next return address: about 6 ns a frame, 60% of the recorder's time 34 frames deep.
# The patch keeps the states of each thread's last 8 traces; a trace that reaches one of the
# last one's states exactly checks the stack words the remaining steps would read (all
# independent loads) and takes those frames when they are unchanged. unw_backtrace
# (src/mi/backtrace.c) first tries each kept trace whole from its caller's state, before
# making a context or a cursor (the stack words such a try compares, and the frames it gives,
# are listed once when the trace is kept, unless the memo rests until the trace is gone), and
# rests a while after 16 such tries in a row found nothing, twice as long each time the tries
# after a rest find nothing again. Each kept trace has a number unique in the process; hf_unw_backtrace_known
# (unw_backtrace that also gives the number) copies no frames when the trace it replays is
# one the caller says it knows, and the recorder then takes the node it made of them before.
# The comments in the patch say why that is exact. It also starts each thread's table of frame
# rules at 2^10 entries (16 KiB) instead of 2^14 (256 KiB): the table is made at a thread's first
# trace and every entry written, 64 page faults a thread (a program of 2 threads that allocate
# once: 13 ms with heapfold, 11 ms after); it grows by 4x when half full, as before.
# The upstream tarball ships a generated configure, so no autotools are needed.
# Debian's patches (1.6.2-3) touch only C files and tests/Makefile.am; that
# Makefile.am is then newer than its Makefile.in, which is harmless because
# --disable-tests keeps make out of tests/ (with tests on, automake would run).
build_libunwind() {
    unpack libunwind "$M/src/libunwind" &&
        cd "$M/src/libunwind" &&
        patch_libunwind &&
        patch -p1 --forward <"$patch_dir/libunwind-trace-memo.patch" &&
        CC=$cc CFLAGS=$dep_cflags ./configure --host="$host" \
            --disable-shared --enable-static \
            --disable-minidebuginfo --disable-zlibdebuginfo \
            --disable-tests --disable-documentation \
            --disable-coredump --disable-ptrace --disable-setjmp \
            --prefix="$M" &&
        make -j"$jobs" &&
        make install
}

# A fully static program that unwinds three nested calls, round-trips a buffer through zlib
# and inflates with zlib what libdeflate compressed (with matching CRC-32s): proves the
# archives link statically, libunwind finds the unwind tables (via .eh_frame_hdr) and the
# PIC/hidden build works.
verify() {
    mkdir -p "$M/verify" &&
        cat >"$M/verify/prog.c" <<'EOF' &&
#include <libdeflate.h>
#include <libunwind.h>
#include <zlib.h>
#include <stdio.h>
#include <string.h>

static volatile int sink;

__attribute__((noinline)) static int level3(void)
{
    void *ips[64];
    int n = unw_backtrace(ips, 64);
    sink += n;
    return n;
}
__attribute__((noinline)) static int level2(void) { int n = level3(); sink++; return n; }
__attribute__((noinline)) static int level1(void) { int n = level2(); sink++; return n; }

int main(void)
{
    unsigned char in[4096], packed[8192], out[4096];
    uLongf plen = sizeof packed, olen = sizeof out;
    int frames = level1();
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (unsigned char)("heapfold"[i % 8] + i / 512);
    if (compress(packed, &plen, in, sizeof in) != Z_OK ||
        uncompress(out, &olen, packed, plen) != Z_OK ||
        olen != sizeof in || memcmp(in, out, sizeof in) != 0) {
        printf("zlib round trip failed\n");
        return 1;
    }
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(1);
    size_t dlen = c ? libdeflate_deflate_compress(c, in, sizeof in, packed, sizeof packed) : 0;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    zs.next_in = packed;
    zs.avail_in = (uInt)dlen;
    zs.next_out = out;
    zs.avail_out = sizeof out;
    if (!dlen || inflateInit2(&zs, -15) != Z_OK || inflate(&zs, Z_FINISH) != Z_STREAM_END ||
        zs.total_out != sizeof in || memcmp(in, out, sizeof in) != 0 ||
        libdeflate_crc32(0, in, sizeof in) != crc32(0, in, sizeof in)) {
        printf("libdeflate's output does not inflate with zlib\n");
        return 1;
    }
    inflateEnd(&zs);
    libdeflate_free_compressor(c);
    printf("frames %d, zlib %s %lu -> %lu bytes, libdeflate %s -> %lu bytes\n", frames,
           zlibVersion(), (unsigned long)sizeof in, (unsigned long)plen, LIBDEFLATE_VERSION_STRING,
           (unsigned long)dlen);
    if (frames < 3) {
        printf("unw_backtrace returned %d frames, expected >= 3\n", frames);
        return 1;
    }
    return 0;
}
EOF
        $cc -static -Wl,--eh-frame-hdr -Wl,--build-id -I "$M/include" \
            -o "$M/verify/prog" "$M/verify/prog.c" \
            "$M/lib/libunwind.a" "$M/lib/libdeflate.a" "$M/lib/libz.a" \
            -Wl,-u,pthread_once,-u,pthread_key_create,-u,pthread_setspecific \
            -Wl,-u,pthread_getspecific,-u,pthread_mutex_lock,-u,pthread_mutex_unlock &&
        "$M/verify/prog"
}

# mimalloc for static musl programs. Services in FROM scratch images link it instead of
# musl's own allocator, which is many times slower under threads. One object, from the
# single-file build upstream provides (src/static.c includes every other source), so no
# cmake is needed; MI_MALLOC_OVERRIDE makes it define malloc, free, calloc, realloc and the
# rest of the family, which a static link then takes instead of libc.a's. heapfold's
# heapfold.wrap sends every call of those names to its __wrap_ functions, whose __real_
# names are then mimalloc's: the program's allocations and libc.a's own are recorded, and
# made by mimalloc.
# -D__USE_ISOC11=1: mimalloc defines aligned_alloc only under that glibc-internal macro,
# which musl's headers never set; without it libc.a's aligned_alloc (musl's allocator) would
# be linked, and mimalloc's free would be handed its blocks.
# -fno-builtin-malloc: as upstream's build, so the compiler does not fold mimalloc's own
# definitions of malloc and free into builtins.
build_mimalloc() {
    unpack mimalloc "$M/src/mimalloc" &&
        cd "$M/src/mimalloc" &&
        mkdir -p "$M/lib" "$M/include" &&
        $cc $mi_cflags -Iinclude -c src/static.c -o mimalloc.o &&
        rm -f "$M/lib/libmimalloc.a" &&
        ar rcs "$M/lib/libmimalloc.a" mimalloc.o &&
        cp include/mimalloc.h "$M/include/"
}

# A fully static musl program whose malloc, aligned_alloc and posix_memalign are mimalloc's,
# used from several threads and by libc (strdup).
verify_mimalloc() {
    mkdir -p "$M/verify" &&
        cat >"$M/verify/prog.c" <<'EOF' &&
#include <mimalloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *work(void *arg)
{
    for (int i = 0; i < 10000; i++)
        free(malloc((size_t)(i % 512) + 1));
    return arg;
}

int main(void)
{
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        if (pthread_create(&t[i], NULL, work, NULL) != 0)
            return 1;
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    void *a = aligned_alloc(64, 100), *p = NULL, *m = malloc(10);
    char *s = strdup("heapfold");
    if (posix_memalign(&p, 128, 1000) != 0 || !a || !m || !s || (size_t)a % 64 || (size_t)p % 128 ||
        !mi_is_in_heap_region(a) || !mi_is_in_heap_region(p) || !mi_is_in_heap_region(m) ||
        !mi_is_in_heap_region(s)) {
        printf("a block did not come from mimalloc\n");
        return 1;
    }
    free(a), free(p), free(m), free(s);
    printf("mimalloc %d: malloc, aligned_alloc, posix_memalign and strdup are mimalloc's\n", mi_version());
    return 0;
}
EOF
        $cc -static -O2 -I "$M/include" -o "$M/verify/prog" "$M/verify/prog.c" "$M/lib/libmimalloc.a" &&
        "$M/verify/prog"
}

# ---------------------------------------------------------------------------

rm -rf "${M:?}/src" "${M:?}/include" "${M:?}/lib" "${M:?}/share" "${M:?}/verify" "${M:?}/.stamp"
mkdir -p "$M/src"
if [ "$flavour" = mimalloc ]; then
    pkgs=(mimalloc)
else
    pkgs=(zlib libdeflate libunwind)
fi

# The download is shared by both flavours: one at a time.
(
    if command -v flock >/dev/null 2>&1; then
        exec 8>"$DL/.lock"
        flock 8
    fi
    want=()
    for p in "${pkgs[@]}"; do
        dsc_of "$p" >/dev/null || want+=("$p")
    done
    if [ ${#want[@]} -gt 0 ]; then
        echo "heapfold: fetching the Debian source packages ${want[*]}" >&2
        LOG_SHOWN=${1%/}/deps/dl/apt.log "$patch_dir/../fetch-sources.sh" "$DL" "${want[@]}" || exit 1
    fi
) || exit 1

if [ "$flavour" = mimalloc ]; then
    echo "heapfold: building mimalloc for musl" >&2
    (build_mimalloc) >"$M/mimalloc.log" 2>&1 || fail "building mimalloc" mimalloc.log
    verify_mimalloc >"$M/verify.log" 2>&1 || fail "checking mimalloc" verify.log
    {
        echo "mimalloc $(sed -n 's/^Version: //p' "$(dsc_of mimalloc)")"
        echo "cflags $mi_cflags"
        echo "host $host"
    } >"$M/.stamp"
    echo "heapfold: mimalloc ready in $shown" >&2
    exit 0
fi

echo "heapfold: building $flavour zlib" >&2
(build_zlib) >"$M/zlib.log" 2>&1 || fail "building $flavour zlib" zlib.log

echo "heapfold: building $flavour libdeflate" >&2
(build_libdeflate) >"$M/libdeflate.log" 2>&1 || fail "building $flavour libdeflate" libdeflate.log

echo "heapfold: building $flavour libunwind" >&2
(build_libunwind) >"$M/libunwind.log" 2>&1 || fail "building $flavour libunwind" libunwind.log

verify >"$M/verify.log" 2>&1 || fail "checking $flavour libunwind/zlib/libdeflate" verify.log

{
    echo "zlib $(sed -n 's/^Version: //p' "$(dsc_of zlib)")"
    echo "libdeflate $(sed -n 's/^Version: //p' "$(dsc_of libdeflate)")"
    echo "libunwind $(sed -n 's/^Version: //p' "$(dsc_of libunwind)")"
    echo "cflags $dep_cflags"
    echo "host $host"
    echo "$patches"
    echo "$deflate_build"
} >"$M/.stamp"
echo "heapfold: $flavour zlib, libdeflate and libunwind ready in $shown" >&2
