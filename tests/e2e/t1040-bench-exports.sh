#!/bin/bash
# perfeng bench --export-csv, --export-markdown, --export-asciidoc,
# --export-orgmode, --export-json with two commands; the JSON read as hyperfine's (same keys, same types as
# `hyperfine -N --export-json` writes for the same command).
. "$(dirname "$0")/lib.sh"

A="$H/pe-spin 12"
B="$H/pe-spin 2"

run_pe bench -q -w 1 -r 10 --interleave --export-json "$T/r.json" --export-csv "$T/r.csv" --export-markdown "$T/r.md" "$A" "$B"
rc_is 0 "two commands with all three exports: exit 0"

# --- CSV ----------------------------------------------------------------------
head -1 "$T/r.csv" >"$T/csv-header"
like "$(cat "$T/csv-header")" '^command,mean,stddev,median,user,system,min,max(,|$)' "the CSV header starts with hyperfine's columns"
is "$(cat "$T/csv-header")" "command,mean,stddev,median,user,system,min,max,p5,p95,mad,mean_ci_low,mean_ci_high,median_ci_low,median_ci_high,runs,outliers,max_rss_kib" \
	"the CSV header is the documented one"
is "$(lines "$T/r.csv")" 3 "the CSV has one row per command"
is "$(tail -n +2 "$T/r.csv" | cut -d, -f1 | tr '\n' '|')" "$A|$B|" "the rows are in command order, named by the command"
is "$(awk -F, '{ print NF }' "$T/r.csv" | sort -u)" 18 "every CSV row has the header's 18 fields"
# the CSV numbers are the JSON's (printed with 9 significant digits)
for col in 2:mean 4:median 7:min 8:max; do
	n=${col%%:*} k=${col#*:}
	csv=$(sed -n 2p "$T/r.csv" | cut -d, -f"$n")
	jq_ok "$T/r.json" "((.results[0].$k - $csv) | fabs) <= 1e-8 * .results[0].$k" "CSV $k of the first command matches the JSON"
done
is "$(sed -n 2p "$T/r.csv" | cut -d, -f16)" 10 "the CSV runs column is 10"

# --- Markdown -------------------------------------------------------------------
is "$(lines "$T/r.md")" 4 "the Markdown table has a header, a rule and one row per command"
like "$(sed -n 1p "$T/r.md")" '^\| Command \| Mean \[ms\] \| Min \[ms\] \| Max \[ms\] \| Relative \| Median \[ms\] \(95% CI\) \| Verdict \|$' \
	"the Markdown header has hyperfine's columns, then Median and Verdict"
like "$(sed -n 2p "$T/r.md")" '^\|:?-+:?(\|:?-+:?){6}\|$' "the second line is the Markdown rule, 7 columns"
like "$(sed -n 3p "$T/r.md")" "^\| \`$A\` \| .* \| slower \|$" "row 1: the slow command, slower"
like "$(sed -n 4p "$T/r.md")" "^\| \`$B\` \| .* \| 1\.00 \| .* \| reference \|$" "row 2: the fast command, the reference at 1.00"

# --sort mean-time orders the tables by mean.
run_pe bench -q -r 3 --sort mean-time --export-markdown "$T/s.md" --export-csv "$T/s.csv" "$A" "$B"
like "$(sed -n 3p "$T/s.md")" "^\| \`$B\` " "--sort mean-time: the fastest first in Markdown"

# --- AsciiDoc and org-mode: the Markdown table's cells, in hyperfine's layouts --------
run_pe bench -q -N -r 6 -u millisecond --export-json "$T/t.json" --export-markdown "$T/t.md" \
	--export-asciidoc "$T/t.adoc" --export-orgmode "$T/t.org" "$A" "$B"
rc_is 0 "--export-asciidoc and --export-orgmode with the other exports: exit 0"
# each table as TSV, one line per row, the command without its code marks
awk 'NR > 2 { sub(/^\| /, ""); sub(/ \|$/, ""); n = split($0, c, / \| /); gsub(/`/, "", c[1])
	s = c[1]; for (i = 2; i <= n; i++) s = s "\t" c[i]; print s }' "$T/t.md" >"$T/md.tsv"
