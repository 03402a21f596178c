#!/bin/bash
# `perfeng <command> --help` and docs/CMD.md say the same: for every command,
# every option and every environment variable in its --help is in its
# section of docs/CMD.md ("### perfeng <command>": a line "- `-x, --opt ...`"
# per option, a line "Environment: `VAR`, ..."), and every one there is in
# its --help. A failure names the command and what is missing where.
. "$(dirname "$0")/lib.sh"

DOC=$(cd "$(dirname "$0")/../.." && pwd)/docs/CMD.md

# help_names CMD: "opt --long" (or "opt -x" with no long name) and "env VAR" lines of CMD --help
help_names() {
	"$PERFENG_BIN" "$1" --help | awk '
		/^Environment:/ { env = 1; next }
		env && /^    [A-Z_][A-Z0-9_]+ / { print "env", $1; next }
		env && !/^    / { env = 0 }
		/^    -[A-Za-z0-9](,| |$)/ || /^        --[a-z0-9]/ {
			s = $0; sub(/^ +/, "", s); sub(/  .*/, "", s)
			if (match(s, /--[a-z0-9-]+/)) print "opt", substr(s, RSTART, RLENGTH)
			else { split(s, w, /[ ,]/); print "opt", w[1] }
		}' | LC_ALL=C sort -u
}

# doc_names CMD: the same from the command's section of docs/CMD.md
doc_names() {
	awk -v want="### perfeng $1" '
		/^#/ { in_sec = ($0 == want); next }
		!in_sec { next }
		/^- `-/ {
			s = $0; sub(/^- `/, "", s); sub(/`.*/, "", s)
			if (match(s, /--[a-z0-9-]+/)) print "opt", substr(s, RSTART, RLENGTH)
			else { split(s, w, /[ ,]/); print "opt", w[1] }
		}
		/^Environment:/ {
			s = $0
			while (match(s, /`[A-Z_][A-Z0-9_]+`/)) {
				print "env", substr(s, RSTART + 1, RLENGTH - 2); s = substr(s, RSTART + RLENGTH)
			}
		}' "$DOC" | LC_ALL=C sort -u
}

cmds=$("$PERFENG_BIN" --help | awk '/^    [a-z]/ { print $1 }')
ok "perfeng --help lists the commands ($(echo $cmds))" test -n "$cmds"
for c in $cmds; do
	help_names "$c" >"$T/help.$c"
	doc_names "$c" >"$T/doc.$c"
	if ! grep -qx "### perfeng $c" "$DOC"; then
		fail "$c: docs/CMD.md has a section '### perfeng $c'" "add it, with the options of 'perfeng $c --help'"
		continue
	fi
	pass "$c: docs/CMD.md has a section '### perfeng $c'"
	ok "$c: its --help lists options ($(grep -c '^opt' "$T/help.$c"))" grep -q '^opt' "$T/help.$c"
	missing=$(LC_ALL=C comm -23 "$T/help.$c" "$T/doc.$c" |
		awk '{ printf "  %s %s is in '\''perfeng '"$c"' --help'\'' but not in docs/CMD.md ### perfeng '"$c"'\n", ($1 == "env" ? "environment variable" : "option"), $2 }')
	is "$missing" "" "$c: every option and environment variable of its --help is in docs/CMD.md"
	extra=$(LC_ALL=C comm -13 "$T/help.$c" "$T/doc.$c" |
		awk '{ printf "  %s %s is in docs/CMD.md ### perfeng '"$c"' but not in '\''perfeng '"$c"' --help'\''\n", ($1 == "env" ? "environment variable" : "option"), $2 }')
	is "$extra" "" "$c: every option and environment variable in docs/CMD.md is in its --help"
done
# every command reads NO_COLOR (errors and warnings), and the store's commands PERFENG_STORE
nocolor=$(for c in $cmds; do grep -qx "env NO_COLOR" "$T/help.$c" || echo "$c"; done)
is "$nocolor" "" "every command's --help names NO_COLOR (its errors and warnings read it)"
for c in profile diagnose; do
	grep -qx "env PERFENG_JIT_DIR" "$T/help.$c" && pass "$c: --help names PERFENG_JIT_DIR" ||
		fail "$c: --help names PERFENG_JIT_DIR"
done
grep -qx "env PERFENG_NVML_LIB" "$T/help.observe" && pass "observe: --help names PERFENG_NVML_LIB" ||
	fail "observe: --help names PERFENG_NVML_LIB"

# the checker itself: a made-up option missing from the page is named with its command
sed '/^- `--top <N>`/d' "$DOC" >"$T/CMD.md"
DOC=$T/CMD.md
doc_names flamegraph >"$T/doc2"
is "$(LC_ALL=C comm -23 "$T/help.flamegraph" "$T/doc2")" "opt --top" "a line taken out of the page is found missing"

done_testing
