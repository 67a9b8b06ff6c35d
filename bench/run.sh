#!/bin/sh
# Side-by-side timing of the engine and PyTorch on GPT-2 small (random
# weights); see bench/sidebyside/main.go. Run from anywhere:
#   bench/run.sh [-rounds 3] [-cases fwd,trace,gen]
cd "$(dirname "$0")/.." && exec go run ./bench/sidebyside "$@"
