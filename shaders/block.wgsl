// An invocation's 8 × 8 block of a product and its multiply-adds, shared by
// shaders/conv_patch.wgsl and shaders/conv_point.wgsl: src/conv/gpu.rs appends this file to their
// source (WGSL has no includes; a module's declarations may come in any order). The block is
// eight rows of the product by eight consecutive columns, held in sixteen named vec4 so that
// compilers keep it in registers; `Block()` is a block of zeros.

// Rows r of the block, left and right four columns.
struct Block {
    r0l: vec4<f32>, r0r: vec4<f32>, r1l: vec4<f32>, r1r: vec4<f32>,
    r2l: vec4<f32>, r2r: vec4<f32>, r3l: vec4<f32>, r3r: vec4<f32>,
    r4l: vec4<f32>, r4r: vec4<f32>, r5l: vec4<f32>, r5r: vec4<f32>,
    r6l: vec4<f32>, r6r: vec4<f32>, r7l: vec4<f32>, r7r: vec4<f32>,
}

// `acc` plus the outer product of eight values of the left-hand operand (a: rows 0–3, c: rows
// 4–7; the kernel, or dy's filters) and eight of the right-hand one (bl, br: the image's columns).
fn accumulate(acc: Block, a: vec4<f32>, c: vec4<f32>, bl: vec4<f32>, br: vec4<f32>) -> Block {
    return Block(
        fma(vec4<f32>(a.x), bl, acc.r0l), fma(vec4<f32>(a.x), br, acc.r0r),
        fma(vec4<f32>(a.y), bl, acc.r1l), fma(vec4<f32>(a.y), br, acc.r1r),
        fma(vec4<f32>(a.z), bl, acc.r2l), fma(vec4<f32>(a.z), br, acc.r2r),
        fma(vec4<f32>(a.w), bl, acc.r3l), fma(vec4<f32>(a.w), br, acc.r3r),
        fma(vec4<f32>(c.x), bl, acc.r4l), fma(vec4<f32>(c.x), br, acc.r4r),
        fma(vec4<f32>(c.y), bl, acc.r5l), fma(vec4<f32>(c.y), br, acc.r5r),
        fma(vec4<f32>(c.z), bl, acc.r6l), fma(vec4<f32>(c.z), br, acc.r6r),
        fma(vec4<f32>(c.w), bl, acc.r7l), fma(vec4<f32>(c.w), br, acc.r7r),
    );
}

// `acc` plus the outer product of a, c (as in `accumulate`) and four values `b` for the block's
// left four columns only.
fn accumulate_left(acc: Block, a: vec4<f32>, c: vec4<f32>, b: vec4<f32>) -> Block {
    return Block(
        fma(vec4<f32>(a.x), b, acc.r0l), acc.r0r, fma(vec4<f32>(a.y), b, acc.r1l), acc.r1r,
        fma(vec4<f32>(a.z), b, acc.r2l), acc.r2r, fma(vec4<f32>(a.w), b, acc.r3l), acc.r3r,
        fma(vec4<f32>(c.x), b, acc.r4l), acc.r4r, fma(vec4<f32>(c.y), b, acc.r5l), acc.r5r,
        fma(vec4<f32>(c.z), b, acc.r6l), acc.r6r, fma(vec4<f32>(c.w), b, acc.r7l), acc.r7r,
    );
}

// Likewise for the right four columns.
fn accumulate_right(acc: Block, a: vec4<f32>, c: vec4<f32>, b: vec4<f32>) -> Block {
    return Block(
        acc.r0l, fma(vec4<f32>(a.x), b, acc.r0r), acc.r1l, fma(vec4<f32>(a.y), b, acc.r1r),
        acc.r2l, fma(vec4<f32>(a.z), b, acc.r2r), acc.r3l, fma(vec4<f32>(a.w), b, acc.r3r),
        acc.r4l, fma(vec4<f32>(c.x), b, acc.r4r), acc.r5l, fma(vec4<f32>(c.y), b, acc.r5r),
        acc.r6l, fma(vec4<f32>(c.z), b, acc.r6r), acc.r7l, fma(vec4<f32>(c.w), b, acc.r7r),
    );
}
