#!/usr/bin/env python3
"""A run's validation rows, recomputed outside Spark from the run's run.dir/_stages/split.json exactly as the job
chooses them (io.distill.dataset.ValidationSplit): a row is a validation row when its key, the top 53 bits of Spark's
xxhash64(seed, id) as a fraction of 1, and its id are at or below its label's threshold (key, id); id = the row's
zero-based IDX record. For a model trained outside the project (bench/onnx/train_torch_teacher.py) that must not
train on the rows the run validates on. ValidationRowsScriptTest checks it against ValidationSplit.

    /usr/bin/python3 bench/onnx/validation_rows.py SPLIT_JSON TRAIN_LABELS_IDX_GZ   # prints the ids, one a line
"""
import gzip
import json
import sys

MASK = (1 << 64) - 1
P1, P2, P3, P4, P5 = (0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x85EBCA77C2B2AE63,
                      0x27D4EB2F165667C5)
SPARK_HASH_SEED = 42  # the seed of Spark's xxhash64(cols...) before its first column


def _rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & MASK


def _xxhash64_long(value, seed):
    """Spark's XXH64.hashLong: xxHash64 of one 8-byte value."""
    h = (seed + P5 + 8) & MASK
    h ^= (_rotl((value & MASK) * P2 & MASK, 31) * P1) & MASK
    h = (_rotl(h, 27) * P1 + P4) & MASK
    h ^= h >> 33
    h = h * P2 & MASK
    h ^= h >> 29
    h = h * P3 & MASK
    h ^= h >> 32
    return h


def split_key(seed, row_id):
    """ValidationSplit.key: xxhash64(lit(seed), id) >>> 11, times 2^-53."""
    return (_xxhash64_long(row_id, _xxhash64_long(seed, SPARK_HASH_SEED)) >> 11) * 2.0 ** -53


def validation_ids(split_json, labels):
    """The validation ids among rows 0..len(labels)-1; exits naming the file when the count is not the split's."""
    split = json.load(open(split_json))["output"]["split"]
    cuts = {t["label"]: (t["key"], t["id"]) for t in split["thresholds"]}
    ids = [i for i, label in enumerate(labels)
           if int(label) in cuts and (split_key(split["seed"], i), i) <= cuts[int(label)]]
    if len(ids) != split["rows"]:
        sys.exit(f"{split_json}: validation rows expected {split['rows']}, got {len(ids)} (another dataset's split?)")
    return ids


def read_idx(path, dimensions):
    """An IDX file of unsigned bytes (gzip or raw) with that many dimensions: (its shape, its bytes)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    magic = int.from_bytes(raw[:4], "big")
    if magic != 0x800 | dimensions:
        sys.exit(f"{path}: magic number expected {0x800 | dimensions}, got {magic}")
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dimensions)]
    start = 4 + 4 * dimensions
    size = 1
    for n in shape:
        size *= n
    return shape, raw[start:start + size]


def read_labels(path):
    """An IDX1 label file, gzip or raw."""
    return read_idx(path, 1)[1]


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: validation_rows.py SPLIT_JSON TRAIN_LABELS_IDX")
    print("\n".join(str(i) for i in validation_ids(sys.argv[1], read_labels(sys.argv[2]))))
