//! Our own convolution on wgpu: `shaders/conv.wgsl`'s three implicit-GEMM products (forward,
//! input gradient, kernel gradient) launched on burn's own cubecl client, as a burn autodiff
//! operation ([`op`](super::op)); only with the `webgpu` feature.
//!
//! Why (BENCHMARKS.md, "GEMM convolutions"): burn-cubecl 0.22.1 without `autotune` runs every
//! convolution as a *direct* convolution between NCHW↔NHWC permutations, the kernel gradient as a
//! few thousand threads each summing a whole batch in series; our tensor-op GEMM route
//! (`conv2d_gemm`) multiplies fast but spends as long again writing and reading back its im2col
//! matrices. Here the im2col matrix never exists: each workgroup gathers the slice of it that
//! its tile needs into workgroup memory, for the three products alike, in NCHW, with no
//! permutation around them. The kernel gradient's long sum over the batch's output pixels is
//! split into partial products over slices of them (burn adds them up), and the bias gradient is
//! burn's sum of the output gradient.
//!
//! The 3×3 stride-1 layers (most of the nets' convolutions) take `shaders/conv_patch.wgsl`
//! (forward, input gradient) and `shaders/conv_patch_kernel.wgsl` (kernel gradient) instead: a
//! workgroup stages whole rows of the image in workgroup memory, each pixel read once, and the
//! nine taps read them at nine offsets, where the general kernels gather each pixel once per tap
//! with its own bounds test (BENCHMARKS.md, "Our WGSL convolution from patches of the image").
//! The 1×1 stride-1 layers (the v2 nets' bottlenecks) take `shaders/conv_point.wgsl` for the
//! three products: there the image itself is the im2col matrix, read four pixels at a time
//! (BENCHMARKS.md, "Our WGSL 1×1 convolutions as products of the images").

use burn::backend::wgpu::CubeTensor;
use burn::backend::{Cube, DispatchDevice};
use burn::cubecl::ir::metadata::Info;
use burn::cubecl::ir::{ElemType, UIntKind};
use burn::cubecl::prelude::{
    AddressType, CubeCount, CubeDim, ExecutionMode, KernelDefinition, KernelId, KernelMetadata,
    KernelSettings, Scope,
};
use burn::cubecl::server::KernelArguments;
use burn::cubecl::{CubeKernel, PrecompiledSource};
use burn::prelude::*;
use burn_backend::tensor::FloatTensor;

use super::op::{self, ConvGradients, Geometry, Kernels};
use super::sums;
use crate::fused::{self, contiguous};
use crate::launch;

/// The kernels' source, with a 64-row tile ([`source`] writes the tile a layer gets).
pub const SHADER: &str = include_str!("../../shaders/conv.wgsl");
/// The 3×3 stride-1 layers' forward pass and input gradient, from a patch of the image staged in
/// workgroup memory ([`Shader::source`] writes the tile).
pub const PATCH_SHADER: &str = include_str!("../../shaders/conv_patch.wgsl");
/// Their kernel gradient, likewise.
pub const PATCH_KERNEL_SHADER: &str = include_str!("../../shaders/conv_patch_kernel.wgsl");
/// The 1×1 stride-1 layers' three products, as matrix products of the images
/// ([`Shader::source`] writes the tile).
pub const POINT_SHADER: &str = include_str!("../../shaders/conv_point.wgsl");
/// The 8 × 8 block of conv_patch.wgsl and conv_point.wgsl, appended to their source.
pub const BLOCK_SHADER: &str = include_str!("../../shaders/block.wgsl");

