#!/usr/bin/env python3
"""Size of the two gradient terms of the distillation loss on real outputs.

For the teacher's and a student's class probabilities (`edgeopt predict` CSV
files, same rows) and the labels, prints per temperature T the mean over rows
of the L2 norm of dL/ds per unit weight:
  soft: T * (softmax(s/T) - softmax(t/T))   (times alpha in the loss)
  hard: softmax(s) - onehot(y)              (times 1 - alpha)
Logits are recovered as log-probabilities (softmax is shift-invariant).

  distill_grad_terms.py TEACHER.csv STUDENT.csv LABELS-idx1-ubyte.gz
"""
import gzip
import sys

import numpy as np


def probs(path):
    a = np.loadtxt(path, delimiter=",", skiprows=1)
    return a[:, 2:]


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def main():
    pt, ps = probs(sys.argv[1]), probs(sys.argv[2])
    with gzip.open(sys.argv[3]) as f:
        y = np.frombuffer(f.read()[8:], dtype=np.uint8)[: len(pt)]
    lt, ls = np.log(np.maximum(pt, 1e-30)), np.log(np.maximum(ps, 1e-30))
    hard = np.linalg.norm(softmax(ls) - np.eye(10)[y], axis=1).mean()
    print("rows %d, student accuracy %.4f, teacher accuracy %.4f, agreement %.4f" % (
        len(y), (ps.argmax(1) == y).mean(), (pt.argmax(1) == y).mean(), (ps.argmax(1) == pt.argmax(1)).mean()))
    print("hard term |q1 - onehot|: %.4f" % hard)
    for T in (1, 2, 4, 6):
        soft = np.linalg.norm(T * (softmax(ls / T) - softmax(lt / T)), axis=1).mean()
        print("T %g: soft term |T (qT - pT)|: %.4f (ratio soft/hard %.2f)" % (T, soft, soft / hard))


if __name__ == "__main__":
    main()
