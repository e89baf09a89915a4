"""The IDX files MNIST comes as (and this project's import reads): written for the bench's datasets."""
import gzip
import struct

import numpy as np


def write_idx(path, array):
    """Writes unsigned bytes of any shape as a gzip-compressed IDX file (magic 0x08 0x<dimensions>), with mtime 0
    and no name in the gzip header, so the same array gives the same bytes on every machine and day."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    with open(path, "wb") as raw, gzip.GzipFile("", "wb", 9, raw, mtime=0) as f:
        f.write(struct.pack(">I", 0x00000800 | array.ndim))
        for n in array.shape:
            f.write(struct.pack(">I", n))
        f.write(array.tobytes())
