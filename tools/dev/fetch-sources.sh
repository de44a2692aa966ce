#!/bin/bash
# heapfold: fetch Debian source packages, surviving an archive that does not serve one version.
#
# usage: tools/dev/fetch-sources.sh DL_DIR PACKAGE...
#
# For each PACKAGE, every version that the machine's apt sources list is a candidate, newest
# first (equal versions in the order the sources are listed, so the release pocket comes
# before a security pocket that carries the same version). The first candidate whose files
# all download, match the SHA-256 sums of the signed Sources index and unpack with
# dpkg-source wins; then DL_DIR/src/PACKAGE/ holds its files and a file "fetched" naming the
# version and the pocket. A mirror that answers 404 for the newest version (a security
# pocket whose source files are gone, a half-synced mirror) costs one try, not the build.
#
# When no candidate works, one line per package names each version and pocket tried and why
# it failed, then the command to retry, and we exit 1. Nothing of a failed package is left:
# each try downloads into a scratch folder that becomes DL_DIR/src/PACKAGE only once it has
# unpacked, so a later run never mistakes half a download for a fetched package.
#
# The apt configuration is private (DL_DIR/apt/): deb-src twins of the machine's deb sources,
# the system's apt configuration is never modified. HEAPFOLD_DEPS_SOURCES=FILE uses FILE's
# deb-src lines instead of the derived ones (a local mirror; tests/integration/deps_fallback.sh
# uses it to make the newest version unreachable on purpose). Log: DL_DIR/apt.log.
set -eu