/// Rows of the product one invocation computes (the shader's `ROWS`).
const ROWS_PER_INVOCATION: u32 = 8;
/// Columns of the product one invocation computes: a workgroup has tile columns / 8 × tile rows
/// / 8 invocations.
const COLUMNS_PER_INVOCATION: u32 = 8;
/// The shared dimension's slice a workgroup stages per step (the shader's `DEPTH`).
const DEPTH: usize = 16;
/// The kernel gradient is split until the product has about this many workgroups…
const TARGET_WORKGROUPS: usize = 1024;
/// …but no workgroup sums fewer than this many output pixels.
const MIN_SPLIT: usize = 1024;
/// WebGPU's limit on workgroups along one axis of a dispatch.
const MAX_WORKGROUPS: usize = 65_535;

/// One of the three products.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Product {
    /// `y = W · cols(x) + bias`.
    Forward,
    /// `dx = Wᵀ ⋆ dy`, one phase of the input pixels (`y mod s`, `x mod s`) per dispatch z.
    InputGradient,
    /// `dW = dy · cols(x)ᵀ`, in partial sums over slices of the batch's output pixels.
    KernelGradient,
}

impl Product {
    /// The shader's entry point.
    fn entry(self) -> &'static str {
        match self {
            Product::Forward => "forward",
            Product::InputGradient => "input_gradient",
            Product::KernelGradient => "kernel_gradient",
        }
    }

    /// The kernel's name, in the kernel profile (`bench --kernels`) and burn-fusion's stream.
    fn name(self) -> &'static str {
        match self {
            Product::Forward => "ConvForward",
            Product::InputGradient => "ConvInputGradient",
            Product::KernelGradient => "ConvKernelGradient",
        }
    }

    /// The name of the patch shaders' kernel for the product.
    fn patch_name(self) -> &'static str {
        match self {
            Product::Forward => "ConvPatchForward",
            Product::InputGradient => "ConvPatchInputGradient",
            Product::KernelGradient => "ConvPatchKernelGradient",
        }
    }

    /// The name of `shaders/conv_point.wgsl`'s kernel for the product.
    fn point_name(self) -> &'static str {
        match self {
            Product::Forward => "ConvPointForward",
            Product::InputGradient => "ConvPointInputGradient",
            Product::KernelGradient => "ConvPointKernelGradient",
        }
    }

    /// `(rows, columns, shared dimension)` of the product.
    fn sizes(self, g: &Geometry) -> (usize, usize, usize) {
        match self {
            Product::Forward => (g.filters, g.batch * g.pixels(), g.rows()),
            // One phase of the input pixels, (y mod s, x mod s), per dispatch z: the longest
            // phase's taps (the shader computes each phase's own).
            Product::InputGradient => {
                let s = g.stride;
                (g.channels, g.batch * g.height.div_ceil(s) * g.width.div_ceil(s), g.filters * g.kernel.div_ceil(s).pow(2))
            }
            Product::KernelGradient => (g.filters, g.rows(), g.batch * g.pixels()),
        }
    }
}

/// The rows of the tile for a product of `rows` rows: 16, 32 or 64.
pub fn tile_rows(rows: usize) -> u32 {
    match rows {
        0..=16 => 16,
        17..=32 => 32,
        _ => 64,
    }
}

/// The most columns a tile has: 160 × 16 staged values and a 64-row slice fit WebGPU's 16 KiB
/// of workgroup memory.
const MAX_TILE_COLUMNS: u32 = 160;

/// Invocations of a workgroup with tiles of `tile_rows` × `tile_columns`.
fn invocations(tile_rows: u32, tile_columns: u32) -> u32 {
    tile_columns / COLUMNS_PER_INVOCATION * (tile_rows / ROWS_PER_INVOCATION)
}

