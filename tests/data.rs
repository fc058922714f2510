//! The CIFAR-10 reader on the shared real archive and on every kind of broken input.
#![cfg(not(target_arch = "wasm32"))] // native only; tests/browser.rs runs in the browser

mod common;

use std::io::Write;

use flate2::Compression;
use flate2::write::GzEncoder;
use resnet_webgpu::augment::{Transform, assemble};
use resnet_webgpu::data::{Cifar10, DataError, IMAGE_BYTES, RECORD_BYTES, Split, TEST_FILE, TRAIN_FILES};

fn real() -> Cifar10 {
    let path = common::archive_path();
    Cifar10::from_path(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A gzip'd tar holding `files` (path, bytes).
fn archive(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, bytes) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, path, bytes.as_slice()).expect("tar in memory");
    }
    gzip(&builder.into_inner().expect("tar in memory"))
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).expect("gzip in memory");
    encoder.finish().expect("gzip in memory")
}

/// `records` valid records with labels cycling through 0..10.
fn batch(records: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(records * RECORD_BYTES);
    for i in 0..records {
        bytes.push((i % 10) as u8);
        bytes.extend((0..IMAGE_BYTES).map(|p| ((p + i) % 256) as u8));
    }
    bytes
}

/// A complete, valid small archive, with `edit` applied to its file list.
fn small(edit: impl FnOnce(&mut Vec<(String, Vec<u8>)>)) -> Vec<u8> {
    let mut files: Vec<(String, Vec<u8>)> = TRAIN_FILES
        .iter()
        .chain([&TEST_FILE])
        .map(|name| (format!("cifar-10-batches-bin/{name}"), batch(3)))
        .collect();
    edit(&mut files);
    let refs: Vec<(&str, Vec<u8>)> = files.iter().map(|(p, b)| (p.as_str(), b.clone())).collect();
    archive(&refs)
}

#[test]
fn reads_the_shared_archive() {
    let data = real();
    assert_eq!(data.train.len(), 5_000);
    assert_eq!(data.test.len(), 1_000);
    assert_eq!(data.train.images.len(), 5_000 * IMAGE_BYTES);
    // 100 images of each class in each batch file.
    for batch in 0..5 {
        let part = Split {
            images: Vec::new(),
            labels: data.train.labels[batch * 1000..(batch + 1) * 1000].to_vec(),
        };
        assert_eq!(part.class_counts(), [100; 10], "data_batch_{}", batch + 1);
    }
    assert_eq!(data.test.class_counts(), [100; 10]);
    assert_eq!(data.class_names[0], "airplane");
    assert_eq!(data.class_names[9], "truck");
    // Bytes and path give the same result.
    let bytes = std::fs::read(common::archive_path()).expect("archive readable");
    assert_eq!(Cifar10::from_bytes(&bytes).expect("same archive"), data);
}

#[test]
fn pixel_mean_is_the_mean_image() {
    let data = real();
    let mean = data.pixel_mean();
    assert_eq!(mean.len(), IMAGE_BYTES);
    for pixel in [0, 1, 517, 1024, 2048 + 31, IMAGE_BYTES - 1] {
        let sum: f64 = data.train.images.chunks(IMAGE_BYTES).map(|im| im[pixel] as f64 / 255.0).sum();
        let expected = sum / data.train.len() as f64;
        assert!((mean[pixel] as f64 - expected).abs() < 1e-6, "pixel {pixel}");
    }
    // Natural images: the mean is mid-grey-ish everywhere, never 0 or 1.
    assert!(mean.iter().all(|&m| (0.2..0.8).contains(&m)));
}

#[test]
fn limit_train_keeps_the_first_images() {
    let mut data = real();
    let first = data.train.image(7).to_vec();
    data.limit_train(100);
    assert_eq!(data.train.len(), 100);
    assert_eq!(data.train.image(7), first.as_slice());
}

fn error_of(bytes: &[u8]) -> DataError {
    match Cifar10::from_bytes(bytes) {
        Ok(_) => panic!("accepted a broken archive"),
        Err(e) => e,
    }
}

