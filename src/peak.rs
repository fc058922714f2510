//! The adapter's peak arithmetic rate, measured with a tuned WGSL matrix multiplication
//! (`shaders/matmul.wgsl`) on the very wgpu device and queue burn trains on. Training's
//! achieved FLOP/s (images/s × the model's training FLOP per image) is reported as a fraction of
//! it, by the benchmark and live on the page.
//!
//! Works natively (the device is polled) and in the browser (callbacks come from the event
//! loop); nothing here blocks.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use burn::tensor::wgpu::wgpu;
use wgpu::util::DeviceExt;
use web_time::Instant;

/// The kernel's source.
pub const SHADER: &str = include_str!("../shaders/matmul.wgsl");
/// The matrices' side must be a multiple of this (the tile a workgroup computes).
pub const TILE: usize = 64;

/// One measurement.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Peak {
    /// Side of the square matrices.
    pub n: usize,
    /// Multiplications timed.
    pub reps: usize,
    /// Wall time of the timed multiplications.
    pub seconds: f64,
    /// `2 n³ · reps / seconds`, in GFLOP/s.
    pub gflops: f64,
}

/// A one-shot slot filled by a wgpu callback (`Send` natively, as wgpu asks).
struct Slot<T> {
    state: Arc<Mutex<(Option<T>, Option<Waker>)>>,
}

impl<T> Future for Slot<T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let Ok(mut state) = self.state.lock() else { return Poll::Pending };
        match state.0.take() {
            Some(value) => Poll::Ready(value),
            None => {
                state.1 = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Reads a mappable buffer back (waiting for all work submitted before).
async fn read(device: &wgpu::Device, buffer: &wgpu::Buffer) -> Result<Vec<f32>, String> {
    let state = Arc::new(Mutex::new((None, None::<Waker>)));
    let filled = state.clone();
    buffer.slice(..).map_async(wgpu::MapMode::Read, move |result| {
        if let Ok(mut slot) = filled.lock() {
            slot.0 = Some(result);
            if let Some(waker) = slot.1.take() {
                waker.wake();
            }
        }
    });
    // Natively this runs the callback; in the browser it returns at once and the callback comes
    // from the event loop.
    #[cfg(not(target_arch = "wasm32"))]
    device.poll(wgpu::PollType::wait_indefinitely()).map_err(|e| e.to_string())?;
    #[cfg(target_arch = "wasm32")]
    let _ = device;
    Slot { state }.await.map_err(|e| format!("reading the result back failed: {e}"))?;
    let values = {
        let view = buffer.slice(..).get_mapped_range().map_err(|e| format!("{e:?}"))?;
        view.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
    };
    buffer.unmap();
    Ok(values)
}

/// The kernel, compiled for one device.
pub struct Matmul {
    pipeline: wgpu::ComputePipeline,
}

impl Matmul {
    pub fn new(device: &wgpu::Device) -> Self {
        let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("matmul"),
            source: wgpu::ShaderSource::Wgsl(SHADER.into()),
        });
        let pipeline = device.create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some("matmul"),
            layout: None,
            module: &module,
            entry_point: Some("main"),
            compilation_options: Default::default(),
            cache: None,
        });
        Self { pipeline }
    }

    /// `reps` multiplications of `a` by `b` (n×n, row-major), then the result read back; also
    /// returns the wall time of the whole.
    async fn run(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        a: &[f32],
        b: &[f32],
        n: usize,
        reps: usize,
    ) -> Result<(Vec<f32>, f64), String> {
        if n == 0 || n % TILE != 0 || a.len() != n * n || b.len() != n * n {
            return Err(format!("matmul needs two {n}×{n} matrices with n a multiple of {TILE}"));
        }
        let bytes = |values: &[f32]| values.iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>();
        let storage = |label, contents: &[u8]| {
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents,
                usage: wgpu::BufferUsages::STORAGE,
            })
        };
        let a = storage("a", &bytes(a));
        let b = storage("b", &bytes(b));
        let size = (n * n * 4) as u64;
        let c = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("c"),
            size,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let staging = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("staging"),
            size,
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let dims = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("dims"),
            contents: &[n as u32, 0, 0, 0].iter().flat_map(|v| v.to_le_bytes()).collect::<Vec<u8>>(),
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let layout = self.pipeline.get_bind_group_layout(0);
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("matmul"),
            layout: &layout,
            entries: &[
                wgpu::BindGroupEntry { binding: 0, resource: a.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 1, resource: b.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 2, resource: c.as_entire_binding() },
                wgpu::BindGroupEntry { binding: 3, resource: dims.as_entire_binding() },
            ],
        });
        let started = Instant::now();
        let mut encoder = device.create_command_encoder(&wgpu::CommandEncoderDescriptor { label: Some("matmul") });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor { label: None, timestamp_writes: None });
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &bind_group, &[]);
            let groups = (n / TILE) as u32;
            for _ in 0..reps.max(1) {
                pass.dispatch_workgroups(groups, groups, 1);
            }
        }
        encoder.copy_buffer_to_buffer(&c, 0, &staging, 0, size);
        queue.submit([encoder.finish()]);
        let values = read(device, &staging).await?;
        Ok((values, started.elapsed().as_secs_f64()))
    }

    /// `a × b` for n×n row-major matrices (n a multiple of [`TILE`]).
    pub async fn multiply(
        &self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        a: &[f32],
        b: &[f32],
        n: usize,
    ) -> Result<Vec<f32>, String> {
        Ok(self.run(device, queue, a, b, n, 1).await?.0)
    }

    /// The rate of `reps` back-to-back n×n multiplications, after one untimed run (which
    /// compiles the pipeline).
    pub async fn peak(&self, device: &wgpu::Device, queue: &wgpu::Queue, n: usize, reps: usize) -> Result<Peak, String> {
        let a: Vec<f32> = (0..n * n).map(|i| ((i % 7) as f32 - 3.0) * 0.25).collect();
        let b: Vec<f32> = (0..n * n).map(|i| ((i % 5) as f32 - 2.0) * 0.5).collect();
        self.run(device, queue, &a, &b, n, 1).await?;
        // The timed run includes one read-back of C; `reps` dispatches dwarf it.
        let (_, seconds) = self.run(device, queue, &a, &b, n, reps).await?;
        let flop = 2.0 * (n as f64).powi(3) * reps as f64;
        Ok(Peak { n, reps, seconds, gflops: flop / seconds.max(1e-9) / 1e9 })
    }
}
