#!/usr/bin/env python3
"""Keras CPU peer of `bench --backend flex`: the seed's two networks in Keras 3 on TensorFlow's
CPU kernels, one training step timed the way `bench` times ours.

A yardstick for `scripts/cpu-bench.sh`, not part of the project (nothing imports it, CI never
runs it). The networks are rebuilt here from the seed's description (`resnet_layer`, `resnet_v1`,
`resnet_v2`): every convolution `Conv2D(padding="same", kernel_initializer="he_normal",
kernel_regularizer=l2(1e-4))`, batch norm with Keras' defaults, a softmax `Dense` on top, and
the totals that tests/ pins for our burn models are asserted (Keras' `model.summary()`): if a
count differs the script stops, so a ratio it takes part in compares equal networks.

One training step: `model.train_on_batch` on one fixed random batch (N(0, 1) NHWC images and
uniform labels, made once as TensorFlow tensors), compiled with Adam(1e-3) and sparse
categorical cross-entropy on the model's softmax output (the seed's loss, with integer labels
instead of one-hot ones), the L2 terms of the kernels added by Keras. `train_on_batch` returns
the loss as a Python float, so every step is waited for, as `bench` reads its loss back. Keras'
graph mode (`tf.function`); XLA off, which is what Keras' `jit_compile="auto"` picks on a machine
without a GPU (`--jit` turns it on). "First step" is timed from building the model (weights
drawn, compiled) to the end of its first step (tracing included), as `bench` times it from
`Learner::new`; TensorFlow's import and thread pools come before, as `bench` opens its device
before.

    /tmp/kerasenv/bin/python scripts/keras_peer.py                       # both models, batch 32 and 128
    /tmp/kerasenv/bin/python scripts/keras_peer.py --model resnet20v1 --batch 8 --warmup 0 --steps 2
    /tmp/kerasenv/bin/python scripts/keras_peer.py --intra 2 --inter 1   # TensorFlow's thread pools
    /tmp/kerasenv/bin/python scripts/keras_peer.py --check               # parameter counts only

Needs Keras 3 and TensorFlow (CPU):
    python3 -m venv /tmp/kerasenv && /tmp/kerasenv/bin/pip install tensorflow-cpu

Prints `INFO <topic>: …` lines (versions, threads, parameter counts), one
`RESULT model=… batch=… img_s=… step_s=… first_s=… rss_mib=…` line per model × batch (or
`FAILED model=… batch=… error=…`), then a Markdown table. Exit status 1 when a row failed, 2 when
a count is wrong or TensorFlow/Keras is missing.
"""

import argparse
import math
import os
import platform
import statistics
import sys
import time

# Keras' `model.summary()` totals for the seed's networks (README: parameter counts).
EXPECTED = {
    "resnet20v1": {"total": 274_442, "trainable": 273_066},
    "resnet29v2": {"total": 849_002, "trainable": 843_786},
}


def parse_model(name):
    """`resnet<depth>v<version>` -> (depth, version), with the seed's depth rules."""
    body = name.lower()
    depth_text, sep, version_text = body[6:].partition("v")
    if not body.startswith("resnet") or not sep or not depth_text.isdigit() or not version_text.isdigit():
        raise argparse.ArgumentTypeError(f"model `{name}`: write resnet<depth>v<1|2>, e.g. resnet20v1")
    depth, version = int(depth_text), int(version_text)
    if version == 1 and depth >= 8 and (depth - 2) % 6 == 0:
        return depth, 1
    if version == 2 and depth >= 11 and (depth - 2) % 9 == 0:
        return depth, 2
    raise argparse.ArgumentTypeError(f"model `{name}`: v1 takes depths 6n+2, v2 takes 9n+2")


