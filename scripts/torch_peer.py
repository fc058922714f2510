#!/usr/bin/env python3
"""PyTorch peer of `bench`: the same two Keras ResNets, trained the same way, timed the same way.

A yardstick for `scripts/gpu-bench.sh`, not part of the project (nothing imports it, CI never
runs it). The networks are rebuilt here layer by layer in the seed's order and checked against
the parameter counts that `tests/` pins for our burn models (Keras' `model.summary()` totals):
if a count differs the script stops, so a ratio it takes part in compares equal networks.

What one training step is, as in `bench` (src/bin/bench.rs, `Learner::step`): forward on one
fixed random batch (N(0, 1) images, uniform labels, made on the device once), cross-entropy plus
1e-4 · Σ w² over the convolution kernels, backward, one Adam step (lr 1e-3, β 0.9/0.999,
ε 1e-7), and the loss read back, which waits for the whole step. Eager mode, fp32 throughout
(TF32 off unless `--tf32`), cuDNN's defaults (no benchmark mode unless `--cudnn-benchmark`).
"First step" is timed from building the model (weights drawn, moved to the device, Adam made)
to the end of its first step, as `bench` times it from `Learner::new`; the CUDA context and the
cuDNN/cuBLAS handles are made before, as `bench` opens its device before.

    python3 scripts/torch_peer.py                                  # CUDA if there is one, else CPU
    python3 scripts/torch_peer.py --device cpu --batch 8 --warmup 0 --steps 2
    python3 scripts/torch_peer.py --check                          # parameter counts only

Prints a Markdown table, and one tab-separated `RESULT` line per model × batch (and `INFO`
lines) for gpu-bench.sh to read. Exit status 1 when a row failed, 2 when a count is wrong or
PyTorch is missing.
"""

import argparse
import math
import platform
import statistics
import sys
import time

# Keras' `model.summary()` for the seed's networks (README: parameter counts).
EXPECTED = {
    "resnet20v1": {"total": 274_442, "trainable": 273_066},
    "resnet29v2": {"total": 849_002, "trainable": 843_786},
}

L2 = 1e-4
BN_MOMENTUM = 0.01  # PyTorch weighs the new batch; Keras' momentum 0.99 weighs the old average
BN_EPS = 1e-3
ADAM = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-7)


def parse_model(name):
    """`resnet<depth>v<version>` -> (depth, version), with the seed's depth rules."""
    body = name.lower()
    if not body.startswith("resnet") or "v" not in body[6:]:
        raise argparse.ArgumentTypeError(f"model `{name}`: write resnet<depth>v<1|2>, e.g. resnet20v1")
    depth_text, _, version_text = body[6:].partition("v")
    try:
        depth, version = int(depth_text), int(version_text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"model `{name}`: write resnet<depth>v<1|2>, e.g. resnet20v1")
    if version == 1 and (depth - 2) % 6 == 0 and depth >= 8:
        return depth, 1
    if version == 2 and (depth - 2) % 9 == 0 and depth >= 11:
        return depth, 2
    raise argparse.ArgumentTypeError(f"model `{name}`: v1 takes depths 6n+2, v2 takes 9n+2")


