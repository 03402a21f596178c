#!/bin/sh
# `make demo`: benchmark the two bundled example programs (primes by plain
# trial division and with a 2-3 wheel) and show perfeng's comparison, then the
# same as a Markdown table ready for a pull request.
set -eu
cd "$(dirname "$0")/.."
build=${PERFENG_BUILD:-obj}
md="$build/demo.md"

echo "== perfeng bench: two ways to count the primes below 300000 =="
echo
./perfeng bench --warmup 3 \
	--command-name trial-division --command-name wheel-2-3 \
	--export-markdown "$md" \
	"$build/examples/primes-trial 300000" "$build/examples/primes-wheel 300000"
echo
echo "== the same comparison as Markdown ($md) =="
cat "$md"
