#!/usr/bin/env bash
# The GPU paths in one short run, for a machine with a CUDA GPU where `make install` (and, for the
# vLLM paths, `pip install -e .[vllm]`) has already run. Nothing in CI depends on it. Prints PASS/FAIL per
# path; each path's output goes to $OUT/<path>.log (OUT defaults to a temporary folder).
#   bash bench/gpu_check.sh [DEVICE]      DEVICE: cuda (default), cuda:N, or cpu to try the script here
set -u
cd "$(dirname "$0")/.."
DEVICE=${1:-cuda}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"
PY=${PY:-.venv/bin/python}
export HF_HUB_OFFLINE=1
# An empty cache of its own: every output and the compressed variant are computed on this device.
CACHE="$OUT/cache"
failed=0

check() {  # check NAME SECONDS COMMAND...: PASS when the command exits 0 within SECONDS
  local name=$1 seconds=$2 start=$SECONDS
  shift 2
  if timeout "$seconds" "$@" > "$OUT/$name.log" 2>&1; then
    echo "PASS $name ($((SECONDS - start)) s)"
  else
    echo "FAIL $name (exit $?, $((SECONDS - start)) s; see $OUT/$name.log)"
    failed=1
  fi
}

echo "device $DEVICE, logs in $OUT"
check cuda-visible 60 "$PY" -c "import torch, sys; sys.exit(0 if '$DEVICE' == 'cpu' or torch.cuda.is_available() else 1)"
# The HF engine: static baseline and engine on the chat and few-shot jobs (outputs compared).
check hf-engine 240 "$PY" bench/engine.py --device "$DEVICE" --jobs chat,few-shot --no-contention
# One compression on the device (self-generated calibration, GPTQ, verification) and its preflight.
check gptq-build-and-preflight 300 "$PY" -m pytest trust_tests -m preflight --quant gptq-w4 --trust-device "$DEVICE" \
    --trust-cache="$CACHE" -p no:cacheprovider -q
# The vLLM backends (pip install -e .[vllm]): in process, then on a server the suite starts from
# this environment; the dense model and the GPTQ variant built above, as its packed checkpoint through
# vLLM's integer kernels (Marlin / Machete), and on the server beside its float copy with AWQ too: the
# packed-vs-float gap per dimension, and the kernels the server names.
if "$PY" -c "import vllm" 2>/dev/null; then
  check vllm-in-process-packed 300 "$PY" -m pytest trust_tests -m "preflight or machine_ethics" --quant none,gptq-w4 \
      --trust-backend vllm --trust-artifact packed --trust-device "$DEVICE" --trust-cache="$CACHE" -p no:cacheprovider -q -rA
  check vllm-server-packed-and-float 480 "$PY" -m pytest trust_tests -m "preflight or machine_ethics" \
      --quant none,gptq-w4,awq-w4 --trust-backend openai --trust-artifact packed,float --trust-device "$DEVICE" \
      --trust-cache="$CACHE" -p no:cacheprovider -q -rA --trust-inconclusive warn
else
  echo "SKIP vllm (not installed: pip install -e .[vllm])"
fi
grep -h "outputs as static\|tok/s" "$OUT/hf-engine.log" 2>/dev/null
grep -h "machine_ethics: score" "$OUT"/vllm-*.log 2>/dev/null
grep -h "packed vs float\|: packed .* vs float" "$OUT"/vllm-server-*.log 2>/dev/null
grep -ho "Using [A-Za-z0-9]*Kernel for [A-Za-z0-9]*" "$CACHE"/logs/vllm-*.log 2>/dev/null | sort | uniq -c
exit $failed
