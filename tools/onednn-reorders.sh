#!/bin/sh
# oneDNN's reorders and convolutions in one `flowpp bench` run (a warm-up and one timed training step,
# evaluation and sampling), with the conditioners' activations NCHW and channels-last
# (FLOWPP_CHANNELS_LAST, core/nn/ConvLayout.h): how many primitives ran and their time, from
# DNNL_VERBOSE=1.  Usage: tools/onednn-reorders.sh [MODEL] [FLOWPP]
set -eu
model=${1:-models/fmnist-small.fpp}
flowpp=${2:-build/app/flowpp}
for layout in 0 1; do
  log=$(mktemp)
  FLOWPP_CHANNELS_LAST=$layout DNNL_VERBOSE=1 "$flowpp" bench --model "$model" --steps 1 >"$log" 2>/dev/null
  name=$([ "$layout" = 1 ] && echo channels-last || echo NCHW)
  awk -F, -v name="$name" '
    /^(dnnl|onednn)_verbose,exec,cpu,reorder/ { n_r++; t_r += $NF }
    /^(dnnl|onednn)_verbose,exec,cpu,convolution/ { n_c++; t_c += $NF }
    END { printf "%-14s reorders %5d  %7.1f ms   convolutions %5d  %7.1f ms\n", name, n_r, t_r, n_c, t_c }' "$log"
  rm -f "$log"
done