/// The columns of the tile for a product of `columns` columns and tiles of `tile_rows` rows: the
/// multiple of 8 up to 160 (an invocation computes eight) that leaves the fewest columns empty,
/// the larger of two that tie (128 for the long products), among those that make a workgroup a
/// multiple of 8 invocations and at least 16 (lavapipe runs 8 at a time; the shader stages the
/// left-hand slice with 16). The kernel gradient's columns are the taps, c·k·k: 144 of a
/// 16-channel 3×3 layer take one tile of 160, where 64-column tiles made 192.
pub fn tile_columns(columns: usize, tile_rows: u32) -> u32 {
    (1..=MAX_TILE_COLUMNS / COLUMNS_PER_INVOCATION)
        .map(|j| j * COLUMNS_PER_INVOCATION)
        .filter(|tn| {
            let n = invocations(tile_rows, *tn);
            n.is_multiple_of(8) && n >= DEPTH as u32
        })
        .min_by_key(|tn| (columns.next_multiple_of(*tn as usize), std::cmp::Reverse(*tn)))
        .unwrap_or(128)
}

/// How many rows of 16 invocations stage the left-hand slice (the shader's `GROUPS`): the most
/// that the workgroup has, up to one per vec4 of a row (`tile_rows / 4`), a power of two.
pub fn groups(tile_rows: u32, tile_columns: u32) -> u32 {
    let available = invocations(tile_rows, tile_columns) / DEPTH as u32;
    let mut groups = 1;
    while groups * 2 <= available && groups * 2 <= tile_rows / 4 {
        groups *= 2;
    }
    groups
}

/// `shaders/conv.wgsl` with tiles of `tile_rows` × `tile_columns`.
pub fn source(tile_rows: u32, tile_columns: u32) -> String {
    SHADER
        .replacen("const TM: u32 = 64u;", &format!("const TM: u32 = {tile_rows}u;"), 1)
        .replacen("const TN: u32 = 128u;", &format!("const TN: u32 = {tile_columns}u;"), 1)
        .replacen("const GROUPS: u32 = 8u;", &format!("const GROUPS: u32 = {}u;", groups(tile_rows, tile_columns)), 1)
}

/// The output rows of a tile of `shaders/conv_patch.wgsl` for layer `g`, where that shader takes
/// its forward pass and input gradient: a 3×3 kernel with stride 1 and one zero row and column on
/// each side, maps whose width is a multiple of 8 (an invocation computes eight consecutive
/// columns of an output row) and at most 128. A tile is that many whole output rows of one image,
/// at most 128 columns: the largest divisor of the height that keeps it so.
pub fn patch_lines(g: &Geometry) -> Option<u32> {
    let shaped = g.kernel == 3 && g.stride == 1 && g.top == 1 && g.left == 1 && g.width.is_multiple_of(8) && g.width <= 128;
    if !shaped || g.height == 0 {
        return None;
    }
    let lines = (1..=(128 / g.width).min(g.height)).rev().find(|l| g.height.is_multiple_of(*l))?;
    (g.batch * g.height / lines <= MAX_WORKGROUPS).then_some(lines as u32)
}

/// The workgroup memory shaders/conv_patch_kernel.wgsl may stage, in f32 values (WebGPU
/// guarantees 16 KiB; a little is kept for the slice's bounds).
const PATCH_KERNEL_VALUES: usize = 3840;

/// `(channels, lines)` of a tile of `shaders/conv_patch_kernel.wgsl` for layer `g` with tiles of
/// `tile_rows` filters, where that shader takes its kernel gradient (the layers of
/// [`patch_lines`]): 16 channels, or the layer's channels to the next power of two (at least 4);
/// the most output rows per step (a divisor of the height) whose output gradient and image rows
/// fit [`PATCH_KERNEL_VALUES`].
pub fn patch_kernel_tile(g: &Geometry, tile_rows: u32) -> Option<(u32, u32)> {
    patch_lines(g)?;
    let channels = if g.channels >= 16 { 16 } else { g.channels.next_power_of_two().max(4) };
    let fits = |lines: usize| tile_rows as usize * lines * g.width + channels * (lines + 2) * (g.width + 2) <= PATCH_KERNEL_VALUES;
    let lines = (1..=g.height).rev().find(|l| g.height.is_multiple_of(*l) && fits(*l))?;
    Some((channels as u32, lines as u32))
}