#[test]
fn rejects_empty_input() {
    assert!(matches!(error_of(&[]), DataError::Empty));
}

#[test]
fn rejects_what_is_not_gzip() {
    let error = error_of(b"PK\x03\x04 a zip file");
    assert!(matches!(error, DataError::NotGzip { .. }), "{error:?}");
    assert!(error.to_string().contains("0x50 0x4b"), "{error}");
}

#[test]
fn rejects_truncated_gzip() {
    let bytes = small(|_| {});
    let error = error_of(&bytes[..bytes.len() / 2]);
    assert!(matches!(error, DataError::BadGzip { .. }), "{error:?}");
}

#[test]
fn rejects_gzip_that_is_not_tar() {
    let error = error_of(&gzip(&vec![7u8; 5000]));
    assert!(matches!(error, DataError::NotTar { .. }), "{error:?}");
}

#[test]
fn rejects_an_empty_tar() {
    let error = error_of(&archive(&[]));
    assert!(matches!(error, DataError::NoEntries), "{error:?}");
}

#[test]
fn rejects_a_batch_of_the_wrong_size() {
    let bytes = small(|files| files[2].1.truncate(2 * RECORD_BYTES + 100));
    let error = error_of(&bytes);
    match &error {
        DataError::BadBatchSize { name, len } => {
            assert_eq!(name, "data_batch_3.bin");
            assert_eq!(*len, 2 * RECORD_BYTES as u64 + 100);
        }
        other => panic!("{other:?}"),
    }
    assert!(error.to_string().contains("3073"), "{error}");
}

