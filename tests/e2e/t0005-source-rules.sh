#!/bin/bash
# The source tree's own rules (docs/ARCHITECTURE.md): no function over 120
# lines nor file over 800 in src/ outside scripts/size-allow.txt
# (scripts/check-size.sh), and the include rules (scripts/check-includes.sh).
# Each checker runs on this tree, which must pass, and on a small tree that
# breaks each rule, which must fail naming what broke it.
. "$(dirname "$0")/lib.sh"

R=$(cd "$(dirname "$0")/../.." && pwd)

out=$("$R/scripts/check-size.sh" "$R" 2>&1) && rc=0 || rc=$?
is "$rc" 0 "src/ is within the size limits or allowed with a reason"
[ "$rc" = 0 ] || diag "$out"
out=$("$R/scripts/check-includes.sh" "$R" 2>&1) && rc=0 || rc=$?
is "$rc" 0 "src/ follows the include rules"
[ "$rc" = 0 ] || diag "$out"

# --- a tree that breaks the size rules
F=$T/tree
mkdir -p "$F/src/cmd" "$F/src/util" "$F/src/prof" "$F/scripts"
{
	echo 'int cmd_long(int argc, char **argv)'
	echo '{'
	for i in $(seq 1 130); do echo "	argc += $i;"; done
	echo '	return argc;'
	echo '}'
	echo 'static int short_one(void)'
	echo '{'
	echo '	return 0;'
	echo '}'
} >"$F/src/cmd/long.c"
seq 1 801 | sed 's|^|/* line |; s|$| */|' >"$F/src/util/big.c"
: >"$F/scripts/size-allow.txt"
out=$("$R/scripts/check-size.sh" "$F" 2>&1) && rc=0 || rc=$?
is "$rc" 1 "a long function and a big file: check-size fails"
like "$out" 'src/cmd/long.c:cmd_long: 134 lines' "names the function and its length"
like "$out" 'src/util/big.c: 801 lines' "names the file and its length"
unlike "$out" 'short_one' "a short function is not named"
printf 'src/cmd/long.c:cmd_long  being split elsewhere\nsrc/util/big.c\n' >"$F/scripts/size-allow.txt"
out=$("$R/scripts/check-size.sh" "$F" 2>&1) && rc=0 || rc=$?
is "$rc" 1 "an allow-list entry without a reason still fails"
like "$out" 'src/util/big.c: in scripts/size-allow.txt without a reason' "and says the reason is missing"
like "$out" '# allowed: src/cmd/long.c:cmd_long, 134 lines: being split elsewhere' "an entry with a reason passes, shown"
printf 'src/cmd/long.c:cmd_long  being split\nsrc/util/big.c  generated\nsrc/gone.c  split last week\n' >"$F/scripts/size-allow.txt"
out=$("$R/scripts/check-size.sh" "$F" 2>&1) && rc=0 || rc=$?
is "$rc" 1 "an entry no longer over its limit fails"
like "$out" 'no longer needed: src/gone.c' "and is named, so the list stays short"

# --- a tree that breaks each include rule
printf '#include <stdio.h>\n#include "util/error.h"\n#include "prof/profile.h"\n' >"$F/src/util/a.c"
printf '#include "cmd/cmd.h"\n' >"$F/src/prof/b.c"
printf '#include "cmd/cmd.h"\n#include "cmd/bench.h"\n' >"$F/src/cmd/c.c"
out=$("$R/scripts/check-includes.sh" "$F" 2>&1) && rc=0 || rc=$?
is "$rc" 1 "include rules broken: check-includes fails"
like "$out" 'not ok 1 - src/util/ includes nothing of ours but util/
#   src/util/a.c:3: includes "prof/profile.h"' "util/ including an engine"
like "$out" 'src/prof/b.c:1: includes "cmd/cmd.h"' "an engine including cmd/"
like "$out" 'src/cmd/c.c:2: includes "cmd/bench.h"' "a command including another command's header"
unlike "$out" 'util/error.h|stdio.h|c.c:1:' "the includes that are allowed are not named"

done_testing
