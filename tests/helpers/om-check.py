#!/usr/bin/python3
# Parses OpenMetrics text (stdin) with prometheus_client's OpenMetrics parser
# (Debian's python3-prometheus-client, an implementation independent of
# perfeng's writer and strict: "# EOF", counter _total, bucket order, label
# escaping) and prints the families as JSON:
#   {"NAME": {"type": T, "samples": [[SAMPLE_NAME, {LABELS}, VALUE], ...]}, ...}
# With --text, the classic Prometheus text format (0.0.4) with the same
# library's parser of that format instead.
# Exit 1 with the parser's message on stderr when the text is not valid.
# Used by tests/e2e/t2040-load-metrics.sh and t6010-observe-metrics.sh.
import json
import math
import sys

if sys.argv[1:] == ["--text"]:
    from prometheus_client.parser import text_string_to_metric_families
    what = "Prometheus text"
else:
    from prometheus_client.openmetrics.parser import text_string_to_metric_families
    what = "OpenMetrics"

try:
    out = {}
    for f in text_string_to_metric_families(sys.stdin.read()):
        out[f.name] = {
            "type": f.type,
            "samples": [[s.name, s.labels, None if math.isnan(s.value) else s.value] for s in f.samples],
        }
except Exception as e:  # the parser raises ValueError and others
    print("invalid %s: %s" % (what, e), file=sys.stderr)
    sys.exit(1)
json.dump(out, sys.stdout)
print()
