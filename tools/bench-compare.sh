#!/usr/bin/env bash
# Two builds of flowpp side by side: `flowpp bench` of each, in turn (A B A B ...), RUNS times, on one
# machine; prints each figure's median and range for both and the ratio of the medians. Alternating
# keeps the comparison fair while the machine's speed drifts; absolute figures move from run to run.
#   tools/bench-compare.sh OLD_FLOWPP NEW_FLOWPP MODEL [RUNS] [-- BENCH_ARGS...]
# e.g. tools/bench-compare.sh /tmp/old/build/app/flowpp build/app/flowpp models/bench-s.json 5 -- \
#        --data /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz --batch-size 32 --steps 3
# Environment variables (FLOWPP_KERNELS=avx2, ...) apply to both builds.
set -euo pipefail
if [ $# -lt 3 ]; then
  sed -n 2,8p "$0" >&2
  exit 2
fi
old=$1 new=$2 model=$3
runs=${4:-5}
shift $(($# < 4 ? 3 : 4))
[ "${1:-}" = "--" ] && shift
command -v jq >/dev/null || { echo "bench-compare: needs jq (apt-get install jq)" >&2; exit 2; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for ((i = 1; i <= runs; i++)); do
  for side in old new; do
    bin=$old; [ $side = new ] && bin=$new
    "$bin" bench --model "$model" "$@" >"$out/$side.$i.json" 2>"$out/$side.$i.err" ||
      { echo "bench-compare: $bin failed:" >&2; cat "$out/$side.$i.err" >&2; exit 1; }
  done
done

fields=(train_images_per_sec eval_images_per_sec sample16_latency_ms train_peak_rss_mib peak_rss_mib
        train_fraction_of_fp32_peak eval_fraction_of_fp32_peak kernels conditioner_layout)
printf '%s, %d alternating runs each, %s\n' "$model" "$runs" "$(date -u '+%Y-%m-%d %H:%M UTC')"
printf '%-30s %-28s %-28s %s\n' figure "old: median (min-max)" "new: median (min-max)" new/old
for f in "${fields[@]}"; do
  line=()
  for side in old new; do
    line+=("$(jq -rs --arg f "$f" '
      [.[] | .[$f] | select(. != null)] as $v
      | if ($v | length) == 0 then "-"
        elif ($v[0] | type) == "string" then ($v | unique | join(","))
        else ($v | sort) as $s | ($s[(($s | length) - 1) / 2 | floor]) as $m
          | "\($m * 1000 | round / 1000) (\($s[0] * 1000 | round / 1000)-\($s[-1] * 1000 | round / 1000))" end' \
      "$out"/$side.*.json)")
  done
  ratio=$(jq -rns --arg a "${line[0]%% *}" --arg b "${line[1]%% *}" \
    '($a | tonumber? // null) as $o | ($b | tonumber? // null) as $n
     | if $o == null or $n == null or $o == 0 then "" else "\($n / $o * 100 | round / 100)x" end')
  printf '%-30s %-28s %-28s %s\n' "$f" "${line[0]}" "${line[1]}" "$ratio"
done
