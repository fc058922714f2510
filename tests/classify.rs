//! "Classify your own image": decoding, the 32×32 the network sees, bad files, and the same
//! probabilities as the training data's tensor path.
#![cfg(not(target_arch = "wasm32"))] // native only; tests/browser.rs runs in the browser

mod common;

use std::io::Cursor;

use burn::prelude::*;
use image::{ImageFormat, Rgba, RgbaImage};
use resnet_webgpu::classify::{ImageInputError, MAX_SIDE, as_split, decode, from_rgba, to_cifar};
use resnet_webgpu::data::{Cifar10, IMAGE_BYTES, SIDE, rgba};
use resnet_webgpu::model::{ModelKind, ResNetConfig};
use resnet_webgpu::trainer::probabilities;

fn encode(picture: &RgbaImage, format: ImageFormat) -> Vec<u8> {
    let mut bytes = Cursor::new(Vec::new());
    match format {
        ImageFormat::Jpeg => image::DynamicImage::ImageRgba8(picture.clone()).into_rgb8().write_to(&mut bytes, format),
        _ => picture.write_to(&mut bytes, format),
    }
    .expect("encodes");
    bytes.into_inner()
}

/// A CIFAR-10 image (planes) as an RGBA picture.
fn picture_of(image: &[u8]) -> RgbaImage {
    RgbaImage::from_raw(SIDE as u32, SIDE as u32, rgba(image)).expect("32×32")
}

#[test]
fn a_test_image_as_png_gets_the_probabilities_of_the_tensor_path() {
    let data = Cifar10::from_path(common::archive_path()).expect("the shared archive");
    let device = Device::flex();
    let model = ResNetConfig::from(ModelKind::RESNET20_V1).try_init(&device).expect("model");
    let mean = data.pixel_mean();
    let indices: Vec<usize> = (0..8).collect();
    let batch = pollster::block_on(probabilities(&model, &data.test, &indices, &mean, &device)).expect("batch");
    for i in [0, 3, 7] {
        let png = encode(&picture_of(data.test.image(i)), ImageFormat::Png);
        let seen = to_cifar(&decode(&png).expect("decodes"));
        assert_eq!(seen, data.test.image(i), "a 32×32 PNG is taken pixel for pixel");
        let single = pollster::block_on(probabilities(&model, &as_split(seen), &[0], &mean, &device)).expect("one");
        let expected = &batch[i * 10..(i + 1) * 10];
        for (a, b) in single.iter().zip(expected) {
            assert!((a - b).abs() <= 1e-5, "image {i}: {single:?} vs {expected:?}");
        }
        assert!((single.iter().sum::<f32>() - 1.0).abs() < 1e-5);
    }
}

#[test]
fn large_pictures_are_filtered_cropped_and_composited() {
    // A one-pixel checkerboard: a filter averages it to grey; point sampling would alias to
    // black or white.
    let board = RgbaImage::from_fn(320, 320, |x, y| if (x + y) % 2 == 0 { Rgba([0, 0, 0, 255]) } else { Rgba([255; 4]) });
    let seen = to_cifar(&decode(&encode(&board, ImageFormat::Png)).expect("decodes"));
    assert_eq!(seen.len(), IMAGE_BYTES);
    assert!(seen.iter().all(|&v| (117..=138).contains(&v)), "{:?}", &seen[..16]);

    // Landscape: the central square is kept (red | green | blue quarters → all green).
    let wide = RgbaImage::from_fn(128, 64, |x, _| match x {
        0..32 => Rgba([255, 0, 0, 255]),
        32..96 => Rgba([0, 255, 0, 255]),
        _ => Rgba([0, 0, 255, 255]),
    });
    let seen = to_cifar(&wide);
    let plane = SIDE * SIDE;
    assert!(seen[..plane].iter().all(|&r| r == 0) && seen[plane..2 * plane].iter().all(|&g| g == 255));

    // Transparent pixels read as white paper; half-transparent black as mid grey.
    let mut ink = RgbaImage::from_pixel(32, 32, Rgba([0, 0, 0, 0]));
    ink.put_pixel(5, 0, Rgba([0, 0, 0, 128]));
    let seen = to_cifar(&ink);
    assert_eq!((seen[0], seen[5], seen[plane + 5]), (255, 127, 127));

    // A canvas' pixels take the same path.
    let drawn = from_rgba(64, 64, RgbaImage::from_pixel(64, 64, Rgba([10, 20, 30, 255])).into_raw()).expect("pixels");
    let seen = to_cifar(&drawn);
    assert_eq!((seen[0], seen[plane], seen[2 * plane]), (10, 20, 30));
}

#[test]
fn jpeg_and_webp_decode_too() {
    let picture = RgbaImage::from_pixel(48, 40, Rgba([200, 100, 50, 255]));
    for format in [ImageFormat::Jpeg, ImageFormat::WebP] {
        let seen = to_cifar(&decode(&encode(&picture, format)).expect("decodes"));
        let plane = SIDE * SIDE;
        let (r, g, b) = (seen[500], seen[plane + 500], seen[2 * plane + 500]);
        assert!(r.abs_diff(200) <= 4 && g.abs_diff(100) <= 4 && b.abs_diff(50) <= 4, "{format:?}: {r} {g} {b}");
    }
}

/// A PNG declaring `width`×`height` (CRCs included) whose image data is empty.
fn png_header(width: u32, height: u32) -> Vec<u8> {
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
    let mut chunk = b"IHDR".to_vec();
    chunk.extend_from_slice(&width.to_be_bytes());
    chunk.extend_from_slice(&height.to_be_bytes());
    chunk.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&13u32.to_be_bytes());
    png.extend_from_slice(&chunk);
    png.extend_from_slice(&crc32(&chunk).to_be_bytes());
    png.extend_from_slice(&0u32.to_be_bytes());
    png.extend_from_slice(b"IDAT");
    png.extend_from_slice(&crc32(b"IDAT").to_be_bytes());
    png
}

#[test]
fn bad_files_are_refused_with_a_reason() {
    assert_eq!(decode(&[]), Err(ImageInputError::Empty));
    let text = decode(b"hello, this is not a picture");
    assert!(matches!(text, Err(ImageInputError::NotAnImage { .. })), "{text:?}");
    assert!(text.unwrap_err().to_string().contains("68 65 6c 6c 6f"));
    assert!(matches!(decode(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"), Err(ImageInputError::Unsupported { .. })));

    let png = encode(&RgbaImage::from_pixel(40, 40, Rgba([1, 2, 3, 255])), ImageFormat::Png);
    let truncated = decode(&png[..png.len() / 2]);
    assert!(matches!(truncated, Err(ImageInputError::Damaged { .. })), "{truncated:?}");

    let huge = decode(&png_header(40_000, 30_000));
    assert_eq!(huge, Err(ImageInputError::TooLarge { width: 40_000, height: 30_000 }));
    assert!(huge.unwrap_err().to_string().contains(&MAX_SIDE.to_string()));
    // Within the limit but without pixels: damaged, not a crash.
    assert!(matches!(decode(&png_header(64, 64)), Err(ImageInputError::Damaged { .. })));

    assert_eq!(from_rgba(0, 10, vec![]), Err(ImageInputError::NoPixels { width: 0, height: 10 }));
    assert!(matches!(from_rgba(2, 2, vec![0; 15]), Err(ImageInputError::WrongLength { expected: 16, .. })));
    assert!(matches!(from_rgba(MAX_SIDE + 1, 1, vec![]), Err(ImageInputError::TooLarge { .. })));
}
