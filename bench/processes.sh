#!/bin/sh
# Whole-process timing of explorer commands next to PyTorch's in-process
# forward pass on GPT-2 small (random weights); see bench/processes/main.go.
# Run from anywhere:
#   bench/processes.sh [-rounds 5] [-T 16,128,512] [-full 512] [-explorer old,new]
cd "$(dirname "$0")/.." && exec go run ./bench/processes "$@"
