// The input pipeline of a training step, on the GPU: gather a batch of CIFAR-10 images by index
// from the training set (kept on the GPU as bytes), shift each one with nearest-edge fill, mirror
// it, and normalise it, writing the f32 NCHW batch the model consumes (src/pipeline.rs launches
// it on burn's own device; src/augment.rs is the CPU reference it must match bit for bit).
//
// One invocation writes one output value: workgroup (x, y) covers values 256x .. 256x + 255 of
// image y, so a batch of n images is dispatched as 12 × n workgroups (3 × 32 × 32 = 12 × 256).
//
// Every binding is declared read_write because burn's launcher lays them all out that way; the
// kernel only writes `batch`.

// The training set, 4 bytes per word (little-endian), image after image, each 3,072 bytes: the
// R, G and B planes of 32 × 32 row-major pixels. A WebGPU storage binding may be limited to
// 128 MiB, less than CIFAR-10's 150 MB, so the images are split in two bindings:
// image i lives in shard i / info[0], at position i % info[0].
@group(0) @binding(0) var<storage, read_write> shard0: array<u32>;
@group(0) @binding(1) var<storage, read_write> shard1: array<u32>;

// Two words per image of the batch: its index in the set, then its random transform packed as
// (dx + 128) | (dy + 128) << 8 | flip << 16 (shift right and down in pixels, mirror or not).
@group(0) @binding(2) var<storage, read_write> params: array<u32>;

// lut[b] = b / 255 for the 256 byte values (divided on the CPU: WGSL's division is not exactly
// rounded, a table lookup is), then the training set's per-pixel mean, 3,072 values (zeros when
// the recipe does not subtract it).
@group(0) @binding(3) var<storage, read_write> lut: array<f32>;

// Output: the batch, [n, 3, 32, 32] f32.
@group(0) @binding(4) var<storage, read_write> batch: array<f32>;

// info[0]: images per shard.
@group(0) @binding(5) var<storage, read_write> info: array<u32>;

const SIDE: i32 = 32;
const PLANE: u32 = 1024u;       // 32 × 32
const IMAGE: u32 = 3072u;       // bytes (and output values) per image
const MEAN: u32 = 256u;         // where the mean starts in `lut`

@compute @workgroup_size(256, 1, 1)
fn main(
    @builtin(workgroup_id) group: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let n = group.y;                        // image of the batch
    let value = group.x * 256u + local;     // c · 1024 + y · 32 + x, within the image
    let c = value / PLANE;
    let y = i32((value % PLANE) / 32u);
    let x = i32(value % 32u);

    let index = params[2u * n];
    let transform = params[2u * n + 1u];
    let dx = i32(transform & 0xffu) - 128;
    let dy = i32((transform >> 8u) & 0xffu) - 128;
    let flip = (transform >> 16u) & 1u;

    // The source pixel: mirror first, then undo the shift, clamping to the edge (Keras'
    // fill_mode='nearest'), exactly as Transform::source in src/augment.rs.
    var column = x;
    if flip == 1u {
        column = SIDE - 1 - x;
    }
    let sy = u32(clamp(y - dy, 0, SIDE - 1));
    let sx = u32(clamp(column - dx, 0, SIDE - 1));
    let source = c * PLANE + sy * 32u + sx;

    // Its byte, from whichever shard holds the image.
    let per_shard = info[0];
    let offset = (index % per_shard) * IMAGE + source;
    var word: u32;
    if index < per_shard {
        word = shard0[offset / 4u];
    } else {
        word = shard1[offset / 4u];
    }
    let byte = (word >> (8u * (offset % 4u))) & 0xffu;

    // pixel / 255 − mean, the mean taken at the same (transformed) source position.
    batch[n * IMAGE + value] = lut[byte] - lut[MEAN + source];
}