def builders(keras):
    """The seed's network builders over this `keras` module."""
    layers, regularizers = keras.layers, keras.regularizers

    def unit(x, filters, kernel=3, stride=1, relu=True, bn=True, conv_first=True):
        """One convolution with its batch norm and ReLU, either of them optional: in that
        order when `conv_first`, else batch norm and ReLU before the convolution (v2)."""
        conv = layers.Conv2D(
            filters,
            kernel,
            strides=stride,
            padding="same",
            kernel_initializer="he_normal",
            kernel_regularizer=regularizers.l2(1e-4),
        )
        if conv_first:
            x = conv(x)
        if bn:
            x = layers.BatchNormalization()(x)
        if relu:
            x = layers.Activation("relu")(x)
        if not conv_first:
            x = conv(x)
        return x

    def head(x, classes):
        x = layers.AveragePooling2D(pool_size=8)(x)
        x = layers.Flatten()(x)
        return layers.Dense(classes, activation="softmax", kernel_initializer="he_normal")(x)

    def v1(depth, classes=10, shape=(32, 32, 3), shortcuts=True):
        """Three stages of basic blocks (16, 32, 64 filters); a block is two 3×3 units, the
        second without ReLU, summed with its input (through a 1×1 projection without batch
        norm where the first unit has stride 2), then a ReLU. With `shortcuts=False`, He et
        al.'s plain network: no sum and so no projection, the ReLU straight after the units."""
        blocks = (depth - 2) // 6
        inputs = keras.Input(shape=shape)
        x = unit(inputs, 16)
        filters = 16
        for stage in range(3):
            for b in range(blocks):
                stride = 2 if stage > 0 and b == 0 else 1
                y = unit(x, filters, stride=stride)
                y = unit(y, filters, relu=False)
                if shortcuts:
                    shortcut = unit(x, filters, 1, stride, relu=False, bn=False) if stride == 2 else x
                    y = layers.add([shortcut, y])
                x = layers.Activation("relu")(y)
            filters *= 2
        name = f"resnet{depth}v1" if shortcuts else f"plain{depth}"
        return keras.Model(inputs, head(x, classes), name=name)

    def v2(depth, classes=10, shape=(32, 32, 3)):
        """A 3×3 conv-BN-ReLU stem, then three stages of bottlenecks (1×1 reduce, 3×3, 1×1
        expand, each BN-ReLU-conv; the network's very first reduce a bare convolution), 64,
        128 and 256 channels out, stride 2 at the start of stages 2 and 3; each stage's first
        block sums with a 1×1 projection of its input, the others with the input itself, no
        ReLU after the sum; BN and ReLU before the pooling."""
        blocks = (depth - 2) // 9
        inputs = keras.Input(shape=shape)
        x = unit(inputs, 16)
        width = 16
        for stage in range(3):
            out = width * 4 if stage == 0 else width * 2
            for b in range(blocks):
                first = b == 0
                stride = 2 if stage > 0 and first else 1
                bare = stage == 0 and first
                y = unit(x, width, 1, stride, relu=not bare, bn=not bare, conv_first=False)
                y = unit(y, width, conv_first=False)
                y = unit(y, out, 1, conv_first=False)
                shortcut = unit(x, out, 1, stride, relu=False, bn=False) if first else x
                x = layers.add([shortcut, y])
            width = out
        x = layers.Activation("relu")(layers.BatchNormalization()(x))
        return keras.Model(inputs, head(x, classes), name=f"resnet{depth}v2")

    return v1, v2


def build(keras, name):
    depth, version = parse_model(name)
    v1, v2 = builders(keras)
    return (v1 if version == 1 else v2)(depth)


def count(model):
    """(total, trainable), as Keras' summary counts them (the moving statistics are weights)."""
    import numpy

    return model.count_params(), sum(int(numpy.prod(w.shape)) for w in model.trainable_weights)


def check_counts(keras, names):
    for name in names:
        keras.backend.clear_session()
        total, trainable = count(build(keras, name))
        line = f"{name}: {total:,} parameters ({trainable:,} trainable)"
        expected = EXPECTED.get(name)
        if expected is None:
            print(f"INFO params: {line} (no reference count for this depth)")
            continue
        if (total, trainable) != (expected["total"], expected["trainable"]):
            print(
                f"error: {line}, but the seed's network has {expected['total']:,} "
                f"({expected['trainable']:,} trainable): this peer is not the same network",
                file=sys.stderr,
            )
            sys.exit(2)
        print(f"INFO params: {line}, as Keras' summary of the seed")
    keras.backend.clear_session()