/// The pixels of a tile of `shaders/conv_point.wgsl` for layer `g`, where that shader takes its
/// forward pass and input gradient: a 1×1 kernel with stride 1 (no padding). A tile is that many
/// consecutive pixels of one image: 128, or 64 for planes of 64 pixels or fewer (8×8 maps), the
/// last tile of an image part empty where the plane is not a multiple. It takes the kernel
/// gradient too where the plane is a multiple of its step ([`point_kernel`]).
pub fn point_columns(g: &Geometry) -> Option<u32> {
    if !g.is_pointwise() || g.top != 0 || g.left != 0 || g.pixels() == 0 {
        return None;
    }
    let columns = if g.pixels() <= 64 { 64 } else { 128 };
    (g.batch * g.pixels().div_ceil(columns) <= MAX_WORKGROUPS).then_some(columns as u32)
}

/// Whether `shaders/conv_point.wgsl` takes the kernel gradient of layer `g`: a layer of
/// [`point_columns`] whose plane is a multiple of the shader's step along the pixels (a step never
/// crosses into the next image).
pub fn point_kernel(g: &Geometry) -> bool {
    point_columns(g).is_some() && g.pixels().is_multiple_of(DEPTH)
}

/// Which shader runs a product, and its tile's shape where it is not `shaders/conv.wgsl`'s.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Shader {
    /// `shaders/conv.wgsl`.
    General,
    /// `shaders/conv_patch.wgsl`: tiles of `lines` whole output rows of `width`.
    Patch { width: u32, lines: u32 },
    /// `shaders/conv_patch_kernel.wgsl`: tiles of `channels` channels, `lines` output rows of
    /// `width` per step.
    PatchKernel { channels: u32, width: u32, lines: u32 },
    /// `shaders/conv_point.wgsl`: tiles of the kernel's `tile_columns` pixels of one image
    /// (kernel gradient: channels).
    Point,
}

/// One entry point of a shader with one tile: the source is the kernel, there is nothing for
/// cubecl to compile.
struct ConvKernel {
    product: Product,
    tile_rows: u32,
    tile_columns: u32,
    shader: Shader,
}

impl ConvKernel {
    /// The shader's source with this tile written into its `const` lines.
    fn source(&self) -> String {
        let tm = self.tile_rows;
        match self.shader {
            Shader::General => source(tm, self.tile_columns),
            Shader::Patch { width, lines } => PATCH_SHADER
                .replacen("const TM: u32 = 64u;", &format!("const TM: u32 = {tm}u;"), 1)
                .replacen("const WIDTH: u32 = 32u;", &format!("const WIDTH: u32 = {width}u;"), 1)
                .replacen("const LINES: u32 = 4u;", &format!("const LINES: u32 = {lines}u;"), 1)
                + BLOCK_SHADER,
            Shader::PatchKernel { channels, width, lines } => PATCH_KERNEL_SHADER
                .replacen("const TM: u32 = 16u;", &format!("const TM: u32 = {tm}u;"), 1)
                .replacen("const CH: u32 = 16u;", &format!("const CH: u32 = {channels}u;"), 1)
                .replacen("const WIDTH: u32 = 32u;", &format!("const WIDTH: u32 = {width}u;"), 1)
                .replacen("const LINES: u32 = 2u;", &format!("const LINES: u32 = {lines}u;"), 1),
            Shader::Point => POINT_SHADER
                .replacen("const TM: u32 = 64u;", &format!("const TM: u32 = {tm}u;"), 1)
                .replacen("const TN: u32 = 128u;", &format!("const TN: u32 = {}u;", self.tile_columns), 1)
                + BLOCK_SHADER,
        }
    }

    /// The workgroup's size `(x, y)`.
    fn workgroup(&self) -> (u32, u32) {
        match self.shader {
            Shader::PatchKernel { channels, .. } => (channels, self.tile_rows / ROWS_PER_INVOCATION),
            _ => (self.tile_columns / COLUMNS_PER_INVOCATION, self.tile_rows / ROWS_PER_INVOCATION),
        }
    }
}

