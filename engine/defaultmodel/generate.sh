#!/bin/sh
# Reproduces the embedded default model (see RECIPE.md): generate the
# story corpus, train the tokenizer on it, pre-train the model, fine-tune
# it on stories with memory games, then on stories mixed with random
# token sequences repeated (--repeat-frac) so induction heads form, and copy its Hugging Face files into
# model/. Run by `go generate` in this
# directory. The training run is deterministic for a given number of CPUs
# and kernel path: GOMAXPROCS is pinned to 2, the number it was made with.
set -eu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/explorer" ../../cmd/explorer
x="$work/explorer"
"$x" corpus --out "$work/corpus.txt" --stories 20000 --seed 1
"$x" tokenizer train --corpus "$work/corpus.txt" --vocab-size 2048 --out "$work/tok"
GOMAXPROCS=2 "$x" train --corpus "$work/corpus.txt" --tokenizer "$work/tok" \
	--layers 4 --heads 4 --width 128 --context 256 --batch 8 --steps 2400 \
	--lr 2e-3 --warmup 100 --weight-decay 0.1 --clip 1 --val 0.05 --eval-every 100 \
	--save-every 500 --seed 1 --dtype F16 --out "$work/pretrained"
"$x" corpus --out "$work/games.txt" --stories 6000 --seed 2 --games
GOMAXPROCS=2 "$x" train --corpus "$work/games.txt" --init "$work/pretrained" \
	--steps 700 --batch 8 --lr 1e-3 --warmup 50 --weight-decay 0.1 --clip 1 --val 0.05 \
	--eval-every 100 --save-every 500 --seed 2 --dtype F16 --out "$work/games"
"$x" corpus --out "$work/stories.txt" --stories 6000 --seed 3
GOMAXPROCS=2 "$x" train --corpus "$work/stories.txt" --init "$work/games" \
	--steps 500 --batch 8 --lr 1e-3 --warmup 50 --weight-decay 0.1 --clip 1 --val 0.05 \
	--eval-every 100 --save-every 250 --seed 3 --dtype F16 --repeat-frac 0.3 --out "$work/copy1"
GOMAXPROCS=2 "$x" train --corpus "$work/stories.txt" --init "$work/copy1" \
	--steps 800 --batch 8 --lr 1e-3 --warmup 50 --weight-decay 0.1 --clip 1 --val 0.05 \
	--eval-every 200 --save-every 400 --seed 4 --dtype F16 --repeat-frac 0.5 --out "$work/final"
mkdir -p model
for f in config.json generation_config.json model.safetensors vocab.json merges.txt; do
	cp "$work/final/$f" model/
done
