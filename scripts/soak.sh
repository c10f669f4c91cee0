#!/usr/bin/env bash
# Soak test (not in CI): one server under a mix of games, sensors and live
# dashboards for SOAK (default 30m), sampling its memory, goroutines and
# connections from /metrics every SAMPLE (default 30s). At the end it
# prints the samples and the growth of the mean goroutines and heap in use
# from the first to the second half of the run after the warm-up (WARMUP
# seconds, default 600: the 1 h windows and sketches fill meanwhile), and fails when heap in use or
# goroutines grew more than the bound (25 %).
#
#   SOAK=30m scripts/soak.sh            # results in ./soak-<time>/
set -euo pipefail
cd "$(dirname "$0")/.."

SOAK=${SOAK:-30m}
SAMPLE=${SAMPLE:-30}
WARMUP=${WARMUP:-600}
HTTP=127.0.0.1:18180 QUIC=127.0.0.1:14580 NATS=127.0.0.1:14380
out=${OUT:-soak-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

seconds() { # 30m, 90s, 1h → seconds
  local v=$1
  case $v in
    *h) echo $(( ${v%h} * 3600 )) ;;
    *m) echo $(( ${v%m} * 60 )) ;;
    *s) echo "${v%s}" ;;
    *) echo "$v" ;;
  esac
}
total=$(seconds "$SOAK")
load="$(( total + 2 * SAMPLE ))s" # the load outlasts the last sample

go build -o "$tmp/hearth" ./cmd/hearth
"$tmp/hearth" serve --demo --data "$tmp/data" --http $HTTP --quic $QUIC --nats $NATS --durability async \
  --log-level warn 2>"$out/server.log" &
pids+=($!)
for _ in $(seq 50); do curl -sf "http://$HTTP/healthz" >/dev/null && break; sleep 0.2; done

"$tmp/hearth" loadtest game --http $HTTP --quic $QUIC --clients 200 --rooms 20 --transport mix --churn 0.2 \
  --duration "$load" --json "$out/game.json" >"$out/game.txt" 2>&1 &
pids+=($!)
"$tmp/hearth" loadtest iot --http $HTTP --nats "nats://$NATS" --sensors 2000 --groups 20 --rate 2 --bad 0.01 \
  --duration "$load" --json "$out/iot.json" >"$out/iot.txt" 2>&1 &
pids+=($!)
# Dashboards: headless Chromium on the overview, a group page and a room page.
if command -v chromium >/dev/null; then
  for page in "" "#/group/demo-pumps" "#/room/demo-1"; do
    chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
      --disable-component-update --disable-sync --user-data-dir="$(mktemp -d -p "$tmp")" \
      --remote-debugging-port=0 "http://$HTTP/$page" >/dev/null 2>&1 &
    pids+=($!)
  done
fi

echo "seconds,goroutines,heap_inuse_mib,rss_mib,connections" >"$out/samples.csv"
for (( t = 0; t <= total; t += SAMPLE )); do
  if curl -sf "http://$HTTP/metrics" >"$tmp/metrics"; then
    awk -v t="$t" '$1 == "go_goroutines" { g = $2 } $1 == "go_memstats_heap_inuse_bytes" { h = $2 }
      $1 == "process_resident_memory_bytes" { r = $2 } $1 == "hearth_connections" { c = $2 }
      END { printf "%d,%d,%.1f,%.1f,%d\n", t, g, h / 1048576, r / 1048576, c }' "$tmp/metrics" >>"$out/samples.csv"
  else
    echo "$t,server not answering" >>"$out/samples.csv"
  fi
  (( t + SAMPLE <= total )) && sleep "$SAMPLE"
done
kill "${pids[1]}" "${pids[2]}" 2>/dev/null || true

cat "$out/samples.csv"
# Growth: the mean of the second half of the samples after the warm-up
# against the first half (single samples ride the GC's sawtooth).
awk -F, -v warm="$WARMUP" 'NR > 1 && $1 >= warm && $2 > 0 { t[++n] = $1; g[n] = $2; h[n] = $3 }
  END {
    if (n < 2) { print "too few samples after the warm-up"; exit 1 }
    m = int(n / 2)
    for (i = 1; i <= n; i++) { if (i <= m) { g0 += g[i]; h0 += h[i] } else { g1 += g[i]; h1 += h[i] } }
    g0 /= m; h0 /= m; g1 /= n - m; h1 /= n - m
    gg = (g1 - g0) / g0 * 100; hg = (h1 - h0) / h0 * 100
    printf "growth after warm-up (means of the two halves): goroutines %.0f -> %.0f (%+.1f %%), heap in use %.1f -> %.1f MiB (%+.1f %%)\n", g0, g1, gg, h0, h1, hg
    if (gg > 25 || hg > 25) { print "FAIL: grew beyond 25 %"; exit 1 }
    print "ok: within 25 %"
  }' "$out/samples.csv" | tee "$out/summary.txt"
