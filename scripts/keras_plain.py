#!/usr/bin/env python3
"""Parameter counts of the plain networks, built in Keras.

A plain network here is the seed's `resnet_v1` with its shortcuts taken out: the same
conv/BN/ReLU units, the same three stages of 16, 32 and 64 filters, the first convolution of
stages 2 and 3 with stride 2, but no sum with the block's input and so no 1x1 projection either.
tests/model.rs checks `ResNetConfig::new(Version::Plain, depth)` against what this prints.

    python3 -m venv /tmp/kerasenv && /tmp/kerasenv/bin/pip install tensorflow-cpu
    /tmp/kerasenv/bin/python scripts/keras_plain.py            # 20 32 44 56 110
    /tmp/kerasenv/bin/python scripts/keras_plain.py 20 56

Output: one line per depth, `plain<depth> total=<n> trainable=<n> non_trainable=<n>`, and the
same for `resnet<depth>v1` (the identical builder with the shortcuts put back), which must match
the seed's Keras figures already in tests/model.rs: a check on this script itself.
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from tensorflow import keras  # noqa: E402

# The one builder of the seed's nets (keras_peer.py): its v1 with the shortcuts taken out.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from keras_peer import builders  # noqa: E402

v1, _ = builders(keras)


def network(depth, shortcuts, classes=10, shape=(32, 32, 3)):
    """The plain network (`shortcuts=False`) or ResNet v1 (`shortcuts=True`) of `depth`."""
    if depth < 8 or (depth - 2) % 6:
        raise ValueError(f"depth must be 6n+2, got {depth}")
    return v1(depth, classes, shape, shortcuts=shortcuts)


def count(weights):
    return sum(int(w.shape.num_elements()) for w in weights)


def main(argv):
    depths = [int(a) for a in argv] or [20, 32, 44, 56, 110]
    print(f"keras {keras.__version__}")
    for depth, shortcuts in [(d, s) for s in (False, True) for d in depths]:
        model = network(depth, shortcuts)
        trainable = count(model.trainable_weights)
        non_trainable = count(model.non_trainable_weights)
        total = model.count_params()
        assert total == trainable + non_trainable
        print(f"{model.name} total={total} trainable={trainable} non_trainable={non_trainable}")


if __name__ == "__main__":
    main(sys.argv[1:])
