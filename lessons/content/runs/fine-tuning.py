#!/usr/bin/env python3
"""Records the fine-tuning lesson's one-minute run: supervised fine-tuning
of the embedded model on labelled stories (story -> "Sentiment: happy|sad"),
with its accuracy on held-out stories before and after.

Run from the repository root:

    python3 lessons/content/runs/fine-tuning.py

It builds the explorer, writes the labelled training set and the held-out
items with `explorer corpus`, scores the embedded model, fine-tunes it with
`explorer train --init`, scores the result, and writes fine-tuning.json
beside this script, which the lesson reads ({{run …}}). A test of
cmd/explorer fails when the embedded model no longer matches the recorded
one: run this script again then (about two minutes on two cores).
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
MODEL_DIR = os.path.join(ROOT, "engine", "defaultmodel", "model")
TRAIN = ["--stories", "2000", "--parts", "sentiment", "--lang", "en", "--seed", "11"]
HELD_OUT = ["--stories", "60", "--parts", "sentiment", "--lang", "en", "--seed", "12"]
STEPS, BATCH, LR = 40, 8, "5e-4"


def run(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


def score(exe, model, items):
    """Greedy answers to every held-out item: accuracy and the first answer."""
    right, first = 0, None
    for it in items:
        args = [exe, "generate", "--prompt", it["prompt"], "--max-new-tokens", "3", "--temperature", "0"]
        if model:
            args += ["--model", model]
        out = run(*args)
        answer = out[len(it["prompt"]):] if out.startswith(it["prompt"]) else out
        answer = answer.split("\n")[0].strip()
        word = answer.split(" ")[0] if answer else ""
        if word == it["answer"].strip():
            right += 1
        if first is None:
            first = answer
    return right / len(items), first


def main():
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "explorer")
        run("go", "build", "-o", exe, "./cmd/explorer", cwd=ROOT)
        corpus = os.path.join(tmp, "train.txt")
        held = os.path.join(tmp, "held.jsonl")
        run(exe, "corpus", "--out", corpus, *TRAIN)
        run(exe, "corpus", "--out", held, "--format", "jsonl", *HELD_OUT)
        items = [json.loads(line) for line in open(held, encoding="utf-8") if line.strip()]
        before, first_before = score(exe, None, items)
        out = os.path.join(tmp, "tuned")
        start = time.time()
        log = run(exe, "train", "--corpus", corpus, "--init", MODEL_DIR, "--steps", str(STEPS),
                  "--batch", str(BATCH), "--lr", LR, "--eval-every", str(STEPS), "--out", out,
                  env=dict(os.environ, GOMAXPROCS="2"))
        seconds = time.time() - start
        after, first_after = score(exe, out, items)
    done = [l for l in log.splitlines() if l.startswith("done:")]
    with open(os.path.join(MODEL_DIR, "model.safetensors"), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    happy = sum(1 for it in items if it["answer"].strip() == "happy")
    record = {
        "model_sha256": digest,
        "train_corpus": "explorer corpus " + " ".join(TRAIN),
        "held_out": "explorer corpus --format jsonl " + " ".join(HELD_OUT),
        "command": f"explorer train --corpus train.txt --init engine/defaultmodel/model --steps {STEPS} --batch {BATCH} --lr {LR} --out tuned",
        "steps": STEPS,
        "batch": BATCH,
        "lr": float(LR),
        "seconds": round(seconds),
        "items": len(items),
        "happy": happy,
        "acc_before": before,
        "acc_after": after,
        "answer_before": first_before,
        "answer_after": first_after,
        "answer_want": items[0]["answer"].strip(),
        "log": done[0].split("; saved to")[0] if done else "",
    }
    with open(os.path.join(HERE, "fine-tuning.json"), "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(json.dumps(record, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