if [ $# -lt 2 ]; then
    echo "usage: $0 DL_DIR PACKAGE..." >&2
    exit 2
fi
mkdir -p "$1"
DL=$(cd "$1" && pwd)
shift
A=$DL/apt
LOG=$DL/apt.log
helper=/usr/lib/apt/apt-helper
export LC_ALL=C

for c in apt-get dpkg-source dpkg $helper; do
    if ! command -v "$c" >/dev/null 2>&1; then
        echo "heapfold: fetching sources needs $c (Debian's apt and dpkg-dev); run tools/dev/deps.sh" >&2
        exit 1
    fi
done

# ---------------------------------------------------------------------------
# Private apt configuration: deb-src twins of the machine's deb sources.

# Print a deb-src line for every deb source of a one-line style file.
# "deb [opts] uri suite comp..." keeps its options (signed-by, trusted, ...).
derive_oneline() {
    sed -e 's/#.*//' "$1" |
        sed -n -e 's/^[[:space:]]*deb\(-src\)\{0,1\}[[:space:]]\{1,\}/deb-src /p'
}

# Print deb-src lines for the paragraphs of a deb822 .sources file.
# Keeps Signed-By (a keyring path or fingerprints as signed-by=; a key embedded
# in the file is written to KEYDIR and referenced) and Trusted; skips
# paragraphs with Enabled: no. Trusted (trusted=yes) is copied only when the
# machine's own source has it: signatures are verified as for its deb lines.
derive_deb822() { # FILE KEYDIR PREFIX
    awk -v keydir="$2" -v prefix="$3" '
        function flush(   n, u, s, i, j, opts, key, nk, kl, k, line) {
            if (types ~ /(^|[ \t])deb(-src)?([ \t]|$)/ && tolower(enabled) != "no" && uris != "" && suites != "") {
                opts = ""
                if (signedby != "") {
                    if (signedby ~ /BEGIN PGP/) {
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
                        gsub(/^[ \t\n,]+|[ \t\n,]+$/, "", s)
                        gsub(/[ \t\n,]+/, ",", s)
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
    mkdir -p "$A/keys"
    if [ -n "${HEAPFOLD_DEPS_SOURCES:-}" ]; then
        grep '^[[:space:]]*deb-src' "$HEAPFOLD_DEPS_SOURCES" >"$A/sources.list" || true
    else
        sl=/etc/apt/sources.list
        sp=/etc/apt/sources.list.d
        # Honour a relocated apt configuration (APT_CONFIG, Dir::Etc settings).
        eval "$(apt-config shell sl Dir::Etc::SourceList/f sp Dir::Etc::SourceParts/d 2>/dev/null)" || true
        sp=${sp%/}
        {
            echo "# derived by tools/dev/fetch-sources.sh from the system's apt sources"
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
    fi
    grep -q '^[[:space:]]*deb-src' "$A/sources.list"
}

apt_opts=(-o Dir::Etc::SourceList="$A/sources.list" -o Dir::Etc::SourceParts=-
    -o Dir::State::Lists="$A/lists" -o Dir::Cache="$A/cache" -o APT::Sandbox::User=root)

# candidates PACKAGE: one line per (version, pocket) that lists PACKAGE, newest version first,
# equal versions in source-list order:
#   VERSION <TAB> POCKET <TAB> BASE_URI <TAB> DIRECTORY <TAB> SHA256 SIZE NAME [; SHA256 SIZE NAME]...
# POCKET is "site suite" as apt shows it; BASE_URI the repository's root (a flat repository's
# index sits at its root and names its files relative to it).
candidates() {
    local idx=0 file repo rel
    apt-get "${apt_opts[@]}" indextargets --format '$(FILENAME)	$(REPO_URI)	$(SITE) $(RELEASE)' \
        'Created-By: Sources' 2>>"$LOG" |
        while IFS='	' read -r file repo rel; do
            idx=$((idx + 1))
            [ -f "$file" ] || continue
            "$helper" cat-file "$file" 2>>"$LOG" |
                awk -v pkg="$1" -v pocket="$rel" -v base="$repo" -v idx="$idx" '
                    BEGIN { RS = ""; FS = "\n" }
                    {
                        ver = dir = files = ""; mine = insums = 0
                        for (i = 1; i <= NF; i++) {
                            if ($i == "Package: " pkg) mine = 1
                            else if ($i ~ /^Version: /) ver = substr($i, 10)
                            else if ($i ~ /^Directory: /) dir = substr($i, 12)
                            else if ($i ~ /^Checksums-Sha256:/) { insums = 1; continue }
                            if (insums && $i ~ /^ /) {
                                split(substr($i, 2), f, " ")
                                files = files (files == "" ? "" : ";") f[1] " " f[2] " " f[3]
                            } else insums = 0
                        }
                        if (mine && ver != "" && files != "")
                            printf "%s\t%s\t%s\t%s\t%s\t%d\n", ver, pocket, base, dir, files, idx
                    }'
        done | sort_newest_first
}

# Sort candidate lines by version (dpkg's ordering), newest first; ties keep source-list order.
sort_newest_first() {
    local lines=() line i j tmp
    while IFS= read -r line; do lines+=("$line"); done
    # Insertion sort: a package has a handful of versions, and dpkg --compare-versions is the
    # only correct comparison of Debian versions (epochs, ~, revisions).
    for ((i = 1; i < ${#lines[@]}; i++)); do
        tmp=${lines[i]}
        j=$((i - 1))
        while ((j >= 0)) && dpkg --compare-versions "${tmp%%	*}" gt "${lines[j]%%	*}"; do
            lines[j + 1]=${lines[j]}
            j=$((j - 1))
        done
        lines[j + 1]=$tmp
    done
    ((${#lines[@]} == 0)) || printf '%s\n' "${lines[@]}"
}

# try PACKAGE VERSION BASE DIRECTORY FILES SCRATCH: download every file into SCRATCH, checked
# against the index's SHA-256, then unpack. Prints the reason on failure.
try() {
    local pkg=$1 ver=$2 base=${3%/} dir=$4 files=$5 s=$6 sum size name out reason
    rm -rf "$s" && mkdir -p "$s"
    local IFS=';'
    for f in $files; do
        IFS=' ' read -r sum size name <<<"$f"
        # The URI as apt writes it: '+' in a file name escaped.
        if ! out=$(cd "$s" && "$helper" "${apt_opts[@]}" download-file \
            "$base/${dir:+$dir/}${name//+/%2b}" "$name" "SHA256:$sum" 2>&1); then
            echo "$out" >>"$LOG"
            reason=$(printf '%s\n' "$out" | sed -n 's/^E: Failed to fetch [^ ]*[[:space:]]*//p' |
                sed -e 's/ *\[IP:[^]]*\]//' -e 's/[[:space:]]\{1,\}/ /g' | head -n 1)
            echo "${reason:-download failed} ($name)"
            return 1
        fi
        echo "$out" >>"$LOG"
    done
    if ! (cd "$s" && dpkg-source --no-check -x ./*.dsc unpacked) >>"$LOG" 2>&1; then
        echo "dpkg-source could not unpack it"
        return 1
    fi
    rm -rf "$s/unpacked" # each build unpacks its own copy
}

join() { # the arguments, separated by "; "
    local out=$1
    shift
    for a in "$@"; do out+="; $a"; done
    echo "$out"
}

fetch() { # PACKAGE
    local pkg=$1 ver pocket base dir files idx reason tried=() n=0
    local dest=$DL/src/$pkg scratch=$DL/src/.try-$pkg
    while IFS='	' read -r ver pocket base dir files idx; do
        n=$((n + 1))
        echo "== $pkg $ver from $pocket" >>"$LOG"
        if reason=$(try "$pkg" "$ver" "$base" "$dir" "$files" "$scratch"); then
            echo "$ver $pocket" >"$scratch/fetched"
            rm -rf "$dest" && mv "$scratch" "$dest"
            if ((${#tried[@]} > 0)); then
                echo "heapfold: $pkg $ver from $pocket (tried before it: $(join "${tried[@]}"))" >&2
            fi
            return 0
        fi
        tried+=("$ver from $pocket: $reason")
    done < <(candidates "$pkg")
    rm -rf "$scratch"
    if ((n == 0)); then
        echo "heapfold: no apt source lists the source package $pkg (sources: $A/sources.list)" >&2
    else
        echo "heapfold: could not fetch the source package $pkg; tried $(join "${tried[@]}")" >&2
    fi
    return 1
}

# ---------------------------------------------------------------------------

# The list of candidates is made anew at each fetch: a stale index names files that are gone.
mkdir -p "$DL/src" "$A/lists/partial" "$A/cache/archives/partial"
: >"$LOG"
if ! write_sources_list; then
    echo "heapfold: no deb source to derive deb-src lines from (see $A/sources.list)" >&2
    exit 1
fi
{ echo "== sources.list"; cat "$A/sources.list"; echo "== apt-get update"; } >>"$LOG"
# An unreachable source among several makes update exit non-zero while the others are fine:
# the candidates found decide.
apt-get -q "${apt_opts[@]}" update >>"$LOG" 2>&1 || echo "(apt-get update exited $?, continuing)" >>"$LOG"

status=0
for pkg in "$@"; do
    fetch "$pkg" || status=1
done
if [ $status -ne 0 ]; then
    echo "heapfold: nothing partial was kept; to retry, run the same make command again (log: ${LOG_SHOWN:-$LOG})" >&2
fi
exit $status
