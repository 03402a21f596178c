#!/bin/sh
# `make demo`: benchmark the two bundled example programs (primes by plain
# trial division and with a 2-3 wheel) and show perfeng's comparison and its
# Markdown table; then save each as a run in a demo results store, as a CI
# job would after two commits, and let `compare` give its verdict and exit
# code; last, profile the slow one into a flame graph and ask `diagnose`
# what limits it.
set -eu
cd "$(dirname "$0")/.."
build=${PERFENG_BUILD:-obj}
md="$build/demo.md"
store="$build/demo-store.db"
trial="$build/examples/primes-trial 300000"
wheel="$build/examples/primes-wheel 300000"

echo "== perfeng bench: two ways to count the primes below 300000 =="
echo
./perfeng bench --warmup 3 \
	--command-name trial-division --command-name wheel-2-3 \
	--export-markdown "$md" "$trial" "$wheel"
echo
echo "== the same comparison as Markdown ($md) =="
cat "$md"

echo
echo "== the results store: save a run per 'commit', then compare them =="
rm -f "$store" "$store-wal" "$store-shm"
./perfeng bench -q -r 30 --save primes --tag before --store "$store" "$wheel" >/dev/null
./perfeng bench -q -r 30 --save primes --tag after --store "$store" "$trial" >/dev/null
./perfeng runs list primes --store "$store"
echo
echo "\$ perfeng compare primes@before primes@after --metric wall --metric user --fail-on regression"
if ./perfeng compare primes@before primes@after --metric wall --metric user \
	--fail-on regression --store "$store"; then
	echo "(exit 0: no regression)"
else
	echo "(exit $?: the gate caught the regression, as a CI job would)"
fi

long="$build/examples/primes-trial 3000000"
echo
echo "== perfeng profile: where the trial division spends its time =="
./perfeng profile --top 5 -o "$build/demo-flame.svg" -o "$build/demo.pb.gz" -- $long
echo "(an interactive flame graph: $build/demo-flame.svg; pprof: $build/demo.pb.gz)"

echo
echo "== perfeng diagnose: what limits it? =="
./perfeng diagnose -q -- $long
