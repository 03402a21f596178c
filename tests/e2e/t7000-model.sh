#!/bin/bash
# perfeng model FILE: the USL, Amdahl and linear fits from the command line.
# The SPEC SDM91 points (the R package usl's specsdm91 data set) must give
# the usl package's published fit (its README: sigma 0.0277285, kappa
# 0.0001044, lambda 89.9952330, SEs 0.0091217, 0.0000199, 14.2134894); the
# SVG is read by xmllint; Little's law is checked both ways; every bad input
# is a clear error with exit 3, every bad option exit 2.
. "$(dirname "$0")/lib.sh"

cat >"$T/spec.csv" <<'EOF'
# SPEC SDM91, Sun SPARCcenter 2000 (Gunther, Guerrilla Capacity Planning)
load,throughput
1,64.9
18,995.9
36,1652.4
72,1853.2
108,1828.9
144,1775.0
216,1702.2
EOF

# near GOT WANT REL DESC: |GOT - WANT| <= REL * |WANT|
near() {
	if awk -v g="$1" -v w="$2" -v r="$3" 'BEGIN { d = g - w; if (d < 0) d = -d; a = w < 0 ? -w : w; exit !(g != "" && d <= r * a) }'; then
		pass "$4"
	else
		fail "$4" "got '$1', want $2 within $3 relative"
	fi
}

run_pe model --json --predict 64,300 "$T/spec.csv"
rc_is 0 "model --json on the SPEC SDM91 points: exit 0"
echo "$PE_OUT" >"$T/spec.json"
near "$(jq '.fits.usl.sigma.value' "$T/spec.json")" 0.0277285 2e-6 "σ = 0.0277285 (R usl)"
near "$(jq '.fits.usl.kappa.value' "$T/spec.json")" 0.0001044 5e-4 "κ = 0.0001044 (R usl)"
near "$(jq '.fits.usl.lambda.value' "$T/spec.json")" 89.9952330 1e-8 "λ = 89.9952330 (R usl)"
near "$(jq '.fits.usl.sigma.se' "$T/spec.json")" 0.0091217 1e-4 "SE of σ = 0.0091217"
near "$(jq '.fits.usl.kappa.se' "$T/spec.json")" 0.0000199 5e-3 "SE of κ = 0.0000199"
near "$(jq '.fits.usl.lambda.se' "$T/spec.json")" 14.2134894 1e-6 "SE of λ = 14.2134894"
near "$(jq '.fits.usl.residual_se' "$T/spec.json")" 82.8 1e-3 "residual standard error 82.8 on 4 df"
jq_is "$T/spec.json" '.fits.usl.df' 4 "4 degrees of freedom"
jq_is "$T/spec.json" '.model' '"usl"' "the data supports the USL"
# N* = sqrt((1 - σ) / κ) and X(N*), from the JSON's own σ, κ, λ
jq_ok "$T/spec.json" '(.fits.usl | ((1 - .sigma.value) / .kappa.value | sqrt)) as $n | (.peak.concurrency - $n | fabs) < 1e-9 * $n' \
	"the peak's N = sqrt((1 - σ) / κ)"
jq_ok "$T/spec.json" '.fits.usl as $f | .predict[1] | (.concurrency == 300) and ((.throughput - ($f.lambda.value * 300 / (1 + $f.sigma.value * 299 + $f.kappa.value * 300 * 299))) | fabs) < 1e-9' \
	"--predict 300: X(300) from the fitted formula"
jq_is "$T/spec.json" '[.points[] | .concurrency]' '[1,18,36,72,108,144,216]' "the points, in order"
jq_ok "$T/spec.json" '.fits.usl.kappa.ci95[0] > 0 and .fits.usl.kappa.ci95[0] < .fits.usl.kappa.value' "κ's 95% interval lies above 0"

run_pe model --predict 64 --svg "$T/spec.svg" "$T/spec.csv"
rc_is 0 "model text and --svg: exit 0"
like "$PE_OUT" 'the data supports usl: κ > 0' "the text says which model and why"
like "$PE_OUT" 'peak: X = 1883\.9 at N = 96\.52' "the peak"
like "$PE_OUT" 'predicted: N = 64: X = 1818\.26 \(usl\)' "the prediction"
like "$PE_OUT" 'usl +89\.995 ± 14\.2 +0\.027728 ± 0\.00912 +0\.00010437 ± 1\.99e-05 +0\.9896' "the USL's row"
ok "the SVG is well-formed XML (xmllint --noout)" xmllint --noout "$T/spec.svg"
is "$(xmllint --xpath 'count(//*[local-name()="circle"][@class="point"])' "$T/spec.svg")" 7 "the SVG has the 7 points"
is "$(xmllint --xpath 'count(//*[local-name()="polyline"][@class="chosen"])' "$T/spec.svg")" 1 "and the chosen model's curve"
is "$(xmllint --xpath 'count(//*[local-name()="polyline"][@class="other"])' "$T/spec.svg")" 2 "and the other two, dashed"
is "$(xmllint --xpath 'count(//*[local-name()="line"][@class="peak"])' "$T/spec.svg")" 1 "and the peak marked"

