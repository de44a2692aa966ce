#!/bin/bash
# heapfold: build musl versions of zlib and libunwind from Debian source packages.
#
# usage: tools/dev/musl-deps.sh BUILD_DIR
#
# Result (everything under BUILD_DIR/musl/):
#   include/  zlib.h zconf.h libunwind.h libunwind-x86_64.h ...
#   lib/      libz.a libunwind.a (PIC, so they can also go into a shared object)
#   .stamp    written last; with it and both archives present we exit at once
#   *.log     output of each step (apt.log, zlib.log, libunwind.log, verify.log)
#
# Debian ships no musl builds of these libraries, but their source packages
# are reachable. The sources are fetched with a private apt configuration under
# BUILD_DIR/musl/apt/ whose deb-src lines are derived from the machine's own apt
# sources; the system's apt configuration is never modified. Needs apt-get,
# dpkg-source (dpkg-dev), xz, make and musl-gcc (musl-tools): tools/dev/deps.sh
# checks and installs them.
set -eu

if [ $# -ne 1 ] || [ -z "$1" ]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi

shown=${1%/}/musl            # as the user gave it, for messages
mkdir -p "$1/musl"
M=$(cd "$1/musl" && pwd)     # absolute: the builds below change directory

if [ -f "$M/.stamp" ] && [ -f "$M/lib/libunwind.a" ] && [ -f "$M/lib/libz.a" ]; then
    exit 0
fi

# One build at a time (parallel make may start us twice).
if command -v flock >/dev/null 2>&1; then
    exec 9>"$M/.lock"
    flock 9
    if [ -f "$M/.stamp" ] && [ -f "$M/lib/libunwind.a" ] && [ -f "$M/lib/libz.a" ]; then
        exit 0
    fi
fi

for c in apt-get dpkg-source xz make musl-gcc; do
    if ! command -v "$c" >/dev/null 2>&1; then
        echo "heapfold: musl-deps needs $c; run tools/dev/deps.sh" >&2
        exit 1
    fi
done

# Environment from the caller must not leak into the musl builds: a parent
# make's jobserver, or CPPFLAGS=-I/usr/include pulling in glibc headers.
unset MAKEFLAGS MFLAGS MAKELEVEL CPPFLAGS LDFLAGS LIBS CFLAGS CC
export LC_ALL=C

# -fPIC: the archives also go into the LD_PRELOAD library.
# -fvisibility=hidden: nothing of them is exported from that library; within a
# static link hidden symbols still resolve (checked by the test program below).
musl_cflags='-O2 -fPIC -fvisibility=hidden'
host=$(uname -m)-linux-musl
jobs=$(nproc 2>/dev/null || echo 2)

fail() { # fail WHAT LOG
    echo "heapfold: $1 failed, see $shown/$2" >&2
    exit 1
}

# ---------------------------------------------------------------------------
# Private apt configuration: deb-src twins of the machine's deb sources.

A=$M/apt

# Print a deb-src line for every deb source of a one-line style file.
# "deb [opts] uri suite comp..." keeps its options (signed-by, trusted, ...).
derive_oneline() {
    sed -e 's/#.*//' "$1" |
        sed -n -e 's/^[[:space:]]*deb\(-src\)\{0,1\}[[:space:]]\{1,\}/deb-src /p'
}

# Print deb-src lines for the paragraphs of a deb822 .sources file.
# Keeps Signed-By (a keyring path or fingerprints as signed-by=; a key embedded
# in the file is written to KEYDIR and referenced) and Trusted; skips
# paragraphs with Enabled: no.
derive_deb822() { # FILE KEYDIR PREFIX
    awk -v keydir="$2" -v prefix="$3" '
        function flush(   n, u, s, i, j, opts, key, nk, kl, k, line) {
            if (types ~ /(^|[ \t])deb(-src)?([ \t]|$)/ && tolower(enabled) != "no" && uris != "" && suites != "") {
                opts = ""
                if (signedby != "") {
                    if (index(signedby, "\n") || signedby ~ /BEGIN PGP/) {
                        nkeys++
                        key = keydir "/" prefix "-" nkeys ".asc"
                        nk = split(signedby, kl, "\n")
                        for (k = 1; k <= nk; k++) {
                            line = kl[k]
                            sub(/^[ \t]+/, "", line); sub(/[ \t]+$/, "", line)
                            if (line == "" && k == 1) continue
                            if (line == ".") line = ""
                            print line > key
                        }
                        close(key)
                        opts = opts " signed-by=" key
                    } else {
                        s = signedby
                        gsub(/^[ \t,]+|[ \t,]+$/, "", s)
                        gsub(/[ \t,]+/, ",", s)
                        opts = opts " signed-by=" s
                    }
                }
                if (tolower(trusted) == "yes") opts = opts " trusted=yes"
                if (opts != "") opts = "[" opts " ] "
                n = split(uris, u, /[ \t\n]+/)
                m = split(suites, sv, /[ \t\n]+/)
                for (i = 1; i <= n; i++) {
                    if (u[i] == "") continue
                    for (j = 1; j <= m; j++) {
                        if (sv[j] == "") continue
                        print "deb-src " opts u[i] " " sv[j] (comps != "" ? " " comps : "")
                    }
                }
            }
            types = uris = suites = comps = signedby = trusted = enabled = field = ""
        }
        /^#/ { next }
        /^[ \t]*$/ { flush(); next }
        /^[ \t]/ {                       # continuation of the current field
            if (field == "signed-by") signedby = signedby "\n" $0
            else if (field == "uris") uris = uris " " $0
            else if (field == "suites") suites = suites " " $0
            else if (field == "components") comps = comps " " $0
            else if (field == "types") types = types " " $0
            next
        }
        {
            field = tolower($0); sub(/:.*/, "", field)
            val = $0; sub(/^[^:]*:[ \t]*/, "", val); sub(/[ \t]+$/, "", val)
            if (field == "types") types = val
            else if (field == "uris") uris = val
            else if (field == "suites") suites = val
            else if (field == "components") { comps = val; gsub(/[ \t]+/, " ", comps) }
            else if (field == "signed-by") signedby = val
            else if (field == "trusted") trusted = val
            else if (field == "enabled") enabled = val
        }
        END { flush() }
    ' "$1"
}

write_sources_list() {
    local sl sp f n=0
    sl=/etc/apt/sources.list
    sp=/etc/apt/sources.list.d
    # Honour a relocated apt configuration (APT_CONFIG, Dir::Etc settings).
    eval "$(apt-config shell sl Dir::Etc::SourceList/f sp Dir::Etc::SourceParts/d 2>/dev/null)" || true
    sp=${sp%/}
    mkdir -p "$A/keys"
    {
        echo "# derived by tools/dev/musl-deps.sh from the system's apt sources"
        [ -f "$sl" ] && derive_oneline "$sl"
        for f in "$sp"/*.list; do
            [ -f "$f" ] && derive_oneline "$f"
        done
        for f in "$sp"/*.sources; do
            n=$((n + 1))
            [ -f "$f" ] && derive_deb822 "$f" "$A/keys" "$n"
        done
        true
    } | awk '!seen[$0]++' >"$A/sources.list"
    grep -q '^deb-src' "$A/sources.list"
}

apt_private() {
    apt-get -q \
        -o Dir::Etc::SourceList="$A/sources.list" \
        -o Dir::Etc::SourceParts=- \
        -o Dir::State::Lists="$A/lists" \
        -o Dir::Cache="$A/cache" \
        "$@"
}

# The newest .dsc of a source package in $M/dl, if exactly one is there.
dsc_of() {
    local f found=""
    for f in "$M/dl/$1"_*.dsc; do
        [ -f "$f" ] || continue
        [ -z "$found" ] || return 1
        found=$f
    done
    [ -n "$found" ] && echo "$found"
}

fetch_sources() {
    if dsc_of zlib >/dev/null && dsc_of libunwind >/dev/null; then
        return 0                 # downloaded by an earlier, unfinished run
    fi
    rm -rf "$M/dl" &&
        mkdir -p "$M/dl" "$A/lists/partial" "$A/cache/archives/partial" &&
        write_sources_list &&
        echo "== sources.list" && cat "$A/sources.list" &&
        echo "== apt-get update" &&
        # An unreachable source the system happens to list makes update exit
        # non-zero while the others are fine; the download below decides.
        { apt_private update || echo "(apt-get update exited $?, continuing)"; } &&
        echo "== apt-get source" &&
        (cd "$M/dl" && apt_private source --download-only --only-source zlib libunwind) &&
        dsc_of zlib >/dev/null && dsc_of libunwind >/dev/null
}

unpack() { # unpack SRCPKG DIR
    local dsc
    dsc=$(dsc_of "$1") &&
        # apt-get already checked the files against the signed Sources index;
        # like apt-get source itself, skip dpkg-source's own signature check.
        dpkg-source --no-check -x "$dsc" "$2"
}

build_zlib() {
    unpack zlib "$M/src/zlib" &&
        cd "$M/src/zlib" &&
        CC=musl-gcc CFLAGS=$musl_cflags ./configure --static --prefix="$M" &&
        make -j"$jobs" libz.a &&
        make install
}

build_libunwind() {
    unpack libunwind "$M/src/libunwind" &&
        cd "$M/src/libunwind" &&
        CC=musl-gcc CFLAGS=$musl_cflags ./configure --host="$host" \
            --disable-shared --enable-static \
            --disable-minidebuginfo --disable-zlibdebuginfo \
            --disable-tests --disable-documentation \
            --disable-coredump --disable-ptrace --disable-setjmp \
            --prefix="$M" &&
        make -j"$jobs" &&
        make install
}

# A fully static musl program that unwinds three nested calls and round-trips
# a buffer through zlib: proves the archives link statically, libunwind finds
# the unwind tables (via .eh_frame_hdr) and the PIC/hidden build works.
verify() {
    mkdir -p "$M/verify" &&
        cat >"$M/verify/prog.c" <<'EOF' &&
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
    printf("frames %d, zlib %s %lu -> %lu bytes\n", frames, zlibVersion(),
           (unsigned long)sizeof in, (unsigned long)plen);
    if (frames < 3) {
        printf("unw_backtrace returned %d frames, expected >= 3\n", frames);
        return 1;
    }
    return 0;
}
EOF
        musl-gcc -static -Wl,--eh-frame-hdr -Wl,--build-id -I "$M/include" \
            -o "$M/verify/prog" "$M/verify/prog.c" \
            "$M/lib/libunwind.a" "$M/lib/libz.a" \
            -Wl,-u,pthread_once,-u,pthread_key_create,-u,pthread_setspecific \
            -Wl,-u,pthread_getspecific,-u,pthread_mutex_lock,-u,pthread_mutex_unlock &&
        "$M/verify/prog"
}

# ---------------------------------------------------------------------------

rm -rf "${M:?}/src" "${M:?}/include" "${M:?}/lib" "${M:?}/share" "${M:?}/verify" "${M:?}/.stamp"
mkdir -p "$M/src"

echo "heapfold: fetching zlib and libunwind sources (Debian source packages)" >&2
fetch_sources >"$M/apt.log" 2>&1 || fail "fetching musl zlib/libunwind sources" apt.log

echo "heapfold: building musl zlib" >&2
(build_zlib) >"$M/zlib.log" 2>&1 || fail "building musl zlib" zlib.log

echo "heapfold: building musl libunwind" >&2
(build_libunwind) >"$M/libunwind.log" 2>&1 || fail "building musl libunwind" libunwind.log

verify >"$M/verify.log" 2>&1 || fail "checking musl libunwind/zlib" verify.log

{
    echo "zlib $(sed -n 's/^Version: //p' "$(dsc_of zlib)")"
    echo "libunwind $(sed -n 's/^Version: //p' "$(dsc_of libunwind)")"
    echo "cflags $musl_cflags"
    echo "host $host"
} >"$M/.stamp"
echo "heapfold: musl zlib and libunwind ready in $shown" >&2
