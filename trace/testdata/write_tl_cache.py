"""Writes a TransformerLens-style activation cache as a safetensors file with
numpy alone, as an independent source of foreign trace files for the tests.

The file is what `model.run_with_cache` gives and `safetensors.save_file`
writes: tensors named by TransformerLens hook names, each with a leading
batch dimension, F16 by default, and no explorer metadata. The tensors are
every hook TransformerLens records for a GPT-2 (and the logits) of a small
two-layer model, with random weights replaced by simple stand-ins; the
attention is computed here in float64 (scores = q·kᵀ/√d with the causal
mask as -inf, pattern = softmax(scores), z = pattern·v), so a test can
check what the explorer shows against it.

Usage: write_tl_cache.py OUT.safetensors [--dtype F16|F32|BF16] [--batch B]
       [--ids] [--tokens] [--extra] [--partial]

Prints one JSON object: for each tensor written, its shape and the values
exactly as stored (after rounding to the dtype), as a flat list, with null
for -inf.
"""
import argparse
import json
import struct
import sys

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("out")
parser.add_argument("--dtype", default="F16", choices=["F16", "F32", "BF16"])
parser.add_argument("--batch", type=int, default=1)
parser.add_argument("--ids", action="store_true", help="store input_ids [B, T] as I64")
parser.add_argument("--tokens", action="store_true", help='store metadata {"tokens": [...]}')
parser.add_argument("--extra", action="store_true", help="add a hook the explorer does not know")
parser.add_argument("--partial", action="store_true", help="leave out the final LayerNorm and every MLP hook")
args = parser.parse_args()

B, T, L, H, D = args.batch, 5, 2, 3, 4
C, V = H * D, 11
rng = np.random.default_rng(19)


def causal_attention(q, k, v):
    """q, k, v: [B, T, H, D] -> scores, pattern [B, H, T, T], z [B, T, H, D]."""
    scores = np.einsum("bqhd,bkhd->bhqk", q, k) / np.sqrt(D)
    mask = np.triu(np.ones((T, T), dtype=bool), 1)
    scores = np.where(mask, -np.inf, scores)
    e = np.exp(scores - scores.max(axis=-1, keepdims=True))
    pattern = e / e.sum(axis=-1, keepdims=True)
    z = np.einsum("bhqk,bkhd->bqhd", pattern, v)
    return scores, pattern, z


tensors = {}


def layer_norm(prefix, resid):
    """Records the LayerNorm of resid [B, T, C] (ε = 1e-5, no weights) as
    prefix + hook_scale [B, T, 1] and hook_normalized [B, T, C], and
    returns the normalized."""
    mu = resid.mean(-1, keepdims=True)
    scale = np.sqrt(((resid - mu) ** 2).mean(-1, keepdims=True) + 1e-5)
    tensors[prefix + "hook_scale"] = scale
    x = (resid - mu) / scale
    tensors[prefix + "hook_normalized"] = x
    return x


resid = rng.normal(size=(B, T, C))
tensors["hook_embed"] = resid * 0.5
tensors["hook_pos_embed"] = resid * 0.5
for layer in range(L):
    p = f"blocks.{layer}."
    tensors[p + "hook_resid_pre"] = resid
    x = layer_norm(p + "ln1.", resid)
    q, k, v = (rng.normal(size=(B, T, H, D)) for _ in range(3))
    tensors[p + "attn.hook_q"], tensors[p + "attn.hook_k"], tensors[p + "attn.hook_v"] = q, k, v
    scores, pattern, z = causal_attention(q, k, v)
    tensors[p + "attn.hook_attn_scores"], tensors[p + "attn.hook_pattern"] = scores, pattern
    tensors[p + "attn.hook_z"] = z
    attn_out = z.reshape(B, T, C)
    tensors[p + "hook_attn_out"] = attn_out
    resid = resid + attn_out
    tensors[p + "hook_resid_mid"] = resid
    x = layer_norm(p + "ln2.", resid)
    pre = np.concatenate([x, -x, 2 * x, x * x], axis=-1)  # [B, T, 4C]
    post = 0.5 * pre * (1 + np.tanh(np.sqrt(2 / np.pi) * (pre + 0.044715 * pre**3)))
    mlp_out = post[:, :, :C] * 0.1
    if not args.partial:
        tensors[p + "mlp.hook_pre"] = pre
        tensors[p + "mlp.hook_post"] = post
        tensors[p + "hook_mlp_out"] = mlp_out
    resid = resid + mlp_out
    tensors[p + "hook_resid_post"] = resid
    if args.extra and layer == 0:
        tensors[p + "hook_attn_in"] = np.repeat(x[:, :, None, :], H, axis=2)
if not args.partial:
    layer_norm("ln_final.", resid)
tensors["logits"] = rng.normal(size=(B, T, V)) * 3
if args.ids:
    tensors["input_ids"] = rng.integers(0, V, size=(B, T)).astype(np.int64)


def encode(a):
    """Returns the stored bytes of a and the values they hold."""
    if a.dtype == np.int64:
        return a.astype("<i8").tobytes(), a, "I64"
    if args.dtype == "F32":
        s = a.astype("<f4")
        return s.tobytes(), s.astype(np.float64), "F32"
    if args.dtype == "F16":
        s = a.astype("<f2")
        return s.tobytes(), s.astype(np.float64), "F16"
    # BF16: the top half of the float32, rounded to nearest even.
    bits = a.astype("<f4").view("<u4").astype(np.uint64)
    rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype("<u2")
    held = (rounded.astype("<u4") << 16).view("<f4").astype(np.float64)
    return rounded.tobytes(), held, "BF16"


header, blobs, expected, offset = {}, [], {}, 0
for name, a in tensors.items():
    raw, held, dtype = encode(np.ascontiguousarray(a))
    header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + len(raw)]}
    blobs.append(raw)
    offset += len(raw)
    expected[name] = {"shape": list(a.shape), "values": [None if np.isneginf(x) else float(x) for x in held.ravel()]}
if args.tokens:
    words = ["The", " cat", " sat", " on", " it"]
    header["__metadata__"] = {"tokens": json.dumps(words if B == 1 else [words] * B)}
js = json.dumps(header).encode()
js += b" " * (-len(js) % 8)
with open(args.out, "wb") as f:
    f.write(struct.pack("<Q", len(js)))
    f.write(js)
    for blob in blobs:
        f.write(blob)
json.dump(expected, sys.stdout)