impl KernelMetadata for ConvKernel {
    fn name(&self) -> &'static str {
        match self.shader {
            Shader::General => self.product.name(),
            Shader::Point => self.product.point_name(),
            _ => self.product.patch_name(),
        }
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info((self.product, self.tile_rows, self.tile_columns, self.shader))
    }

    fn address_type(&self) -> ElemType {
        UIntKind::U32.into()
    }
}

impl CubeKernel for ConvKernel {
    fn define(&self) -> KernelDefinition {
        // Only keys the compilation cache: `source` replaces the compiled body.
        let (x, y) = self.workgroup();
        let settings = KernelSettings::new(CubeDim::new_2d(x, y).0, ExecutionMode::Checked, AddressType::U32);
        KernelDefinition { body: Scope::root(settings.clone()), settings, info: Info::default() }
    }

    fn source(&self) -> Option<PrecompiledSource> {
        Some(PrecompiledSource { source: ConvKernel::source(self), entrypoint_name: self.product.entry().into(), lang: "wgsl" })
    }
}

/// How the kernel gradient's shared dimension `k` is cut for a product of `tiles` tiles:
/// `(slice, slices)`, the slice a multiple of the shader's step.
pub fn split(k: usize, tiles: usize) -> (usize, usize) {
    let wanted = TARGET_WORKGROUPS.div_ceil(tiles.max(1));
    let slice = k.div_ceil(wanted).max(MIN_SPLIT).next_multiple_of(DEPTH);
    (slice, k.div_ceil(slice).max(1))
}

/// Whether the shader takes `g`: a stride that is a power of two (the input gradient's phases
/// are masks and shifts by it), and every product in one dispatch.
pub fn fits(g: &Geometry) -> bool {
    let products = [Product::Forward, Product::InputGradient, Product::KernelGradient];
    g.stride.is_power_of_two()
        && products.iter().all(|p| Grid::new(*p, g).workgroups.iter().all(|w| *w <= MAX_WORKGROUPS))
}

/// How a product is dispatched.
struct Grid {
    tile_rows: u32,
    tile_columns: u32,
    /// Workgroups along the columns, the rows and the shared dimension.
    workgroups: [usize; 3],
    /// The shared dimension's slice one workgroup sums (`PatchKernel`: in tiles of output rows).
    slice: usize,
    shader: Shader,
}

