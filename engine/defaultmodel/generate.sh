#!/bin/sh
# Reproduces the embedded default model (see RECIPE.md): start from the
# first, English-only explorer-stories (taken from git history: its own
# recipe is in RECIPE.md at that commit), generate the bilingual corpus,
# train the bilingual tokenizer, move the model to it (explorer train
# --init with --tokenizer: train.Retokenize), train it on the bilingual
# corpus with the copying curriculum, then on a corpus weighted towards
# Chinese, and copy its Hugging Face files into model/. Run by
# `go generate` in this directory, inside a git clone. The training runs
# are deterministic for a given number of CPUs and kernel path:
# GOMAXPROCS is pinned to 2, the number they were made with.
set -eu
v1=15a0d2b # the last commit whose model/ is the English-only explorer-stories
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/explorer" ../../cmd/explorer
x="$work/explorer"
mkdir "$work/v1"
for f in config.json generation_config.json model.safetensors vocab.json merges.txt; do
	git show "$v1:engine/defaultmodel/model/$f" >"$work/v1/$f"
done
"$x" corpus --out "$work/corpus.txt" --stories 20000 --seed 1
"$x" tokenizer train --corpus "$work/corpus.txt" --vocab-size 4096 --out "$work/tok"
GOMAXPROCS=2 "$x" train --corpus "$work/corpus.txt" --init "$work/v1" --tokenizer "$work/tok" \
	--steps 2400 --batch 8 --lr 1e-3 --warmup 100 --weight-decay 0.1 --clip 1 --val 0.05 \
	--eval-every 100 --save-every 400 --seed 11 --dtype F16 --repeat-frac 0.15 --repeat-pairs 0.1 \
	--out "$work/bilingual"
"$x" corpus --out "$work/zh.txt" --stories 10000 --seed 2 --lang zh
"$x" corpus --out "$work/mixed.txt" --stories 6000 --seed 3
cat "$work/zh.txt" "$work/mixed.txt" >"$work/stage2.txt"
GOMAXPROCS=2 "$x" train --corpus "$work/stage2.txt" --init "$work/bilingual" \
	--steps 2000 --batch 8 --lr 1e-3 --warmup 100 --weight-decay 0.1 --clip 1 --val 0.05 \
	--eval-every 100 --save-every 500 --seed 12 --dtype F16 --repeat-frac 0.15 --repeat-pairs 0.1 \
	--out "$work/final"
mkdir -p model
for f in config.json generation_config.json model.safetensors vocab.json merges.txt; do
	cp "$work/final/$f" model/
done
