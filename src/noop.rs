//! A wgpu device that runs nothing: wgpu's `noop` adapter under burn's wgpu backend, natively.
//!
//! Everything a training step asks of the host still happens on it — burn's autodiff graph and
//! fusion, cubecl's kernel launches and memory management, wgpu's validation, resource tracking
//! and command encoding — but a dispatch is recorded and never executed, and the device is done
//! the moment work is submitted. So a step's wall time on this device is the host's share of a
//! step on any GPU driven from this CPU: the floor under the step time that no faster GPU can
//! lower, and what `bench --backend noop` measures (BENCHMARKS.md, "The host's share of a step").
//! The values it computes are not results (the kernels never run; buffers hold what uploads and
//! clears put there), so nothing but timing should be read from it.
//!
//! The adapter reports WebGPU's default limits and no optional features: a plain WebGPU adapter,
//! the least any visitor's GPU offers, so that cubecl picks the kernels it would pick there.

use burn::prelude::*;
use burn::tensor::wgpu::{WgpuSetup, wgpu};

/// The adapter's name, as `bench` prints it.
pub const NAME: &str = "wgpu (noop: host only)";

/// Brings up burn's wgpu backend on a fresh noop adapter (each call registers a new one).
pub fn device() -> Result<Device, String> {
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends: wgpu::Backends::NOOP,
        backend_options: wgpu::BackendOptions {
            noop: wgpu::NoopBackendOptions {
                enable: true,
                limits: Some(wgpu::Limits::default()),
                features: Some(wgpu::Features::empty()),
                device_type: Some(wgpu::DeviceType::Other),
                ..Default::default()
            },
            ..Default::default()
        },
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions::default()))
        .map_err(|e| format!("no noop adapter (is wgpu built with its `noop` feature?): {e}"))?;
    // As cubecl asks for its own devices: everything the adapter has.
    let (device, queue) = pollster::block_on(adapter.request_device(&wgpu::DeviceDescriptor {
        required_features: adapter.features(),
        required_limits: adapter.limits(),
        memory_hints: wgpu::MemoryHints::MemoryUsage,
        ..Default::default()
    }))
    .map_err(|e| format!("the noop adapter gave no device: {e}"))?;
    let setup = WgpuSetup { instance, adapter, device, queue, backend: wgpu::Backend::Noop };
    Device::wgpu_options().setup(setup).init().map_err(|e| format!("burn refused the noop device: {e}"))
}
