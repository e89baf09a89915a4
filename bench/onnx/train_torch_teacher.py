#!/usr/bin/env python3
"""A teacher from outside the project: a PyTorch CNN with BatchNorm, trained on an MNIST-shaped IDX dataset's
training rows minus a run's validation rows, exported with torch.onnx.export for teacher.model.

    /usr/bin/python3 bench/onnx/train_torch_teacher.py DATA_DIR SPLIT_JSON OUT.onnx [--epochs 15] [--flip]

DATA_DIR holds train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz (the files the job imports). SPLIT_JSON is
a run's run.dir/_stages/split.json: the validation rows are recomputed from it exactly as the job chooses them
(validation_rows.py), so the teacher never trains on a row the run validates on, and the epoch kept is the
one best on those rows. The test files are not read. Pixels are scaled to [0, 1] as the import stage does; the
input is "image" [n, 1, 28, 28] and the output "logits" [n, classes].

Needs Debian's python3-torch, python3-onnx and python3-numpy.
"""
import argparse
import sys
import time

import numpy as np
import torch
from torch import nn

import validation_rows  # beside this file


def validation_mask(split_json, labels):
    ids = validation_rows.validation_ids(split_json, labels)
    mask = np.zeros(len(labels), dtype=bool)
    mask[ids] = True
    return mask


class TeacherCnn(nn.Module):
    def __init__(self, classes):
        super().__init__()

        def block(cin, cout):
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

        self.body = nn.Sequential(*block(1, 32), *block(32, 32), nn.MaxPool2d(2), nn.Dropout(0.1),
                                  *block(32, 64), *block(64, 64), nn.MaxPool2d(2), nn.Dropout(0.2),
                                  nn.Flatten(), nn.Linear(64 * 7 * 7, 256, bias=False), nn.BatchNorm1d(256),
                                  nn.ReLU(), nn.Dropout(0.3), nn.Linear(256, classes))

    def forward(self, image):
        return self.body(image)


def augment(x, flip, gen):
    """Shift the batch by up to 2 pixels (one shift per batch, zero padding); mirror left-right half its images
    when asked."""
    n = x.shape[0]
    padded = nn.functional.pad(x, (2, 2, 2, 2))
    dx, dy = torch.randint(0, 5, (2,), generator=gen).tolist()
    x = padded[:, :, dy:dy + 28, dx:dx + 28]
    if flip:
        which = torch.rand(n, generator=gen) < 0.5
        x = torch.where(which[:, None, None, None], x.flip(3), x)
    return x


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        return sum((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
                   for i in range(0, len(x), 1000)) / len(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("split_json")
    ap.add_argument("out")
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--flip", action="store_true", help="mirror images left-right (clothes, not digits)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    gen = torch.Generator().manual_seed(a.seed)

    shape, pixels = validation_rows.read_idx(f"{a.data}/train-images-idx3-ubyte.gz", 3)
    images = np.frombuffer(pixels, dtype=np.uint8).reshape(shape[0], 1, shape[1], shape[2])
    labels = np.frombuffer(validation_rows.read_labels(f"{a.data}/train-labels-idx1-ubyte.gz"), dtype=np.uint8)
    val = validation_mask(a.split_json, labels)
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    y = torch.from_numpy(labels.astype(np.int64))
    xt, yt, xv, yv = x[~val], y[~val], x[val], y[val]
    classes = int(labels.max()) + 1
    print(f"training rows {len(xt)}, validation rows {len(xv)}, classes {classes}", flush=True)

    model = TeacherCnn(classes)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=5e-4)
    steps = a.epochs * ((len(xt) + a.batch - 1) // a.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=a.lr, total_steps=steps)
    best, best_state = -1.0, None
    for epoch in range(1, a.epochs + 1):
        started = time.time()
        model.train()
        order = torch.randperm(len(xt), generator=gen)
        for i in range(0, len(xt), a.batch):
            idx = order[i:i + a.batch]
            loss = nn.functional.cross_entropy(model(augment(xt[idx], a.flip, gen)), yt[idx])
            if not torch.isfinite(loss):
                sys.exit(f"epoch {epoch}: loss expected finite, got {loss.item()}")
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        acc = accuracy(model, xv, yv)
        if acc > best:
            best, best_state = acc, {k: v.clone() for k, v in model.state_dict().items()}
        print(f"epoch {epoch}: validation {100 * acc:.2f} % ({time.time() - started:.0f} s)", flush=True)
    model.load_state_dict(best_state)
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), a.out, input_names=["image"], output_names=["logits"],
                      dynamic_axes={"image": {0: "n"}, "logits": {0: "n"}}, opset_version=13)
    params = sum(p.numel() for p in model.parameters())
    print(f"wrote {a.out}: {params} parameters, best validation {100 * best:.2f} %, {len(xv) - round(best * len(xv))}"
          f" validation errors", flush=True)


if __name__ == "__main__":
    main()