# --- the other way: linear points are not called USL; --model forces one ---------------------
printf '1,100\n2,201\n4,398\n8,805\n16,1590\n' >"$T/linear.csv"
run_pe model --json "$T/linear.csv"
rc_is 0 "linear points: exit 0"
jq_is "$T/out" '.model' '"linear"' "linear points: the data supports linear scaling"
jq_is "$T/out" '.peak' '{"concurrency":null,"throughput":null}' "and there is no peak"
run_pe model --model usl --json "$T/linear.csv"
jq_is "$T/out" '.model' '"usl"' "--model usl: the USL is used"
like "$(jq -r .why "$T/out")" '\(but --model usl was asked for\)$' "and the reason says it was asked for"
printf 'n,x\n1,100\n2,190\n4,345\n8,590\n16,890\n32,1200\n' >"$T/amdahl.csv"	# λ 100, σ 0.05
run_pe model --json "$T/amdahl.csv"
jq_is "$T/out" '.model' '"amdahl"' "Amdahl's points: Amdahl, not the USL"

# --- Little's law: X·W against N ---------------------------------------------------------------
printf 'concurrency,throughput,latency_ms\n1,100,10\n2,190,10.5\n4,345,11.6\n8,590,13.6\n' >"$T/little.csv"
run_pe model "$T/little.csv"
like "$PE_OUT" "Little's law: X·W is within 10% of N at all 4 points" "Little's law holds: said so"
printf 'concurrency,throughput,latency_ms\n1,100,10\n2,190,10.5\n4,345,11.6\n8,590,6.8\n' >"$T/little2.csv"
run_pe model "$T/little2.csv"
like "$PE_OUT" "Little's law: X·W departs from N by more than 10% at 1 of 4 points \(most at N = 8: L = 4\.012, -50%\): fewer requests" \
	"Little's law broken at N = 8: said so, with the implied L"
run_pe model --json "$T/little2.csv"
jq_is "$T/out" '.points[3].little_l' 4.012 "JSON: L = X·W = 590 * 0.0068"

# --- standard input ------------------------------------------------------------------------------
"$PERFENG_BIN" model --json - <"$T/spec.csv" >"$T/stdin.json" 2>"$T/stdin.err"
is "$?" 0 "model - reads standard input"
jq_is "$T/stdin.json" '.source' '"standard input"' "and says so"

# --- bad input: exit 3, a clear message ------------------------------------------------------------
bad() {	# CONTENT MESSAGE-REGEX DESC
	printf '%b' "$1" >"$T/bad.csv"
	run_pe model "$T/bad.csv"
	rc_is 3 "$3: exit 3"
	like "$PE_ERR" "$2" "$3: the message"
	is "$PE_OUT" "" "$3: nothing on standard output"
}
bad '' 'no points to fit' "an empty file"
bad '4,100\n' '1 point at 1 concurrency: a fit needs at least 3 distinct concurrencies' "one point"
bad '4,100\n4,100\n4,100\n' '3 points at 1 concurrency' "all at one concurrency"
bad '1,100\n2,-5\n4,300\n' 'point 2: the throughput must be a positive number' "a negative throughput"
bad '1,100\n2,fast\n4,300\n' 'line 2: the throughput .fast. is not a number' "a non-numeric throughput"
bad 'when,what\n1,2\n' 'line 1: a header needs a concurrency column' "a header without the columns"
run_pe model "$T/nonexistent.csv"
rc_is 3 "a missing file: exit 3"
like "$PE_ERR" "cannot open '.*nonexistent\.csv'" "the message names it"
export PERFENG_STORE=$T/store.db
run_pe model nosuchrun
rc_is 3 "neither a file nor a run: exit 3"
like "$PE_ERR" "'nosuchrun' is neither a file nor a saved run" "the message says so"
"$PERFENG_BIN" bench -q -N -r 3 --save b true >/dev/null 2>&1
run_pe model b@latest
rc_is 3 "a bench run: exit 3"
like "$PE_ERR" "has no points to fit: save a sweep with load --sweep --save" "it has no points, and the message says how to get some"

# --- usage errors: exit 2 ---------------------------------------------------------------------------
for a in "--predict 0" "--predict 64," "--predict abc" "--model quadratic"; do
	# shellcheck disable=SC2086
	run_pe model $a "$T/spec.csv"
	rc_is 2 "model $a: usage error, exit 2"
done
run_pe model
rc_is 2 "no file: exit 2"
run_pe model "$T/spec.csv" "$T/spec.csv"
rc_is 2 "two files: exit 2"
run_pe model --svg /nonexistent/dir/x.svg "$T/spec.csv"
rc_is 3 "an SVG that cannot be written: exit 3"

done_testing
