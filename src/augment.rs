//! Batch assembly on the host: gather images by index, apply the seed's augmentation (random
//! shift with nearest-edge fill, horizontal flip) and its normalisation (/255, minus the
//! training set's per-pixel mean). This is the reference that any device-side kernel must match.

use rand::{Rng, RngExt};

use crate::data::{IMAGE_BYTES, SIDE, Split};

/// The random transform of one image.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Transform {
    /// Shift to the right, in pixels (negative: to the left).
    pub dx: i32,
    /// Shift down, in pixels (negative: up).
    pub dy: i32,
    /// Mirror left–right (applied after the shift).
    pub flip: bool,
}

impl Transform {
    /// Draws a shift in `-max_shift..=max_shift` on each axis and a fair coin for the flip
    /// (no flip when `flip` is off).
    pub fn sample(rng: &mut impl Rng, max_shift: i32, flip: bool) -> Self {
        let mut shift = || {
            if max_shift > 0 { rng.random_range(-max_shift..=max_shift) } else { 0 }
        };
        let dx = shift();
        let dy = shift();
        Self { dx, dy, flip: flip && rng.random_bool(0.5) }
    }

    /// The source pixel `(row, column)` of output pixel `(y, x)`: Keras' `fill_mode='nearest'`
    /// clamps to the edge.
    #[inline]
    pub fn source(&self, y: usize, x: usize) -> (usize, usize) {
        let last = SIDE as i32 - 1;
        let x = if self.flip { last - x as i32 } else { x as i32 };
        let sy = (y as i32 - self.dy).clamp(0, last) as usize;
        let sx = (x - self.dx).clamp(0, last) as usize;
        (sy, sx)
    }
}

/// Writes the batch `indices` of `split` as `f32` NCHW into `out` (resized to fit):
/// `pixel / 255 − mean`, where pixel and mean are both taken at the transformed source position,
/// exactly as Keras shifts images that had the mean already subtracted. `transforms` is either
/// empty (no augmentation) or one per index; `mean` is either empty (no subtraction) or 3,072
/// values.
pub fn assemble(split: &Split, indices: &[usize], transforms: &[Transform], mean: &[f32], out: &mut Vec<f32>) {
    assert!(transforms.is_empty() || transforms.len() == indices.len());
    assert!(mean.is_empty() || mean.len() == IMAGE_BYTES);
    out.clear();
    out.resize(indices.len() * IMAGE_BYTES, 0.0);
    let plane = SIDE * SIDE;
    for (n, &index) in indices.iter().enumerate() {
        let image = split.image(index);
        let transform = transforms.get(n).copied().unwrap_or_default();
        let dst = &mut out[n * IMAGE_BYTES..(n + 1) * IMAGE_BYTES];
        for y in 0..SIDE {
            for x in 0..SIDE {
                let (sy, sx) = transform.source(y, x);
                for c in 0..3 {
                    let src = c * plane + sy * SIDE + sx;
                    let m = if mean.is_empty() { 0.0 } else { mean[src] };
                    dst[c * plane + y * SIDE + x] = image[src] as f32 / 255.0 - m;
                }
            }
        }
    }
}
