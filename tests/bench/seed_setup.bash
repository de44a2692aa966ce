# Sourced by profile.sh and instructions.sh: NAME TOOL. Checks that TOOL is installed and the
# preload library built, makes a scratch directory ($tmp, removed at exit), and builds the seed
# benchmark into $tmp/seed with the flags of run.sh. Sets here, B (absolute) and lib.
set -u
export LC_ALL=C
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
B=$(cd "${B:-build}" && pwd)
lib=$B/lib/libheapfold.so
command -v "$2" >/dev/null || { echo "$1: $2 is not installed" >&2; exit 1; }
[[ -f $lib ]] || { echo "$1: $lib is not built" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/hf$1.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cc -std=gnu11 -O2 -g -fno-omit-frame-pointer -pthread -o "$tmp/seed" "$here/seed.c" || exit 1
