//! A look inside the network: the first layer's filters and the feature maps as pictures.

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

/// Feature maps as a picture: one row per map in `maps` (`[channels, h, w]` and its values,
/// one image of a batch), its first `channels` channels side by side, each stretched on its own
/// from its smallest value (black) to its largest (white) and enlarged to `tile` pixels a side
/// (nearest neighbour), `gap` white pixels between tiles and rows: `(width, height, RGBA)`.
pub fn feature_mosaic(maps: &[([usize; 3], Vec<f32>)], channels: usize, tile: usize, gap: usize) -> (usize, usize, Vec<u8>) {
    let width = channels * (tile + gap);
    let height = maps.len() * (tile + gap);
    let mut out = vec![255u8; width * height * 4];
    for (row, ([c, h, w], values)) in maps.iter().enumerate() {
        if values.len() != c * h * w || *h == 0 || *w == 0 {
            continue;
        }
        for channel in 0..channels.min(*c) {
            let plane = &values[channel * h * w..(channel + 1) * h * w];
            let (lo, hi) = plane.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
            let span = hi - lo;
            for y in 0..tile {
                for x in 0..tile {
                    let v = plane[(y * h / tile) * w + x * w / tile];
                    let level = if span > 0.0 && span.is_finite() { ((v - lo) / span * 255.0).round() as u8 } else { 0 };
                    let pixel = ((row * (tile + gap) + y) * width + channel * (tile + gap) + x) * 4;
                    out[pixel..pixel + 3].fill(level);
                }
            }
        }
    }
    (width, height, out)
}