impl Grid {
    fn new(product: Product, g: &Geometry) -> Self {
        let (m, n, k) = product.sizes(g);
        let tile_rows = tile_rows(m);
        let width = g.width as u32;
        if let (Some(lines), false) = (patch_lines(g), product == Product::KernelGradient) {
            // A workgroup per `lines` output rows of an image and tile of rows.
            let workgroups = [g.batch * g.height / lines as usize, m.div_ceil(tile_rows as usize), 1];
            return Self { tile_rows, tile_columns: width * lines, workgroups, slice: k, shader: Shader::Patch { width, lines } };
        }
        if let (Some((channels, lines)), Product::KernelGradient) = (patch_kernel_tile(g, tile_rows), product) {
            // A workgroup per tile of channels and of filters and slice of the output rows,
            // split as shaders/conv.wgsl's kernel gradient is, in whole steps of `lines` rows.
            let (columns, rows) = (g.channels.div_ceil(channels as usize), m.div_ceil(tile_rows as usize));
            let step = (lines * width) as usize;
            let (slice, _) = split(k, columns * rows);
            let (tiles, per) = (k / step, slice.div_ceil(step));
            let workgroups = [columns, rows, tiles.div_ceil(per)];
            let shader = Shader::PatchKernel { channels, width, lines };
            return Self { tile_rows, tile_columns: channels * 9, workgroups, slice: per, shader };
        }
        if let (Some(tile_columns), false) = (point_columns(g), product == Product::KernelGradient) {
            // A workgroup per `tile_columns` pixels of an image and tile of rows.
            let workgroups = [g.batch * g.pixels().div_ceil(tile_columns as usize), m.div_ceil(tile_rows as usize), 1];
            return Self { tile_rows, tile_columns, workgroups, slice: k, shader: Shader::Point };
        }
        if product == Product::KernelGradient && point_kernel(g) {
            // A workgroup per tile of filters and of channels (16, 32 or 64 of them) and slice
            // of the batch's pixels, split as shaders/conv.wgsl's kernel gradient is.
            let tile_columns = self::tile_rows(n);
            let (columns, rows) = (n.div_ceil(tile_columns as usize), m.div_ceil(tile_rows as usize));
            let (slice, slices) = split(k, columns * rows);
            return Self { tile_rows, tile_columns, workgroups: [columns, rows, slices], slice, shader: Shader::Point };
        }
        let tile_columns = tile_columns(n, tile_rows);
        let (columns, rows) = (n.div_ceil(tile_columns as usize), m.div_ceil(tile_rows as usize));
        let (slice, slices) = match product {
            Product::KernelGradient => split(k, columns * rows),
            Product::InputGradient => (k, g.stride * g.stride),
            Product::Forward => (k, 1),
        };
        Self { tile_rows, tile_columns, workgroups: [columns, rows, slices], slice, shader: Shader::General }
    }
}

/// Runs `product` of `g` on `lhs` and `rhs` (and `bias`, forward only): `y` `[b, f, h', w']`,
/// `dx` `[b, c, h, w]`, or the kernel gradient's partial sums `[slices, f, c·k·k]`.
fn launch(product: Product, g: &Geometry, lhs: CubeTensor, rhs: CubeTensor, bias: Option<CubeTensor>) -> CubeTensor {
    let (lhs, rhs) = (contiguous(lhs), contiguous(rhs));
    let client = lhs.client.clone();
    let (m, n, k) = product.sizes(g);
    let grid = Grid::new(product, g);
    let [columns, rows, slices] = grid.workgroups;
    let shape = output_shape(product, g);
    let sizes = match grid.shader {
        // shaders/conv_patch.wgsl's Geo: the image convolved is x (forward) or dy.
        Shader::Patch { .. } => {
            let channels = if product == Product::Forward { g.channels } else { g.filters };
            vec![g.batch, channels, g.height, m]
        }
        Shader::PatchKernel { .. } => vec![g.batch, g.channels, g.height, g.filters, grid.slice],
        // shaders/conv_point.wgsl's Geo: the image multiplied is x (forward, kernel gradient) or dy.
        Shader::Point => {
            let channels = if product == Product::InputGradient { g.filters } else { g.channels };
            vec![g.batch, channels, g.pixels(), m, grid.slice]
        }
        Shader::General => vec![
            g.batch, g.channels, g.height, g.width, g.filters, g.kernel, g.stride, g.top, g.left, g.out_h, g.out_w, m, n, k,
            grid.slice,
        ],
    };
    let sizes: Vec<u32> = sizes.iter().map(|v| *v as u32).collect();
    // conv_patch_kernel.wgsl declares no bias; the other shaders declare one for all their entry
    // points, read by the forward pass only (the others bind a filler).
    let declares_bias = !matches!(grid.shader, Shader::PatchKernel { .. });
    let bias = bias.map(contiguous);
    let (output, fillers) = launch::output(&lhs, shape, usize::from(declares_bias && bias.is_none()));
    let mut buffers = vec![lhs.handle.clone().binding(), rhs.handle.clone().binding(), output.handle.clone().binding()];
    if declares_bias {
        let bias = match bias {
            Some(bias) => bias.handle.clone(),
            None => fillers[0].clone(),
        };
        buffers.push(bias.binding());
    }
    client.launch(
        Box::new(ConvKernel { product, tile_rows: grid.tile_rows, tile_columns: grid.tile_columns, shader: grid.shader }),
        CubeCount::Static(columns as u32, rows as u32, slices as u32),
        KernelArguments::new().with_buffers(buffers).with_info(launch::sizes(&sizes)),
    );
    output
}

