//! A look inside the network: the first layer's filters as a picture.

/// The first convolution's kernels `[filters, 3, k, k]` (RGB in, as the stem) drawn side by side,
/// each enlarged `scale` times with `gap` white pixels between them: `(width, height, RGBA)`.
///
/// Each filter is stretched on its own to the full 0–255 range over its three channels (its
/// smallest weight black, its largest at full intensity), as filter pictures usually are: it is
/// the pattern of a filter that shows, not its size, which batch norm undoes anyway. A constant
/// filter is mid grey.
pub fn filter_mosaic(shape: [usize; 4], weights: &[f32], scale: usize, gap: usize) -> (usize, usize, Vec<u8>) {
    let [filters, channels, kh, kw] = shape;
    let scale = scale.max(1);
    let (tile_w, tile_h) = (kw * scale, kh * scale);
    let width = filters * (tile_w + gap);
    let height = tile_h;
    let mut out = vec![255u8; width * height * 4];
    if channels != 3 || weights.len() != filters * channels * kh * kw {
        return (width, height, out);
    }
    let per_filter = channels * kh * kw;
    for (f, filter) in weights.chunks_exact(per_filter).enumerate() {
        let (lo, hi) = filter.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let span = hi - lo;
        let level = |v: f32| -> u8 {
            if !(span > 0.0) || !span.is_finite() {
                128
            } else {
                (((v - lo) / span) * 255.0).round().clamp(0.0, 255.0) as u8
            }
        };
        for y in 0..tile_h {
            for x in 0..tile_w {
                let (i, j) = (y / scale, x / scale);
                let pixel = ((y * width) + f * (tile_w + gap) + x) * 4;
                for c in 0..3 {
                    out[pixel + c] = level(filter[(c * kh + i) * kw + j]);
                }
                out[pixel + 3] = 255;
            }
        }
    }
    (width, height, out)
}
