//! What a launch of one of our WGSL kernels hands cubecl besides its input tensors: its sizes,
//! and its output together with the fillers for the bindings its entry point declares but does
//! not read. Only with the `webgpu` feature.
//!
//! Why (BENCHMARKS.md, "Our launches' small uploads"): every launch used to upload its sizes into
//! a buffer of their own and one value for each unread binding, each upload a task for cubecl's
//! device thread and an allocation: about 510 a ResNet20 step, besides the launches themselves.
//! Now the sizes go as cubecl's launch metadata ([`sizes`]), which cubecl-wgpu stages into a
//! uniform that it caches by content and binds after the buffers (a layer's sizes are the same
//! every step, so they are written once), and the output and the fillers are reserved together
//! ([`output`]), one task. The fillers are never read; they are there because the bind group must
//! have an entry for every binding the pipeline's layout has, and two writable bindings of one
//! buffer must not overlap (Dawn checks), so an input cannot stand in for them.

use burn::backend::wgpu::CubeTensor;
use burn::cubecl::ir::metadata::Info;
use burn::cubecl::ir::{ElemType, UIntKind};
use burn::cubecl::prelude::{
    AddressType, CubeDim, ExecutionMode, KernelDefinition, KernelId, KernelMetadata, KernelSettings, Scope,
};
use burn::cubecl::server::{BufferBinding, Handle, MemoryLayoutDescriptor, MetadataBindingInfo};
use burn::cubecl::{CubeKernel, PrecompiledSource};
use burn::prelude::Shape;
use burn::tensor::DType;

use crate::fused::contiguous;

/// One entry point of one of our WGSL sources as a cubecl kernel: the source is the kernel,
/// there is nothing for cubecl to compile. (burn-cubecl's `template` feature has the same type,
/// `SourceKernel`; it would rebuild all of cubecl for these few lines.)
#[derive(Clone, Copy, Debug)]
pub struct WgslKernel {
    /// Its name in the kernel profile (`bench --kernels`) and cubecl's logs.
    pub name: &'static str,
    pub source: &'static str,
    pub entry: &'static str,
    /// The entry point's `@workgroup_size` (x).
    pub workgroup: u32,
}

impl KernelMetadata for WgslKernel {
    fn name(&self) -> &'static str {
        self.name
    }

    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info((self.name, self.entry))
    }

    fn address_type(&self) -> ElemType {
        UIntKind::U32.into()
    }
}

impl CubeKernel for WgslKernel {
    fn define(&self) -> KernelDefinition {
        // Only keys the compilation cache: `source` replaces the compiled body.
        let settings = KernelSettings::new(CubeDim::new_1d(self.workgroup).0, ExecutionMode::Checked, AddressType::U32);
        KernelDefinition { body: Scope::root(settings.clone()), settings, info: Info::default() }
    }

    fn source(&self) -> Option<PrecompiledSource> {
        Some(PrecompiledSource { source: self.source.into(), entrypoint_name: self.entry.into(), lang: "wgsl" })
    }
}

/// The shader's uniform struct of 32-bit fields, `fields` in order, as cubecl's launch metadata
/// (64-bit words, little-endian: two fields a word, the last one padded with zero).
pub fn sizes(fields: &[u32]) -> MetadataBindingInfo {
    let words = fields.chunks(2).map(|pair| u64::from(pair[0]) | u64::from(pair.get(1).copied().unwrap_or(0)) << 32);
    MetadataBindingInfo::custom(words.collect())
}

/// The bindings of an entry point's inputs, in order: each tensor's buffer (row-major: burn
/// copies one with other strides), and for each `None` — a binding the entry point declares but
/// does not read — the next of `fillers` (from [`output`] or [`outputs`]).
pub fn input_bindings(inputs: impl IntoIterator<Item = Option<CubeTensor>>, fillers: &mut impl Iterator<Item = Handle>) -> Vec<BufferBinding> {
    inputs
        .into_iter()
        .map(|t| match t {
            Some(t) => contiguous(t).handle.clone().binding(),
            None => fillers.next().expect("a filler for each unread binding").binding(),
        })
        .collect()
}

/// Workgroups for `count` values, `per_workgroup` of them each (a workgroup's invocations times
/// the values an invocation takes): along x, then along y past what a dispatch may have along x
/// (WebGPU allows 65,535; 32,768 here).
pub fn grid(count: usize, per_workgroup: usize) -> (usize, usize) {
    let blocks = count.div_ceil(per_workgroup).max(1);
    let across = blocks.min(MAX_ACROSS);
    (across, blocks.div_ceil(across))
}

/// Workgroups along x of [`grid`].
const MAX_ACROSS: usize = 32_768;

/// A new f32 tensor of `shape` on `like`'s client and device, and `fillers` buffers of one value
/// for unread bindings, all in one allocation (one task for cubecl's device thread; each part at
/// its own aligned offset, so no two overlap).
pub fn output(like: &CubeTensor, shape: Shape, fillers: usize) -> (CubeTensor, Vec<Handle>) {
    let ([output], fillers) = outputs(like, [shape], fillers);
    (output, fillers)
}

/// [`output`] for a kernel that writes `K` tensors, of shapes `shapes`: one allocation for all
/// of them and the fillers.
pub fn outputs<const K: usize>(like: &CubeTensor, shapes: [Shape; K], fillers: usize) -> ([CubeTensor; K], Vec<Handle>) {
    let f32_size = DType::F32.size();
    let mut parts: Vec<_> = shapes.iter().map(|shape| MemoryLayoutDescriptor::contiguous(shape.clone(), f32_size)).collect();
    parts.extend((0..fillers).map(|_| MemoryLayoutDescriptor::contiguous(Shape::new([1]), f32_size)));
    let mut handles = like.client.empty_tensors(parts).into_iter().map(|layout| layout.memory);
    let outputs = shapes.map(|shape| {
        let memory = handles.next().expect("a part for each output");
        CubeTensor::new_contiguous(like.client.clone(), like.device.clone(), shape, memory, DType::F32)
    });
    (outputs, handles.collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_pack_two_fields_a_word_low_first() {
        assert_eq!(sizes(&[1, 2, 3]).data, vec![1 | 2 << 32, 3]);
        assert_eq!(sizes(&[7, 0x3a83_126f]).data, vec![7 | 0x3a83_126f << 32]);
    }

    #[test]
    fn a_grid_covers_every_value_and_goes_down_past_the_limit() {
        assert_eq!(grid(1, 256), (1, 1));
        assert_eq!(grid(257, 256), (2, 1));
        assert_eq!(grid(0, 256), (1, 1));
        let (across, down) = grid(40_000 * 256 + 1, 256);
        assert_eq!((across, down), (32_768, 2));
        assert!(across * down * 256 >= 40_000 * 256 + 1);
    }
}