/// The output shape of `product` of `g` (the kernel gradient's: its partial sums).
fn output_shape(product: Product, g: &Geometry) -> Shape {
    match product {
        Product::Forward => Shape::new(g.output_shape()),
        Product::InputGradient => Shape::new(g.input_shape()),
        Product::KernelGradient => {
            let (m, n, _) = product.sizes(g);
            Shape::new([Grid::new(product, g).workgroups[2], m, n])
        }
    }
}

/// [`launch`] as an operation of burn's wgpu backend (queued in order under fusion).
fn product(product: Product, g: &Geometry, lhs: FloatTensor<Cube>, rhs: FloatTensor<Cube>, bias: Option<FloatTensor<Cube>>) -> FloatTensor<Cube> {
    let g = *g;
    let shape = output_shape(product, &g);
    match bias {
        Some(bias) => fused::run(product.name(), [lhs, rhs, bias], shape, move |[lhs, rhs, bias]| {
            launch(product, &g, lhs, rhs, Some(bias))
        }),
        None => fused::run(product.name(), [lhs, rhs], shape, move |[lhs, rhs]| launch(product, &g, lhs, rhs, None)),
    }
}

impl Kernels for Cube {
    fn owns(device: &Device) -> bool {
        matches!(device.clone().without_autodiff().as_dispatch(), DispatchDevice::Cube(_))
    }

    fn takes(g: &Geometry) -> bool {
        fits(g)
    }

    fn conv_forward(g: &Geometry, x: FloatTensor<Cube>, weight: FloatTensor<Cube>, bias: FloatTensor<Cube>) -> FloatTensor<Cube> {
        product(Product::Forward, g, weight, x, Some(bias))
    }

    fn conv_backward(
        g: &Geometry,
        x: FloatTensor<Cube>,
        weight: FloatTensor<Cube>,
        dy: FloatTensor<Cube>,
        want_input: bool,
    ) -> ConvGradients<Cube> {
        // One copy for both products where dy has other strides (under fusion each product
        // makes its inputs contiguous when it runs).
        #[cfg(not(feature = "fusion"))]
        let dy = contiguous(dy);
        let input = want_input.then(|| product(Product::InputGradient, g, weight, dy.clone(), None));
        let partial = product(Product::KernelGradient, g, dy.clone(), x, None); // [slices, f, c·k·k]
        // Σ of the partial products over the slices, and of dy over the batch and the pixels.
        let (kernel, bias) = sums::kernel_and_bias(g, partial, dy); // [f, c, k, k], [f]
        ConvGradients { input, kernel, bias }
    }
}

/// Whether [`conv2d`] runs on tensors of this device: burn's wgpu backend, with or without
/// autodiff.
pub fn supports(device: &Device) -> bool {
    Cube::owns(device)
}

/// A "same"-padded 2-D convolution with square `kernel` and `stride` by `shaders/conv.wgsl`:
/// `x` `[b, c, h, w]`, `weight` `[f, c, k, k]`, `bias` `[f]` → `[b, f, ⌈h/s⌉, ⌈w/s⌉]`, with its
/// backward pass on autodiff tensors. `None` where the tensors are not all f32 tensors of the
/// wgpu backend in one autodiff context, the stride is not a power of two, or a product would
/// need more workgroups than one dispatch has (the caller then uses burn's own `conv2d`).
pub fn conv2d(x: &Tensor<4>, weight: &Tensor<4>, bias: &Tensor<1>, stride: usize) -> Option<Tensor<4>> {
    op::conv2d::<Cube>(x, weight, bias, stride)
}