def rss_mib():
    """This process's peak resident memory (VmHWM, MiB), as `bench` reports its own; NaN where
    /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def run_one(tf, keras, name, batch, warmup, steps, jit):
    import numpy

    rng = numpy.random.default_rng(0)
    images = tf.constant(rng.standard_normal((batch, 32, 32, 3), dtype="float32"))
    labels = tf.constant(rng.integers(0, 10, size=(batch,), dtype="int32"))
    keras.backend.clear_session()
    keras.utils.set_random_seed(0)

    started = time.perf_counter()
    model = build(keras, name)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        jit_compile=jit,
    )

    def step():
        loss = float(model.train_on_batch(images, labels))  # a Python float: the step is done
        if not math.isfinite(loss):
            raise RuntimeError(f"non-finite loss {loss}")
        return loss

    step()
    first = time.perf_counter() - started
    for _ in range(warmup):
        step()
    times = []
    for _ in range(max(steps, 1)):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    median = statistics.median(times)
    return {"img_s": batch / median, "step_s": median, "first_s": first, "rss_mib": rss_mib()}


def cpu_name():
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", type=str, help="resnet20v1, resnet29v2, … (repeat; default both)")
    parser.add_argument("--batch", action="append", type=int, help="batch size (repeat; default 32 128)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps after the first (default 2, as bench)")
    parser.add_argument("--steps", type=int, default=5, help="timed steps, the median is reported (default 5, as bench)")
    parser.add_argument("--intra", type=int, default=0, help="TensorFlow's intra-op threads (default 0: TensorFlow picks)")
    parser.add_argument("--inter", type=int, default=0, help="TensorFlow's inter-op threads (default 0: TensorFlow picks)")
    parser.add_argument("--jit", action="store_true", help="compile the step with XLA (default off, Keras' choice on a CPU)")
    parser.add_argument("--check", action="store_true", help="only build the models and check their parameter counts")
    args = parser.parse_args()
    models = args.model or ["resnet20v1", "resnet29v2"]
    batches = args.batch or [32, 128]
    for name in models:
        try:
            parse_model(name)
        except argparse.ArgumentTypeError as e:
            parser.error(str(e))
    if any(b < 2 for b in batches):
        parser.error("batch sizes must be at least 2 (batch normalisation needs two samples)")
    if args.intra < 0 or args.inter < 0:
        parser.error("--intra and --inter take 0 (TensorFlow picks) or a number of threads")

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    try:
        import numpy
        import tensorflow as tf
        import keras
    except ImportError as e:
        print(
            f"error: TensorFlow/Keras not importable by {sys.executable} ({e}); "
            "python3 -m venv /tmp/kerasenv && /tmp/kerasenv/bin/pip install tensorflow-cpu",
            file=sys.stderr,
        )
        sys.exit(2)
    if not keras.__version__.startswith("3.") or keras.backend.backend() != "tensorflow":
        print(f"error: Keras 3 on TensorFlow needed, found Keras {keras.__version__} on {keras.backend.backend()}", file=sys.stderr)
        sys.exit(2)
    # Before anything runs: the pools are made on first use and cannot change afterwards.
    tf.config.threading.set_intra_op_parallelism_threads(args.intra)
    tf.config.threading.set_inter_op_parallelism_threads(args.inter)
    hidden = [d for d in tf.config.list_physical_devices() if d.device_type != "CPU"]
    if hidden:
        tf.config.set_visible_devices([], "GPU")  # a CPU peer, even where TensorFlow sees a GPU

    check_counts(keras, models)
    if args.check:
        return 0

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    intra = tf.config.threading.get_intra_op_parallelism_threads()
    inter = tf.config.threading.get_inter_op_parallelism_threads()
    try:
        from tensorflow.python.util import _pywrap_util_port

        mkl = _pywrap_util_port.IsMklEnabled()
    except Exception:  # a private module: absent in some builds
        mkl = "unknown"
    onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "unset (TensorFlow's default: on for x86-64 Linux)")
    env = ", ".join(f"{k}={os.environ[k]}" for k in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS") if k in os.environ)
    print(f"INFO versions: TensorFlow {tf.__version__}, Keras {keras.__version__}, NumPy {numpy.__version__}, Python {platform.python_version()}")
    print(f"INFO device: CPU ({cpu_name()}, {cpus} usable cores)" + (f"; {len(hidden)} other device(s) hidden" if hidden else ""))
    print(
        f"INFO threads: intra_op={intra} inter_op={inter} (0: TensorFlow's default, one per usable core = {cpus}); "
        f"TF_ENABLE_ONEDNN_OPTS={onednn}; MKL/oneDNN build: {mkl}" + (f"; {env}" if env else "")
    )
    print(
        f"INFO step: train_on_batch, graph mode, XLA {'on' if args.jit else 'off'}, Adam(1e-3), sparse categorical "
        f"cross-entropy + L2 1e-4, one fixed random batch; warm-up {args.warmup}, median of {args.steps} steps"
    )
    sys.stdout.flush()

    failed = False
    rows = []
    for name in models:
        for batch in batches:
            try:
                r = run_one(tf, keras, name, batch, args.warmup, args.steps, args.jit)
                rows.append((name, batch, r))
                print(
                    f"RESULT model={name} batch={batch} img_s={r['img_s']:.1f} step_s={r['step_s']:.5f} "
                    f"first_s={r['first_s']:.3f} rss_mib={r['rss_mib']:.0f}",
                    flush=True,
                )
            except Exception as e:  # out of memory or a non-finite loss: that row fails, the rest go on
                failed = True
                message = (str(e).splitlines() or [type(e).__name__])[0][:300]
                rows.append((name, batch, message))
                print(f"FAILED model={name} batch={batch} error={message}", flush=True)

    print()
    print(f"Keras peer on {cpu_name()} ({cpus} cores, intra_op={intra} inter_op={inter}): median of {args.steps} steps after {args.warmup} + 1")
    print()
    print("| model | batch | images/s | step (s, median) | first step (s) | peak RSS (MiB) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, batch, r in rows:
        if isinstance(r, str):
            print(f"| {name} | {batch} | failed: {r.replace('|', '/')} | | | |")
        else:
            print(f"| {name} | {batch} | {r['img_s']:.1f} | {r['step_s']:.4f} | {r['first_s']:.2f} | {r['rss_mib']:.0f} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
