"""Reads an explorer trace file with numpy alone, as an independent check of
the format: an 8-byte little-endian header length, a JSON header mapping
names to dtype, shape and data offsets, then the raw data.

Prints one JSON object: for each tensor its dtype, shape and values (as a
flat list), plus the metadata.
"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": "<f4", "F16": "<f2", "F64": "<f8", "I64": "<i8", "I32": "<i4"}

with open(sys.argv[1], "rb") as f:
    buf = f.read()
(n,) = struct.unpack("<Q", buf[:8])
header = json.loads(buf[8 : 8 + n])
data = buf[8 + n :]
out = {"metadata": header.pop("__metadata__", {}), "tensors": {}}
# The format leaves no holes: sorted by offset, the tensors tile the data.
spans = sorted(tuple(info["data_offsets"]) for info in header.values())
at = 0
for begin, end in spans:
    assert begin == at and end >= begin, f"data offsets leave a gap or overlap at {begin}"
    at = end
assert at == len(data), f"data is {len(data)} bytes, the tensors cover {at}"
for name, info in header.items():
    begin, end = info["data_offsets"]
    dtype = np.dtype(DTYPES[info["dtype"]])
    count = int(np.prod(info["shape"], dtype=np.int64))
    assert end - begin == count * dtype.itemsize, f"{name}: {end - begin} bytes for shape {info['shape']}"
    arr = np.frombuffer(data[begin:end], dtype=dtype).reshape(info["shape"])
    values = [None if np.isneginf(v) else float(v) for v in arr.ravel()]
    out["tensors"][name] = {"dtype": info["dtype"], "shape": list(arr.shape), "values": values}
json.dump(out, sys.stdout)
