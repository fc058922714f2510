//! "Classify your own image": turns a picture a person brings (a PNG, JPEG or WebP file of any
//! size, or the pixels of a drawing) into the 32×32 CIFAR-10 image the network sees.
//!
//! The picture is cropped to its central square (CIFAR-10 images are square; squeezing a
//! landscape photo would distort every shape), resampled to 32×32 with a Lanczos filter (which
//! widens with the reduction, so that large photos do not alias), composited over white where it
//! is transparent, and stored as CIFAR-10 stores images: three 32×32 planes, R, G, B. From there
//! it takes exactly the training data's path (`augment::assemble`: /255, minus the pixel mean).

use std::io::Cursor;

use image::imageops::FilterType;
use image::{ImageFormat, ImageReader, Limits, RgbaImage};
use thiserror::Error;

use crate::data::{IMAGE_BYTES, SIDE, Split};

/// The longest side accepted, in pixels (a 64-megapixel photo).
pub const MAX_SIDE: u32 = 8192;

/// Why a picture could not be used.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ImageInputError {
    #[error("the file is empty (0 bytes)")]
    Empty,
    #[error("this is not a PNG, JPEG or WebP image (its first bytes are {magic})")]
    NotAnImage { magic: String },
    #[error("{format} images are not supported here: use PNG, JPEG or WebP")]
    Unsupported { format: String },
    #[error("the image is {width}×{height} pixels; the largest side accepted is {MAX_SIDE} pixels. Scale it down first")]
    TooLarge { width: u32, height: u32 },
    #[error("the image is too large to decode in this page's memory; the largest side accepted is {MAX_SIDE} pixels")]
    ExceedsMemory,
    #[error("the image has no pixels ({width}×{height})")]
    NoPixels { width: u32, height: u32 },
    #[error("the {format} file is damaged or truncated: {detail}")]
    Damaged { format: String, detail: String },
    #[error("{len} bytes of pixels for a {width}×{height} RGBA picture (expected {expected})")]
    WrongLength { width: u32, height: u32, len: usize, expected: usize },
}

/// Decodes a PNG, JPEG or WebP file, refusing what cannot be one, damaged files, and pictures
/// too large to hold in the page's memory — before allocating their pixels.
pub fn decode(bytes: &[u8]) -> Result<RgbaImage, ImageInputError> {
    if bytes.is_empty() {
        return Err(ImageInputError::Empty);
    }
    let format = image::guess_format(bytes).map_err(|_| ImageInputError::NotAnImage {
        magic: bytes.iter().take(8).map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" "),
    })?;
    if !matches!(format, ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP) {
        return Err(ImageInputError::Unsupported { format: format!("{format:?}") });
    }
    let name = format!("{format:?}").to_uppercase();
    let damaged = |e: image::ImageError| ImageInputError::Damaged { format: name.clone(), detail: e.to_string() };
    let reader = |limits: Limits| {
        let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
        reader.limits(limits);
        reader
    };
    let (width, height) = match reader(Limits::no_limits()).into_dimensions() {
        Ok(size) => size,
        // On 32-bit wasm a decoder may refuse a huge image while reading its header (its pixel
        // buffer would not fit the address space): say so, with the size when it is a PNG.
        Err(image::ImageError::Limits(_)) => png_size(bytes).ok_or(ImageInputError::ExceedsMemory)?,
        Err(e) => return Err(damaged(e)),
    };
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(ImageInputError::TooLarge { width, height });
    }
    if width == 0 || height == 0 {
        return Err(ImageInputError::NoPixels { width, height });
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(u64::from(MAX_SIDE) * u64::from(MAX_SIDE) * 8);
    Ok(reader(limits).decode().map_err(damaged)?.into_rgba8())
}

/// Width and height from a PNG's header (`IHDR` is always the first chunk).
fn png_size(bytes: &[u8]) -> Option<(u32, u32)> {
    let be = |at: usize| Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?));
    (bytes.get(12..16)? == b"IHDR").then_some(())?;
    Some((be(16)?, be(20)?))
}

/// An RGBA picture from raw pixels (a canvas' `ImageData`).
pub fn from_rgba(width: u32, height: u32, pixels: Vec<u8>) -> Result<RgbaImage, ImageInputError> {
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(ImageInputError::TooLarge { width, height });
    }
    if width == 0 || height == 0 {
        return Err(ImageInputError::NoPixels { width, height });
    }
    let expected = width as usize * height as usize * 4;
    let len = pixels.len();
    RgbaImage::from_raw(width, height, pixels).ok_or(ImageInputError::WrongLength { width, height, len, expected })
}

/// The 32×32 image the network sees, as CIFAR-10 stores it (R plane, G plane, B plane).
/// A 32×32 picture is taken as it is, pixel for pixel.
pub fn to_cifar(picture: &RgbaImage) -> Vec<u8> {
    let (width, height) = picture.dimensions();
    let side = width.min(height);
    let square = image::imageops::crop_imm(picture, (width - side) / 2, (height - side) / 2, side, side).to_image();
    let small = if side == SIDE as u32 {
        square
    } else {
        image::imageops::resize(&square, SIDE as u32, SIDE as u32, FilterType::Lanczos3)
    };
    let plane = SIDE * SIDE;
    let mut out = vec![0u8; IMAGE_BYTES];
    for (i, pixel) in small.pixels().enumerate() {
        let [r, g, b, a] = pixel.0;
        // Over a white background: transparent strokes on a canvas read as drawn on paper.
        let over_white = |v: u8| ((u32::from(v) * u32::from(a) + 255 * (255 - u32::from(a)) + 127) / 255) as u8;
        out[i] = over_white(r);
        out[plane + i] = over_white(g);
        out[2 * plane + i] = over_white(b);
    }
    out
}

/// One CIFAR-10 image as a split of one image (label 0, unused), ready for
/// `trainer::probabilities`.
pub fn as_split(image: Vec<u8>) -> Split {
    debug_assert_eq!(image.len(), IMAGE_BYTES);
    Split { images: image, labels: vec![0] }
}