#[test]
fn rejects_labels_out_of_range() {
    let bytes = small(|files| files[5].1[2 * RECORD_BYTES] = 10);
    match error_of(&bytes) {
        DataError::LabelOutOfRange { name, index, label } => {
            assert_eq!((name.as_str(), index, label), ("test_batch.bin", 2, 10));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn rejects_a_missing_test_batch() {
    let bytes = small(|files| {
        files.pop();
    });
    match error_of(&bytes) {
        DataError::MissingBatch { name } => assert_eq!(name, "test_batch.bin"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn rejects_a_missing_training_batch() {
    let bytes = small(|files| {
        files.remove(3);
    });
    match error_of(&bytes) {
        DataError::MissingBatch { name } => assert_eq!(name, "data_batch_4.bin"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn rejects_a_wrong_folder_layout() {
    let bytes = small(|files| files[0].0 = "data_batch_1.bin".into());
    assert!(matches!(error_of(&bytes), DataError::WrongLayout { .. }));
}

#[test]
fn recognises_cifar100() {
    let bytes = archive(&[("cifar-100-binary/train.bin", vec![0; 3074 * 2])]);
    assert!(matches!(error_of(&bytes), DataError::Cifar100 { .. }));
}

#[test]
fn host_batch_assembly_shifts_flips_and_normalises() {
    let data = real();
    let mean = data.pixel_mean();
    let mut out = Vec::new();
    // No transform: pixel / 255 − mean, in place.
    assemble(&data.train, &[4], &[], &mean, &mut out);
    for p in [0, 33, 1500, 3071] {
        let expected = data.train.image(4)[p] as f32 / 255.0 - mean[p];
        assert_eq!(out[p], expected);
    }
    // Shift right by 2 and down by 1, then flip: output (y, x) reads source
    // (clamp(y − 1), clamp(31 − x − 2)), mean taken at the source pixel.
    let t = Transform { dx: 2, dy: 1, flip: true };
    assemble(&data.train, &[4], &[t], &[], &mut out);
    let image = data.train.image(4);
    for (c, y, x) in [(0, 0, 0), (1, 5, 7), (2, 31, 31), (0, 10, 30), (1, 0, 31)] {
        let sy = (y as i32 - 1).clamp(0, 31) as usize;
        let sx = (31 - x as i32 - 2).clamp(0, 31) as usize;
        let expected = image[c * 1024 + sy * 32 + sx] as f32 / 255.0;
        assert_eq!(out[c * 1024 + y * 32 + x], expected, "c {c} y {y} x {x}");
    }
}

#[test]
fn class_grid_has_ten_examples_of_each_class() {
    let data = real();
    let rows = resnet_webgpu::data::class_examples(&data.train, 10);
    for (class, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), 10);
        assert!(row.iter().all(|&i| data.train.labels[i] as usize == class));
    }
    let (w, h, pixels) = resnet_webgpu::data::mosaic(&data.train, &rows, 2);
    assert_eq!((w, h, pixels.len()), (340, 340, 340 * 340 * 4));
    // Top-left pixel of the cell (row 3, column 4) is the first pixel of that image, in RGBA.
    let image = data.train.image(rows[3][4]);
    let at = ((3 * 34) * 340 + 4 * 34) * 4;
    assert_eq!(&pixels[at..at + 4], &[image[0], image[1024], image[2048], 255]);
}

#[test]
fn refuses_a_huge_declared_batch_before_allocating() {
    // A tar header declaring 40 GB for a batch, followed by a few bytes: refused from the header,
    // with nothing allocated for it.
    let mut header = tar::Header::new_gnu();
    header.set_path("cifar-10-batches-bin/data_batch_1.bin").expect("path");
    header.set_size(40_000_000_000);
    header.set_mode(0o644);
    header.set_cksum();
    let mut tar = header.as_bytes().to_vec();
    tar.extend_from_slice(&[0u8; 1024]);
    match error_of(&gzip(&tar)) {
        DataError::BatchTooLarge { name, len } => {
            assert_eq!((name.as_str(), len), ("data_batch_1.bin", 40_000_000_000));
        }
        other => panic!("{other:?}"),
    }
}

/// The training set of files `sizes[i]` records long, each record's pixels marking its file, by
/// pushing the files one after another in order (the reference).
fn expected_train(sizes: [usize; 5]) -> Split {
    let mut images = Vec::new();
    let mut labels = Vec::new();
    for (file, &n) in sizes.iter().enumerate() {
        for i in 0..n {
            labels.push(((i + file) % 10) as u8);
            images.extend((0..IMAGE_BYTES).map(|p| ((p + i + 7 * file) % 256) as u8));
        }
    }
    Split { images, labels }
}

/// An archive of training files of `sizes` records, in the tar in `order`.
fn train_archive(sizes: [usize; 5], order: [usize; 5]) -> Vec<u8> {
    let file = |f: usize| {
        let mut bytes = Vec::new();
        for i in 0..sizes[f] {
            bytes.push(((i + f) % 10) as u8);
            bytes.extend((0..IMAGE_BYTES).map(|p| ((p + i + 7 * f) % 256) as u8));
        }
        (format!("cifar-10-batches-bin/{}", TRAIN_FILES[f]), bytes)
    };
    let mut files: Vec<(String, Vec<u8>)> = order.iter().map(|&f| file(f)).collect();
    files.insert(2, (format!("cifar-10-batches-bin/{TEST_FILE}"), batch(2)));
    let refs: Vec<(&str, Vec<u8>)> = files.iter().map(|(p, b)| (p.as_str(), b.clone())).collect();
    archive(&refs)
}

#[test]
fn training_files_in_any_tar_order_and_of_any_size_give_the_set_in_file_order() {
    // The official archive's tar does not list data_batch_1..5 in order; every file goes to its
    // place. Files of unequal sizes (not the official layout, still readable) too.
    for (sizes, order) in [
        ([4, 4, 4, 4, 4], [0, 1, 2, 3, 4]),
        ([4, 4, 4, 4, 4], [2, 4, 0, 3, 1]),
        ([3, 5, 3, 1, 3], [4, 1, 0, 3, 2]),
        ([2, 2, 6, 2, 2], [0, 1, 2, 3, 4]),
    ] {
        let data = Cifar10::from_bytes(&train_archive(sizes, order)).expect("valid archive");
        assert_eq!(data.train, expected_train(sizes), "sizes {sizes:?}, tar order {order:?}");
        assert_eq!(data.test.len(), 2);
    }
}