def build(torch, name):
    """The seed's network `name` as a torch.nn.Module (on the CPU, freshly initialised)."""
    nn = torch.nn
    F = torch.nn.functional
    depth, version = parse_model(name)

    def he_normal_(weight):
        # Keras' he_normal: a normal of std sqrt(2 / fan_in) truncated at two deviations; the
        # std is corrected for the truncation (1 / 0.8796...), as Keras' VarianceScaling does.
        fan_in = weight[0].numel()
        std = math.sqrt(2.0 / fan_in) / 0.87962566103423978
        nn.init.trunc_normal_(weight, 0.0, std, -2.0 * std, 2.0 * std)

    class KerasConv(nn.Module):
        """Conv2D with a bias and Keras' 'same' padding: with an odd total the extra row and
        column go to the bottom and the right (a 3×3 stride-2 conv on 32×32 pads 0 top/left,
        1 bottom/right); symmetric cases use the convolution's own padding."""

        def __init__(self, cin, cout, kernel, stride):
            super().__init__()
            self.kernel, self.stride = kernel, stride
            symmetric = stride == 1 and kernel % 2 == 1
            self.conv = nn.Conv2d(cin, cout, kernel, stride, padding=kernel // 2 if symmetric else 0, bias=True)
            self.symmetric = symmetric
            he_normal_(self.conv.weight)
            nn.init.zeros_(self.conv.bias)

        def _pads(self, size):
            out = -(-size // self.stride)
            total = max((out - 1) * self.stride + self.kernel - size, 0)
            return total // 2, total - total // 2

        def forward(self, x):
            if not self.symmetric:
                top, bottom = self._pads(x.shape[-2])
                left, right = self._pads(x.shape[-1])
                if top or bottom or left or right:
                    x = F.pad(x, (left, right, top, bottom))
            return self.conv(x)

    class Unit(nn.Module):
        """The seed's resnet_layer: conv→BN→ReLU when `conv_first`, else BN→ReLU→conv; BN
        and the activation each optional."""

        def __init__(self, cin, cout, kernel=3, stride=1, relu=True, bn=True, conv_first=True):
            super().__init__()
            self.conv_first, self.relu = conv_first, relu
            self.conv = KerasConv(cin, cout, kernel, stride)
            # Registered after the conv, as Keras' summary lists them; BN sees the conv's output
            # when it follows it, the unit's input when it comes first.
            self.bn = nn.BatchNorm2d(cout if conv_first else cin, eps=BN_EPS, momentum=BN_MOMENTUM) if bn else None

        def forward(self, x):
            if self.conv_first:
                x = self.conv(x)
            if self.bn is not None:
                x = self.bn(x)
            if self.relu:
                x = F.relu(x)
            if not self.conv_first:
                x = self.conv(x)
            return x

    class BasicBlock(nn.Module):
        """v1: two 3×3 units, the second without ReLU; 1×1 projection (no BN) when the shape
        changes; ReLU after the sum."""

        def __init__(self, cin, cout, stride):
            super().__init__()
            self.first = Unit(cin, cout, 3, stride)
            self.second = Unit(cout, cout, 3, 1, relu=False)
            self.projection = Unit(cin, cout, 1, stride, relu=False, bn=False) if stride != 1 or cin != cout else None

        def forward(self, x):
            y = self.second(self.first(x))
            shortcut = x if self.projection is None else self.projection(x)
            return F.relu(shortcut + y)

    class Bottleneck(nn.Module):
        """v2: BN→ReLU→conv for 1×1 reduce, 3×3 and 1×1 expand (the network's very first reduce
        is a bare conv); 1×1 projection (no BN) in each stage's first block; no ReLU after
        the sum."""

        def __init__(self, cin, mid, cout, stride, bare_reduce, project):
            super().__init__()
            self.reduce = Unit(cin, mid, 1, stride, relu=not bare_reduce, bn=not bare_reduce, conv_first=False)
            self.spatial = Unit(mid, mid, 3, 1, conv_first=False)
            self.expand = Unit(mid, cout, 1, 1, conv_first=False)
            self.projection = Unit(cin, cout, 1, stride, relu=False, bn=False) if project else None

        def forward(self, x):
            y = self.expand(self.spatial(self.reduce(x)))
            shortcut = x if self.projection is None else self.projection(x)
            return shortcut + y

    class ResNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = Unit(3, 16, 3, 1)
            blocks = []
            if version == 1:
                n = (depth - 2) // 6
                cin = 16
                for stack in range(3):
                    cout = 16 * 2**stack
                    for b in range(n):
                        blocks.append(BasicBlock(cin, cout, 2 if stack > 0 and b == 0 else 1))
                        cin = cout
                self.head_bn = None
            else:
                n = (depth - 2) // 9
                cin, mid = 16, 16
                for stage in range(3):
                    cout = mid * 4 if stage == 0 else mid * 2
                    for b in range(n):
                        stride = 2 if stage > 0 and b == 0 else 1
                        blocks.append(Bottleneck(cin, mid, cout, stride, bare_reduce=stage == 0 and b == 0, project=b == 0))
                        cin = cout
                    mid = cout
                self.head_bn = nn.BatchNorm2d(cin, eps=BN_EPS, momentum=BN_MOMENTUM)
            self.blocks = nn.Sequential(*blocks)
            self.fc = nn.Linear(cin, 10)
            he_normal_(self.fc.weight)
            nn.init.zeros_(self.fc.bias)

        def forward(self, x):
            x = self.blocks(self.stem(x))
            if self.head_bn is not None:
                x = F.relu(self.head_bn(x))
            x = F.avg_pool2d(x, 8).flatten(1)
            return self.fc(x)  # logits: the softmax is inside the cross-entropy

        def conv_kernels(self):
            return [m.weight for m in self.modules() if isinstance(m, nn.Conv2d)]

    return ResNet()


def count(torch, model):
    """(total, trainable) as Keras counts: trainable weights plus BN's moving mean and variance."""
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    moving = sum(b.numel() for n, b in model.named_buffers() if n.endswith(("running_mean", "running_var")))
    return trainable + moving, trainable


def check_counts(torch, names):
    for name in names:
        total, trainable = count(torch, build(torch, name))
        expected = EXPECTED.get(name)
        line = f"{name}: {total:,} parameters ({trainable:,} trainable)"
        if expected is None:
            print(f"INFO\tparams\t{line} (no reference count for this depth)")
            continue
        if (total, trainable) != (expected["total"], expected["trainable"]):
            print(
                f"error: {line}, but the seed's network has {expected['total']:,} "
                f"({expected['trainable']:,} trainable): this peer is not the same network",
                file=sys.stderr,
            )
            sys.exit(2)
        print(f"INFO\tparams\t{line}, as Keras' summary")


def sync(torch, device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def run_one(torch, name, batch, device, warmup, steps):
    F = torch.nn.functional
    generator = torch.Generator(device="cpu").manual_seed(0)
    images = torch.randn(batch, 3, 32, 32, generator=generator).to(device)
    labels = torch.randint(0, 10, (batch,), generator=generator).to(device)
    sync(torch, device)

    started = time.perf_counter()
    torch.manual_seed(0)
    model = build(torch, name).to(device)
    model.train()
    kernels = model.conv_kernels()
    optimizer = torch.optim.Adam(model.parameters(), **ADAM)

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(images), labels)
        loss = loss + L2 * sum(w.square().sum() for w in kernels)
        loss.backward()
        optimizer.step()
        value = loss.item()  # waits for the step, as bench reads its loss back
        sync(torch, device)
        if not math.isfinite(value):
            raise RuntimeError(f"non-finite loss {value}")
        return value

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
    memory = torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else float("nan")
    return {"img_s": batch / median, "step_s": median, "first_s": first, "mem_mib": memory}


def set_precision(torch, tf32):
    """fp32 arithmetic in convolutions and matrix products (or TF32 with `tf32`); returns a
    description."""
    mode = "tf32" if tf32 else "ieee"
    cudnn_conv = getattr(getattr(torch.backends.cudnn, "conv", None), "fp32_precision", None)
    if cudnn_conv is not None:  # PyTorch >= 2.9: the precision settings by name
        torch.backends.cudnn.conv.fp32_precision = mode
        torch.backends.cuda.matmul.fp32_precision = mode
    else:
        torch.backends.cudnn.allow_tf32 = tf32
        torch.backends.cuda.matmul.allow_tf32 = tf32
    return "TF32 allowed" if tf32 else "fp32 (TF32 off)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", type=str, help="resnet20v1, resnet29v2, … (repeat; default both)")
    parser.add_argument("--batch", action="append", type=int, help="batch size (repeat; default 32 128 512)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps after the first (default 5)")
    parser.add_argument("--steps", type=int, default=20, help="timed steps, the median is reported (default 20)")
    parser.add_argument("--device", default="auto", help="auto (CUDA when available), cuda, cuda:N or cpu")
    parser.add_argument("--tf32", action="store_true", help="allow TF32 in convolutions and matmuls (default: fp32)")
    parser.add_argument("--cudnn-benchmark", action="store_true", help="let cuDNN time its algorithms (default off)")
    parser.add_argument("--check", action="store_true", help="only build the models and check their parameter counts")
    args = parser.parse_args()
    models = args.model or ["resnet20v1", "resnet29v2"]
    batches = args.batch or [32, 128, 512]
    for name in models:
        try:
            parse_model(name)
        except argparse.ArgumentTypeError as e:
            parser.error(str(e))
    if any(b < 2 for b in batches):
        parser.error("batch sizes must be at least 2 (batch normalisation needs two samples)")

    try:
        import torch
    except ImportError as e:
        print(f"error: PyTorch is not importable by {sys.executable} ({e}); install it or set PYTHON", file=sys.stderr)
        sys.exit(2)

    check_counts(torch, models)
    if args.check:
        return 0

    if args.device == "auto":
        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    else:
        device = torch.device(args.device)
        if device.type == "cuda" and not torch.cuda.is_available():
            print(f"error: --device {args.device}, but torch {torch.__version__} sees no CUDA device", file=sys.stderr)
            sys.exit(2)
    precision = set_precision(torch, args.tf32)
    torch.backends.cudnn.benchmark = args.cudnn_benchmark

    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        props = torch.cuda.get_device_properties(index)
        where = f"{props.name} ({props.total_memory / 2**30:.0f} GiB, {props.multi_processor_count} SMs)"
        libs = f"CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}"
        # The context and the library handles, before any timing (bench opens its device first).
        x = torch.randn(2, 3, 8, 8, device=device, requires_grad=True)
        w = torch.randn(4, 3, 3, 3, device=device, requires_grad=True)
        (torch.nn.functional.conv2d(x, w).sum() + (x.flatten(1) @ x.flatten(1).T).sum()).backward()
        sync(torch, device)
    else:
        where = f"CPU ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"
        libs = "CPU"
    print(f"INFO\tdevice\t{where}")
    print(
        f"INFO\ttorch\tPyTorch {torch.__version__} ({libs}), eager, {precision}, "
        f"cudnn.benchmark={args.cudnn_benchmark}, warm-up {args.warmup}, median of {args.steps} steps"
    )
    sys.stdout.flush()

    failed = False
    rows = []
    for name in models:
        for batch in batches:
            try:
                r = run_one(torch, name, batch, device, args.warmup, args.steps)
                rows.append((name, batch, r))
                print(
                    f"RESULT\t{name}\t{batch}\t{r['img_s']:.1f}\t{r['step_s']:.5f}\t{r['first_s']:.3f}\t{r['mem_mib']:.0f}",
                    flush=True,
                )
            except Exception as e:  # out of memory or a non-finite loss: that row fails, the rest go on
                failed = True
                message = str(e).splitlines()[0] if str(e) else type(e).__name__
                rows.append((name, batch, message))
                print(f"FAILED\t{name}\t{batch}\t{message}", flush=True)
            if device.type == "cuda":
                torch.cuda.empty_cache()
                torch.cuda.reset_peak_memory_stats(device)

    print()
    print(f"PyTorch peer on {where}: {precision}, median of {args.steps} steps after {args.warmup} + 1")
    print()
    print("| model | batch | images/s | step (s, median) | first step (s) | peak memory (MiB) |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, batch, r in rows:
        if isinstance(r, str):
            print(f"| {name} | {batch} | failed: {r} | | | |")
        else:
            memory = "—" if math.isnan(r["mem_mib"]) else f"{r['mem_mib']:.0f}"
            print(f"| {name} | {batch} | {r['img_s']:.1f} | {r['step_s']:.4f} | {r['first_s']:.2f} | {memory} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