awk 'function flush() { if (row != "") print row; row = "" }
	/^\|===$/ { if (++bars == 2) flush(); next }
	/^$/ { if (hdr) flush(); hdr = 1; next }
	hdr && /^\| / { c = substr($0, 3); sub(/ $/, "", c); gsub(/`/, "", c); row = row == "" ? c : row "\t" c }' \
	"$T/t.adoc" >"$T/adoc.tsv"
awk -F'|' 'NR > 2 { s = ""; for (i = 2; i < NF; i++) { c = $i; gsub(/^ +| +$/, "", c); if (i == 2) gsub(/^=|=$/, "", c)
	s = i == 2 ? c : s "\t" c } print s }' "$T/t.org" >"$T/org.tsv"
is "$(lines "$T/adoc.tsv")" 2 "the AsciiDoc table has one row per command"
is "$(cat "$T/adoc.tsv")" "$(cat "$T/md.tsv")" "the AsciiDoc rows are the Markdown rows, cell for cell"
is "$(cat "$T/org.tsv")" "$(cat "$T/md.tsv")" "the org-mode rows are the Markdown rows, cell for cell"
# the cells against the JSON export: each number within half a unit of its last decimal
jq_cells='def near($cell; $v): ($cell | tonumber) as $x | (($cell | split(".")[1] // "") | length) as $d
		| (($x - $v) | fabs) <= 0.5 * pow(10; -$d) + 1e-9;
	($rows | split("\n") | map(select(length > 0) | split("\t"))) as $rows
	| [.results[] as $r | $rows[] | select(.[0] == $r.command) | . as $c
	   | ($c[1] | split(" ± ")) as $ms | ($c[5] | split(" (")) as $med
	   | ($med[1] | rtrimstr(")") | split("–")) as $mci
	   | near($ms[0]; $r.mean * 1e3) and near($ms[1]; $r.stddev * 1e3)
	     and near($c[2]; $r.min * 1e3) and near($c[3]; $r.max * 1e3)
	     and near($med[0]; $r.median * 1e3)
	     and near($mci[0]; $r.perfeng.wall.median_ci95[0] * 1e3) and near($mci[1]; $r.perfeng.wall.median_ci95[1] * 1e3)
	     and (if $r.perfeng.comparison then ($c[4] | split(" (")) as $rel | ($rel[1] | rtrimstr(")") | split("–")) as $rci
		  | near($rel[0]; $r.perfeng.comparison.ratio) and near($rci[0]; $r.perfeng.comparison.ratio_ci95[0])
		    and near($rci[1]; $r.perfeng.comparison.ratio_ci95[1]) and $c[6] == $r.perfeng.comparison.verdict
		  else $c[4] == "1.00" and $c[6] == "reference" end)]
	| length == 2 and all'
ok "every AsciiDoc cell is the JSON's value (mean ± σ, min, max, ratio and CI, median and CI, verdict)" \
	jq -e --rawfile rows "$T/adoc.tsv" "$jq_cells" "$T/t.json"
is "$(sed -n 1,2p "$T/t.adoc")" $'[cols="<,>,>,>,>,>,<"]\n|===' "AsciiDoc: the column spec and the table's opening"
is "$(tail -n 1 "$T/t.adoc")" '|===' "AsciiDoc: the table's closing"
like "$(sed -n 2p "$T/t.org")" '^\|--(\+--){6}\|$' "org-mode: the rule under the header, 7 columns"
if command -v hyperfine >/dev/null 2>&1; then
	timeout -k 5 "$PE_TIMEOUT" hyperfine -N -r 3 -u millisecond --export-asciidoc "$T/hf.adoc" --export-orgmode "$T/hf.org" \
		"$A" "$B" </dev/null >/dev/null 2>&1
	# hyperfine's five columns come first, framed as hyperfine frames them
	is "$(sed -n 3,7p "$T/t.adoc")" "$(sed -n 3,7p "$T/hf.adoc")" "AsciiDoc: the header's first five cells are hyperfine's, line for line"
	is "$(sed -n 1p "$T/t.adoc" | cut -c1-16)" "$(sed -n 1p "$T/hf.adoc" | cut -c1-16)" "AsciiDoc: the first five column specs are hyperfine's"
	is "$(sed -n 1p "$T/t.org" | cut -d'|' -f1-6)" "$(sed -n 1p "$T/hf.org" | cut -d'|' -f1-6)" "org-mode: the header's first five cells are hyperfine's"
	is "$(sed -n 3p "$T/t.org" | cut -d'|' -f2)" "$(sed -n 3p "$T/hf.org" | cut -d'|' -f2)" "org-mode: the command cell is written as hyperfine writes it"
	is "$(sed -n 2p "$T/t.org" | cut -c1-13)" "$(sed -n 2p "$T/hf.org" | cut -c1-13)" "org-mode: the rule as hyperfine's"
else
	skip "the AsciiDoc and org-mode layouts are hyperfine's" "hyperfine is not installed (scripts/install-deps.sh installs it)"
fi
# What would end a cell or the code in a command's name is escaped.
run_pe bench -q -r 1 --export-asciidoc "$T/e.adoc" --export-orgmode "$T/e.org" --export-markdown "$T/e.md" 'echo "a|b`c`"'
rc_is 0 "a command with | and backticks: exit 0"
is "$(grep -c '^| `echo "a\\|b'"'"'c'"'"'"` $' "$T/e.adoc")" 1 "AsciiDoc: | is \\| and a backtick is ' inside the code"
is "$(grep -c '^| echo "a\\vert{}b`c`"  |' "$T/e.org")" 1 "org-mode: a name with | is text with \\vert{}, not =code="
is "$(grep -c '^| `echo "a\\|b'"'"'c'"'"'"` |' "$T/e.md")" 1 "Markdown: the same escapes as AsciiDoc"

# --- JSON comparison ------------------------------------------------------------------
J=$T/r.json
jq_is "$J" '.perfeng.reference' "\"$B\"" "perfeng.reference is the fastest"
jq_is "$J" '.results[1].perfeng|has("comparison")' false "the reference has no comparison"
jq_is "$J" '.results[0].perfeng.comparison|keys' '["median_ratio","median_ratio_ci95","p_value","ratio","ratio_ci95","reference","verdict"]' \
	"the other command has a comparison: ratio, ratio_ci95, median_ratio, median_ratio_ci95, p_value, verdict, reference"
jq_is "$J" '.results[0].perfeng.comparison.reference' "\"$B\"" "comparison.reference names the reference"
jq_ok "$J" '.results[0].perfeng.comparison | .ratio_ci95[0] <= .ratio and .ratio <= .ratio_ci95[1]' "ratio_ci95[0] <= ratio <= ratio_ci95[1]"
jq_ok "$J" '.results | ((.[0].perfeng.comparison.ratio - .[0].mean / .[1].mean) | fabs) <= 1e-12 * .[0].perfeng.comparison.ratio' \
	"ratio is mean(command) / mean(reference)"
jq_ok "$J" 'def med: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
	.results | ((.[0].perfeng.comparison.median_ratio - (.[0].times|med) / (.[1].times|med)) | fabs) <= 1e-12 * .[0].perfeng.comparison.median_ratio' \
	"median_ratio is median(command) / median(reference)"
jq_ok "$J" '.results[0].perfeng.comparison | .median_ratio_ci95[0] <= .median_ratio and .median_ratio <= .median_ratio_ci95[1] and .median_ratio_ci95[0] > 1.01' \
	"median_ratio_ci95 holds median_ratio and lies above the noise band: the verdict's CI"
jq_ok "$J" '.results[0].perfeng.comparison.p_value | type == "number" and . >= 0 and . <= 1' "p_value is a probability"
# 10 runs each, all of one above all of the other (nearly always: 12 ms against
# 2 ms): the exact two-sided Mann-Whitney p is 2/C(20,10) = 2/184756.
jq_ok "$J" '.results | if (.[0].times|min) > (.[1].times|max) then ((.[0].perfeng.comparison.p_value - 2/184756)|fabs) < 1e-15
	else .[0].perfeng.comparison.p_value < 0.05 end' "p_value is the exact Mann-Whitney p, 2/184756 for 10 runs all slower than 10 others"
jq_is "$J" '.results[0].perfeng.comparison.verdict' '"slower"' "the verdict is slower"

# --- the JSON is hyperfine's: same keys and types as hyperfine -N writes ----------
if command -v hyperfine >/dev/null 2>&1; then
	types='[paths(scalars) as $p | [($p|map(if type == "number" then 0 else . end)), (getpath($p)|type)]] | unique'
	for cmd in "$H/pe-exit 0" "$H/pe-exit 0 {n}"; do
		args=()
		case $cmd in *"{n}"*) args=(-P n 1 2) ;; esac
		timeout -k 5 "$PE_TIMEOUT" hyperfine -N -r 3 "${args[@]}" --export-json "$T/hf.json" "$cmd" </dev/null >/dev/null 2>&1
		ok "hyperfine -N runs '${cmd##*/}'" test -s "$T/hf.json"
		run_pe bench -q -r 3 "${args[@]}" --export-json "$T/pe.json" "$cmd"
		jq -c ".results[0] | $types" "$T/hf.json" >"$T/hf.types"
		jq -c ".results[0] | del(.perfeng) | $types" "$T/pe.json" >"$T/pe.types"
		is "$(cat "$T/pe.types")" "$(cat "$T/hf.types")" "'${cmd##*/}': results[0] without perfeng has the paths and types of hyperfine's"
		jq_is "$T/hf.json" 'keys' '["results"]' "(hyperfine's document has only results)"
		is "$(jq -c '.results|length' "$T/pe.json")" "$(jq -c '.results|length' "$T/hf.json")" "'${cmd##*/}': as many results as hyperfine"
		is "$(jq -c '[.results[].command]' "$T/pe.json")" "$(jq -c '[.results[].command]' "$T/hf.json")" "'${cmd##*/}': the same command names as hyperfine"
		is "$(jq -c '[.results[].parameters]' "$T/pe.json")" "$(jq -c '[.results[].parameters]' "$T/hf.json")" "'${cmd##*/}': the same parameters as hyperfine"
	done
else
	skip "hyperfine -N writes the same keys and types" "hyperfine is not installed (scripts/install-deps.sh installs it)"
fi

# Export files that cannot be written fail at once, before any run.
run_pe bench -q -r 1 --export-json "$T/no/dir/r.json" "$H/pe-count $T/ran"
rc_is 3 "--export-json into a missing directory: exit 3"
like "$PE_ERR" "--export-json: cannot write '$T/no/dir/r.json'" "the message names the option and the file"
is "$(lines "$T/ran")" 0 "nothing ran"

done_testing
