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
from tensorflow.keras import layers, regularizers  # noqa: E402


def unit(x, filters, kernel=3, stride=1, relu=True):
    """Conv2D (same padding, he-normal, L2 1e-4) -> BatchNormalization -> optional ReLU,
    as the seed's `resnet_layer` with its defaults (conv first, batch norm on)."""
    x = layers.Conv2D(
        filters,
        kernel,
        strides=stride,
        padding="same",
        kernel_initializer="he_normal",
        kernel_regularizer=regularizers.l2(1e-4),
    )(x)
    x = layers.BatchNormalization()(x)
    if relu:
        x = layers.Activation("relu")(x)
    return x


def unit_without_bn(x, filters, kernel, stride):
    """The seed's projection: a 1x1 Conv2D, no batch norm, no activation."""
    return layers.Conv2D(
        filters,
        kernel,
        strides=stride,
        padding="same",
        kernel_initializer="he_normal",
        kernel_regularizer=regularizers.l2(1e-4),
    )(x)


def network(depth, shortcuts, classes=10, shape=(32, 32, 3)):
    """The plain network (`shortcuts=False`) or ResNet v1 (`shortcuts=True`) of `depth`."""
    if depth < 8 or (depth - 2) % 6:
        raise ValueError(f"depth must be 6n+2, got {depth}")
    n = (depth - 2) // 6
    inputs = keras.Input(shape=shape)
    x = unit(inputs, 16)
    filters = 16
    for stage in range(3):
        for block in range(n):
            stride = 2 if stage > 0 and block == 0 else 1
            y = unit(x, filters, stride=stride)
            y = unit(y, filters, relu=False)
            if shortcuts:
                if stride != 1:
                    x = unit_without_bn(x, filters, 1, stride)
                y = layers.add([x, y])
            # Where v1 sums with the (projected) input, the plain block only applies the ReLU.
            x = layers.Activation("relu")(y)
        filters *= 2
    x = layers.AveragePooling2D(pool_size=8)(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(classes, activation="softmax", kernel_initializer="he_normal")(x)
    name = f"resnet{depth}v1" if shortcuts else f"plain{depth}"
    return keras.Model(inputs, outputs, name=name)


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
