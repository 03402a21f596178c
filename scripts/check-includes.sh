#!/bin/sh
# check-includes.sh [ROOT]: the include rules of docs/ARCHITECTURE.md over
# ROOT/src (default: this repository), as TAP:
#   1. src/util/ includes nothing of ours but util/ itself;
#   2. no engine (src/*/ but src/cmd/, and src/main.c aside) includes cmd/;
#   3. a file in src/cmd/ includes no cmd/ header but cmd/cmd.h, the
#      commands' common helpers: logic two commands share moves down into
#      an engine.
# Only quoted includes ("dir/file.h") are ours; <...> are the system's.
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 1

# FILE:LINE:DIR/HEADER of every quoted include under src/*/
incs=$(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' src/*/*.c src/*/*.h 2>/dev/null |
	sed 's/^\([^:]*:[0-9]*\):.*"\([^"]*\)".*/\1:\2/')

n=0
fails=0
# rule DESC AWK-CONDITION: fails with the includes for which the condition holds
# (fields: $1 file, $2 line, $3 header; $dir the file's directory under src/)
rule() {
	n=$((n + 1))
	bad=$(printf '%s\n' "$incs" | awk -F: '$1 != "" {
		split($1, p, "/"); dir = p[2]; split($3, h, "/"); hdir = (3 in h || index($3, "/")) ? h[1] : ""
		if ('"$2"') print "#   " $1 ":" $2 ": includes \"" $3 "\""
	}')
	if [ -n "$bad" ]; then
		echo "not ok $n - $1"
		printf '%s\n' "$bad"
		fails=$((fails + 1))
	else
		echo "ok $n - $1"
	fi
}
echo "1..3"
rule "src/util/ includes nothing of ours but util/" 'dir == "util" && hdir != "util"'
rule "no engine includes cmd/" 'dir != "cmd" && hdir == "cmd"'
rule "src/cmd/ includes no cmd/ header but cmd/cmd.h" 'dir == "cmd" && hdir == "cmd" && $3 != "cmd/cmd.h"'
[ "$fails" = 0 ]
