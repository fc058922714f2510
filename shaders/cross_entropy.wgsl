// The training loss of a batch — the mean over its rows of the softmax cross-entropy of the
// logits against the labels — with the number of rows whose largest logit is the label's, and
// the loss's gradient. src/loss/gpu.rs launches them on burn's own wgpu device, as a burn autodiff
// operation (src/loss.rs).
//
//   forward:   m = maxⱼ xᵣⱼ,  lse = log Σⱼ exp(xᵣⱼ − m),  loss = −(1/rows)·Σᵣ (xᵣ,label − m − lse)
//              correct = #{r : the first j with the largest xᵣⱼ is label r}
//   backward:  ∂loss/∂xᵣⱼ = g·(exp(xᵣⱼ − m − lse) − [j = label r]) / rows,   g = ∂L/∂loss
//
// That is burn's CrossEntropyLoss (log_softmax, gather, mean, negation) and the accuracy count
// (argmax, equal, sum) in the same steps, up to the order of the additions. Why
// (BENCHMARKS.md, "Fewer dispatches a step"): without kernel fusion those are about thirty
// dispatches a step, forward and backward, on a [rows, 10] tensor; here three.
//
// Every index is checked before it is read or written: cubecl compiles this without wgpu's
// bounds checks.

// The logits [rows, classes], row-major.
@group(0) @binding(0) var<storage, read_write> logits: array<f32>;
// The labels [rows], each in 0..classes (a row with another label adds no loss and is not
// counted correct).
@group(0) @binding(1) var<storage, read_write> labels: array<i32>;
// backward: g, one value. forward: one unused value.
@group(0) @binding(2) var<storage, read_write> upstream: array<f32>;
// What the dispatch writes: forward, the loss (one value); backward, ∂loss/∂x [rows, classes].
@group(0) @binding(3) var<storage, read_write> result: array<f32>;
// forward: the count of correct rows (one value, an integer as f32). backward: one unused value.
@group(0) @binding(4) var<storage, read_write> correct: array<f32>;
// cubecl's launch metadata, staged into a uniform of its own and bound after the buffers.
@group(0) @binding(5) var<uniform> params: Params;

struct Params {
    rows: u32,
    classes: u32,
}

const WG: u32 = 256u; // invocations of a workgroup (src/loss/gpu.rs: WORKGROUP)

// The rows the bindings hold, at most `rows`. Every entry point calls this, and so refers to
// all five bindings: a WebGPU pipeline's layout has the bindings its entry point uses, and the
// launch binds all five.
fn rows_held() -> u32 {
    let c = max(params.classes, 1u);
    var rows = min(params.rows, min(arrayLength(&logits) / c, arrayLength(&labels)));
    if (arrayLength(&upstream) == 0u || arrayLength(&result) == 0u || arrayLength(&correct) == 0u) {
        rows = 0u;
    }
    return rows;
}

// Row r's largest logit, log Σ exp(x − largest), and the first column holding the largest.
struct Row {
    largest: f32,
    lse: f32,
    argmax: u32,
}

fn row(r: u32) -> Row {
    let base = r * params.classes;
    var largest = logits[base];
    var argmax = 0u;
    for (var j = 1u; j < params.classes; j++) {
        let v = logits[base + j];
        if (v > largest) {
            largest = v;
            argmax = j;
        }
    }
    var sum = 0.0;
    for (var j = 0u; j < params.classes; j++) {
        sum += exp(logits[base + j] - largest);
    }
    return Row(largest, log(sum), argmax);
}

// Each invocation's sum of log-probabilities and count, then added up in a tree.
var<workgroup> losses: array<f32, WG>;
var<workgroup> counts: array<u32, WG>;

// One workgroup: invocation i takes rows i, i + WG, i + 2·WG, …
@compute @workgroup_size(WG, 1, 1)
fn forward(@builtin(local_invocation_index) i: u32) {
    let rows = rows_held();
    var sum = 0.0;
    var count = 0u;
    for (var r = i; r < rows; r += WG) {
        let label = labels[r];
        if (label >= 0 && u32(label) < params.classes) {
            let row = row(r);
            // log_softmax at the label: (x − m) − lse.
            sum += (logits[r * params.classes + u32(label)] - row.largest) - row.lse;
            count += u32(row.argmax == u32(label));
        }
    }
    losses[i] = sum;
    counts[i] = count;
    workgroupBarrier();
    for (var step = WG / 2u; step > 0u; step = step / 2u) {
        if (i < step) {
            losses[i] = losses[i] + losses[i + step];
            counts[i] = counts[i] + counts[i + step];
        }
        workgroupBarrier();
    }
    if (i == 0u) {
        result[0] = -(losses[0] / f32(max(params.rows, 1u)));
        correct[0] = f32(counts[0]);
    }
}

// Invocation k: value k of ∂loss/∂x (row k / classes). Workgroups go along x, then along y past
// WebGPU's 65,535.
@compute @workgroup_size(WG, 1, 1)
fn backward(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let k = (group.y * groups.x + group.x) * WG + local;
    let rows = rows_held();
    if (params.classes == 0u || k >= rows * params.classes || k >= arrayLength(&result)) {
        return;
    }
    let r = k / params.classes;
    let j = k % params.classes;
    let row = row(r);
    let p = exp(logits[k] - row.largest - row.lse);
    let hot = select(0.0, 1.0, labels[r] == i32(j));
    result[k] = upstream[0] * (p - hot) / f32(params.rows);
}
