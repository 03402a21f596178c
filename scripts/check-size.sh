#!/bin/sh
# check-size.sh [ROOT]: functions over 120 lines and files over 800 lines in
# ROOT/src (default: this repository), as TAP. Each one fails unless
# ROOT/scripts/size-allow.txt names it with a reason:
#
#   src/store/big.c            the reason, in words
#   src/cmd/x.c:cmd_x          the reason, in words
#
# A function is counted from the line of its name to its closing brace, as
# perfeng's style writes them: the name at the start of a line, "{" and "}"
# alone at the start of theirs.
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
allow=$root/scripts/size-allow.txt
max_fn=${MAX_FUNCTION_LINES:-120}
max_file=${MAX_FILE_LINES:-800}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

cd "$root" || exit 1
touch "$tmp/allow"
[ -f "$allow" ] && grep -v '^[[:space:]]*\(#\|$\)' "$allow" >"$tmp/allow"

find src -name '*.c' -o -name '*.h' | LC_ALL=C sort >"$tmp/files"
# FILE LINES of each file over the limit
xargs wc -l <"$tmp/files" | awk -v m="$max_file" '$2 != "total" && $1 > m { print $2, $1 }' >"$tmp/big-files"
# FILE:FUNCTION LINES of each function over the limit
xargs awk -v m="$max_fn" '
	FNR == 1 { sig = ""; inbody = 0 }
	!inbody && /^[A-Za-z_][^;]*\(/ && match($0, /[A-Za-z_][A-Za-z_0-9]*[ \t]*\(/) {
		sig = substr($0, RSTART, RLENGTH); sub(/[ \t]*\($/, "", sig); start = FNR
	}
	!inbody && /^\{/ && sig != "" { inbody = 1; next }
	inbody && /^\}/ {
		if (FNR - start + 1 > m) print FILENAME ":" sig, FNR - start + 1
		inbody = 0; sig = ""
	}' <"$tmp/files" >"$tmp/big-fns"

n=0
fails=0
# check KIND LIST: one TAP line for the entries of LIST, each allowed or failing
check() {
	n=$((n + 1))
	bad=""
	while read -r what lines; do
		entry=$(awk -v w="$what" '$1 == w' "$tmp/allow")
		if [ -z "$entry" ]; then
			bad="$bad
#   $what: $lines lines (split it, or add '$what <reason>' to scripts/size-allow.txt)"
		elif [ "$(printf '%s\n' "$entry" | awk '{ print NF }')" -lt 2 ]; then
			bad="$bad
#   $what: in scripts/size-allow.txt without a reason"
		else
			echo "# allowed: $what, $lines lines: $(printf '%s\n' "$entry" | cut -d' ' -f2- | sed 's/^ *//')"
		fi
	done <"$2"
	if [ -n "$bad" ]; then
		echo "not ok $n - $1$bad"
		fails=$((fails + 1))
	else
		echo "ok $n - $1"
	fi
}
echo "1..3"
check "no file in src/ over $max_file lines outside scripts/size-allow.txt" "$tmp/big-files"
check "no function in src/ over $max_fn lines outside scripts/size-allow.txt" "$tmp/big-fns"
# entries that no longer need to be there: said, so the list stays short
n=$((n + 1))
cat "$tmp/big-files" "$tmp/big-fns" >"$tmp/big"
stale=$(awk 'FILENAME == ARGV[1] { over[$1] = 1; next } !($1 in over) { print $1 }' "$tmp/big" "$tmp/allow")
if [ -n "$stale" ]; then
	echo "not ok $n - every entry of scripts/size-allow.txt is still over its limit"
	printf '%s\n' "$stale" | sed 's/^/#   no longer needed: /'
	fails=$((fails + 1))
else
	echo "ok $n - every entry of scripts/size-allow.txt is still over its limit"
fi
[ "$fails" = 0 ]
