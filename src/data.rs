//! The CIFAR-10 *binary* archive (`cifar-10-binary.tar.gz`) read from bytes or from a path.
//!
//! Layout of the official archive: a gzip-compressed tar holding `cifar-10-batches-bin/` with
//! `data_batch_1.bin` … `data_batch_5.bin`, `test_batch.bin` and `batches.meta.txt`. Each `.bin`
//! file is a sequence of 3,073-byte records: one label byte (0–9) followed by the 32×32 image as
//! three 1,024-byte planes (red, green, blue), each row-major.
//!
//! The reader streams (gzip → tar → records), checks everything it reads and keeps the pixels as
//! `u8` in the file's own channel-planar order, which is already the NCHW layout the models take.

use std::io::{self, Read};
use std::path::Path;

use flate2::read::GzDecoder;
use thiserror::Error;

/// Side of a CIFAR image, in pixels.
pub const SIDE: usize = 32;
/// Bytes of one image: 3 planes of 32×32.
pub const IMAGE_BYTES: usize = 3 * SIDE * SIDE;
/// Bytes of one record: the label, then the image.
pub const RECORD_BYTES: usize = 1 + IMAGE_BYTES;
/// Number of classes.
pub const NUM_CLASSES: usize = 10;
/// Folder inside the official archive.
pub const FOLDER: &str = "cifar-10-batches-bin";
/// The training batch files, in order.
pub const TRAIN_FILES: [&str; 5] = [
    "data_batch_1.bin",
    "data_batch_2.bin",
    "data_batch_3.bin",
    "data_batch_4.bin",
    "data_batch_5.bin",
];
/// The test batch file.
pub const TEST_FILE: &str = "test_batch.bin";
/// Class names as written in `batches.meta.txt` (used when the archive lacks that file).
pub const CLASS_NAMES: [&str; NUM_CLASSES] = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
];
/// Largest batch file the reader accepts. The official batches hold 10,000 records (30.7 MB);
/// anything declared far larger is refused before a byte of it is read, so that a corrupt or
/// hostile header cannot make the reader allocate without bound.
pub const MAX_BATCH_BYTES: u64 = 4 * 10_000 * RECORD_BYTES as u64;

/// Everything that can be wrong with an archive, each with a message a person can act on.
#[derive(Debug, Error)]
pub enum DataError {
    #[error("could not read `{path}`: {source}. Check the path and that the file is readable.")]
    Io {
        path: String,
        #[source]
        source: io::Error,
    },
    #[error(
        "the archive is empty (0 bytes). Download `cifar-10-binary.tar.gz` again from \
         https://www.cs.toronto.edu/~kriz/cifar.html"
    )]
    Empty,
    #[error(
        "this is not a gzip file (it starts with {found}). Expected the CIFAR-10 *binary* \
         version, `cifar-10-binary.tar.gz`, not the Python or MATLAB one"
    )]
    NotGzip { found: String },
    #[error(
        "the gzip stream is truncated or corrupt ({detail}). The download was probably cut \
         short: download `cifar-10-binary.tar.gz` again"
    )]
    BadGzip { detail: String },
    #[error(
        "the file is gzip but its content is not a tar archive ({detail}). Expected \
         `cifar-10-binary.tar.gz` as published"
    )]
    NotTar { detail: String },
    #[error("the tar archive holds no files. Expected `{FOLDER}/data_batch_1.bin` … `{TEST_FILE}`")]
    NoEntries,
    #[error(
        "this looks like the CIFAR-100 archive (found `{entry}`); this page trains on CIFAR-10: \
         use `cifar-10-binary.tar.gz`"
    )]
    Cifar100 { entry: String },
    #[error(
        "`{entry}` is not where the official archive keeps it: expected `{FOLDER}/{name}`. \
         Re-create the archive with the folder `{FOLDER}/` at its top"
    )]
    WrongLayout { entry: String, name: String },
    #[error(
        "`{name}` is missing from the archive (expected `{FOLDER}/{name}`). The archive is \
         incomplete: download `cifar-10-binary.tar.gz` again"
    )]
    MissingBatch { name: String },
    #[error(
        "`{name}` has {len} bytes, not a multiple of {RECORD_BYTES} (1 label byte + 3,072 pixel \
         bytes per image): the file is truncated or is not a CIFAR-10 binary batch"
    )]
    BadBatchSize { name: String, len: u64 },
    #[error(
        "`{name}` declares {len} bytes, more than the {MAX_BATCH_BYTES} a CIFAR-10 batch can \
         hold: the archive is corrupt or not CIFAR-10"
    )]
    BatchTooLarge { name: String, len: u64 },
    #[error(
        "`{name}`, image {index}: label {label} is out of range (CIFAR-10 labels are 0–9). \
         Is this a CIFAR-100 batch?"
    )]
    LabelOutOfRange { name: String, index: usize, label: u8 },
}

/// A set of images with their labels.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Split {
    /// `len() * IMAGE_BYTES` bytes: per image, the R, G and B planes, each 32×32 row-major.
    pub images: Vec<u8>,
    /// One label (0–9) per image.
    pub labels: Vec<u8>,
}

impl Split {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the split holds no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The pixels of image `index` (R, G, B planes).
    pub fn image(&self, index: usize) -> &[u8] {
        &self.images[index * IMAGE_BYTES..(index + 1) * IMAGE_BYTES]
    }

    /// The first `n` images (all of them when `n` is larger).
    pub fn truncated(&self, n: usize) -> Split {
        let n = n.min(self.len());
        Split {
            images: self.images[..n * IMAGE_BYTES].to_vec(),
            labels: self.labels[..n].to_vec(),
        }
    }

    /// Images per class.
    pub fn class_counts(&self) -> [usize; NUM_CLASSES] {
        let mut counts = [0; NUM_CLASSES];
        for &label in &self.labels {
            counts[label as usize] += 1;
        }
        counts
    }}

/// The five training files as they come out of the tar, in any order. Files of the first one's
/// size are written straight to their final place in one buffer sized for five (the official
/// archive: 5 × 10,000 images, 153.6 MB, allocated once); a file of another size is kept apart
/// and the set assembled at the end.
#[derive(Default)]
struct TrainFiles {
    /// Records per file, from the first file read.
    per_file: Option<usize>,
    /// Five slots of `per_file` images (allocated with the first file).
    slots: Split,
    placed: [bool; TRAIN_FILES.len()],
    /// Files of another size.
    apart: [Option<Split>; TRAIN_FILES.len()],
}

impl TrainFiles {
    fn add(&mut self, index: usize, name: &str, records: usize, reader: &mut impl Read) -> Result<(), DataError> {
        let per_file = *self.per_file.get_or_insert(records);
        if records != per_file {
            let mut split = Split { images: vec![0; records * IMAGE_BYTES], labels: vec![0; records] };
            read_records(name, reader, &mut split.images, &mut split.labels)?;
            self.apart[index] = Some(split);
            self.placed[index] = false;
            return Ok(());
        }
        if self.slots.labels.is_empty() {
            self.slots.images = vec![0; TRAIN_FILES.len() * per_file * IMAGE_BYTES];
            self.slots.labels = vec![0; TRAIN_FILES.len() * per_file];
        }
        let first = index * per_file;
        read_records(
            name,
            reader,
            &mut self.slots.images[first * IMAGE_BYTES..(first + per_file) * IMAGE_BYTES],
            &mut self.slots.labels[first..first + per_file],
        )?;
        self.placed[index] = true;
        self.apart[index] = None;
        Ok(())
    }

    /// The training set in file order, or the first file missing.
    fn finish(self) -> Result<Split, DataError> {
        for (i, name) in TRAIN_FILES.iter().enumerate() {
            if !self.placed[i] && self.apart[i].is_none() {
                return Err(DataError::MissingBatch { name: name.to_string() });
            }
        }
        if self.placed.iter().all(|&p| p) {
            return Ok(self.slots);
        }
        let per_file = self.per_file.unwrap_or(0);
        let mut split = Split::default();
        for (i, apart) in self.apart.into_iter().enumerate() {
            match apart {
                Some(piece) => {
                    split.images.extend_from_slice(&piece.images);
                    split.labels.extend_from_slice(&piece.labels);
                }
                None => {
                    let first = i * per_file;
                    split.images.extend_from_slice(&self.slots.images[first * IMAGE_BYTES..(first + per_file) * IMAGE_BYTES]);
                    split.labels.extend_from_slice(&self.slots.labels[first..first + per_file]);
                }
            }
        }
        Ok(split)
    }
}

/// Reads `labels.len()` records of a batch file from `reader` into `labels` and `images`
/// (`IMAGE_BYTES` each), checking every label.
fn read_records(name: &str, reader: &mut impl Read, images: &mut [u8], labels: &mut [u8]) -> Result<(), DataError> {
    let mut record = [0u8; RECORD_BYTES];
    let records = labels.len();
    for (index, (label, image)) in labels.iter_mut().zip(images.chunks_exact_mut(IMAGE_BYTES)).enumerate() {
        reader.read_exact(&mut record).map_err(|e| match e.kind() {
            io::ErrorKind::UnexpectedEof => DataError::BadGzip {
                detail: format!("`{name}` ends inside record {} of {records}", index + 1),
            },
            _ => classify_stream_error(e, false),
        })?;
        if record[0] as usize >= NUM_CLASSES {
            return Err(DataError::LabelOutOfRange { name: name.to_string(), index, label: record[0] });
        }
        *label = record[0];
        image.copy_from_slice(&record[1..]);
    }
    Ok(())
}

/// The CIFAR-10 training and test sets.
#[derive(Clone, Debug, PartialEq)]
pub struct Cifar10 {
    /// The 5 training batches, concatenated in order.
    pub train: Split,
    /// The test batch (the seed's validation data).
    pub test: Split,
    /// Class names, from `batches.meta.txt` when present.
    pub class_names: Vec<String>,
}

impl Cifar10 {
    /// Reads the archive from a file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, DataError> {
        let path = path.as_ref();
        let file = std::fs::File::open(path).map_err(|source| DataError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::from_reader(io::BufReader::new(file))
    }

    /// Reads the archive from bytes already in memory (what the page has after a fetch).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DataError> {
        Self::from_reader(bytes)
    }

    /// Reads the archive from any stream: gzip → tar → batch files, without holding the
    /// compressed or the decompressed archive whole in memory.
    pub fn from_reader(mut reader: impl Read) -> Result<Self, DataError> {
        let mut magic = [0u8; 2];
        let got = read_up_to(&mut reader, &mut magic).map_err(|e| DataError::BadGzip {
            detail: e.to_string(),
        })?;
        match &magic[..got] {
            [] => return Err(DataError::Empty),
            [0x1f, 0x8b] => {}
            other => {
                return Err(DataError::NotGzip {
                    found: other.iter().map(|b| format!("0x{b:02x} ")).collect::<String>().trim_end().to_string(),
                });
            }
        }
        let gz = GzDecoder::new(io::Cursor::new(magic).chain(reader));
        let mut archive = tar::Archive::new(gz);
        let entries = archive.entries().map_err(|e| classify_stream_error(e, true))?;

        // Each batch file is parsed as it is read, and the training files go straight to their
        // place in one buffer: the raw bytes of one file at a time are all that is held besides
        // the parsed sets (the download itself stays outside, see `from_reader`'s callers).
        let mut train = TrainFiles::default();
        let mut test: Option<Split> = None;
        let mut class_names = None;
        let mut first = true;
        for entry in entries {
            let mut entry = entry.map_err(|e| classify_stream_error(e, first))?;
            first = false;
            let path = entry
                .path()
                .map_err(|e| DataError::NotTar { detail: e.to_string() })?
                .to_string_lossy()
                .into_owned();
            let path = path.trim_start_matches("./").to_string();
            let (folder, name) = match path.rsplit_once('/') {
                Some((folder, name)) => (folder.to_string(), name.to_string()),
                None => (String::new(), path.clone()),
            };
            if folder.starts_with("cifar-100") || name == "coarse_label_names.txt" {
                return Err(DataError::Cifar100 { entry: path });
            }
            let train_index = TRAIN_FILES.iter().position(|f| *f == name);
            let is_test = name == TEST_FILE;
            let is_meta = name == "batches.meta.txt";
            if train_index.is_none() && !is_test && !is_meta {
                continue;
            }
            if folder != FOLDER {
                return Err(DataError::WrongLayout { entry: path, name });
            }
            let len = entry.header().size().map_err(|e| DataError::NotTar { detail: e.to_string() })?;
            if len > MAX_BATCH_BYTES {
                return Err(DataError::BatchTooLarge { name, len });
            }
            // Validated as read, so that the first bad file is the one reported; the records go
            // straight to their place, without a copy of the raw file.
            if is_meta {
                let mut bytes = Vec::with_capacity(len as usize);
                entry.read_to_end(&mut bytes).map_err(|e| classify_stream_error(e, false))?;
                class_names = parse_meta(&bytes);
                continue;
            }
            if len == 0 || len % RECORD_BYTES as u64 != 0 {
                return Err(DataError::BadBatchSize { name, len });
            }
            let records = len as usize / RECORD_BYTES;
            let mut reader = io::BufReader::with_capacity(1 << 18, &mut entry);
            if let Some(index) = train_index {
                train.add(index, &name, records, &mut reader)?;
            } else {
                let mut split = Split { images: vec![0; records * IMAGE_BYTES], labels: vec![0; records] };
                read_records(&name, &mut reader, &mut split.images, &mut split.labels)?;
                test = Some(split);
            }
        }
        if first {
            return Err(DataError::NoEntries);
        }

        let train_split = train.finish()?;
        let test_split = test.ok_or_else(|| DataError::MissingBatch { name: TEST_FILE.to_string() })?;

        Ok(Cifar10 {
            train: train_split,
            test: test_split,
            class_names: class_names
                .unwrap_or_else(|| CLASS_NAMES.iter().map(|s| s.to_string()).collect()),
        })
    }

    /// Keeps only the first `n` training images (the CLI's `--limit-train`).
    pub fn limit_train(&mut self, n: usize) {
        self.train = self.train.truncated(n);
    }

    /// The per-pixel mean of the training images scaled to [0, 1] (the seed's
    /// `subtract_pixel_mean`): 3,072 values in the images' own R, G, B plane order.
    pub fn pixel_mean(&self) -> Vec<f32> {
        pixel_mean(&self.train)
    }
}

/// Per-pixel mean of a split's images, scaled to [0, 1]. Sums in `u64`, so it is exact before
/// the final division.
pub fn pixel_mean(split: &Split) -> Vec<f32> {
    let mut sums = vec![0u64; IMAGE_BYTES];
    for image in split.images.chunks_exact(IMAGE_BYTES) {
        for (sum, &pixel) in sums.iter_mut().zip(image) {
            *sum += pixel as u64;
        }
    }
    let n = split.len().max(1) as f64;
    sums.iter().map(|&s| (s as f64 / n / 255.0) as f32).collect()
}

/// One image as RGBA bytes (32×32×4), for drawing on a canvas.
pub fn rgba(image: &[u8]) -> Vec<u8> {
    let plane = SIDE * SIDE;
    (0..plane)
        .flat_map(|p| [image[p], image[plane + p], image[2 * plane + p], 255])
        .collect()
}

/// Images laid out in a grid of `rows` rows, `gap` pixels apart, as RGBA: returns
/// `(width, height, pixels)`. `cells[r]` lists the image indices of row `r`.
pub fn mosaic(split: &Split, cells: &[Vec<usize>], gap: usize) -> (usize, usize, Vec<u8>) {
    let columns = cells.iter().map(Vec::len).max().unwrap_or(0);
    let width = columns * (SIDE + gap);
    let height = cells.len() * (SIDE + gap);
    let mut out = vec![255u8; width * height * 4];
    for (r, row) in cells.iter().enumerate() {
        for (c, &index) in row.iter().enumerate() {
            let pixels = rgba(split.image(index));
            for y in 0..SIDE {
                let dst = ((r * (SIDE + gap) + y) * width + c * (SIDE + gap)) * 4;
                out[dst..dst + SIDE * 4].copy_from_slice(&pixels[y * SIDE * 4..(y + 1) * SIDE * 4]);
            }
        }
    }
    (width, height, out)
}

/// The first `per_class` images of each class, one class per row (the lesson's 10×10 grid).
pub fn class_examples(split: &Split, per_class: usize) -> Vec<Vec<usize>> {
    let mut rows = vec![Vec::with_capacity(per_class); NUM_CLASSES];
    for (index, &label) in split.labels.iter().enumerate() {
        let row = &mut rows[label as usize];
        if row.len() < per_class {
            row.push(index);
        }
    }
    rows
}

/// `batches.meta.txt`: one class name per line; `None` unless it has exactly 10 names.
fn parse_meta(bytes: &[u8]) -> Option<Vec<String>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let names: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    (names.len() == NUM_CLASSES).then_some(names)
}

/// Reads until `buf` is full or the stream ends; returns how many bytes were read.
fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Tells a broken gzip stream from a tar archive that does not parse. flate2 reports the
/// former as `UnexpectedEof` / `InvalidInput` / `InvalidData` with its own wording; tar's
/// own errors carry the word "archive" or "header".
fn classify_stream_error(error: io::Error, at_start: bool) -> DataError {
    let detail = error.to_string();
    let gzip_side = matches!(error.kind(), io::ErrorKind::UnexpectedEof)
        || detail.contains("deflate")
        || detail.contains("corrupt")
        || detail.contains("invalid gzip")
        || detail.contains("checksum");
    if gzip_side && !detail.contains("header") {
        DataError::BadGzip { detail }
    } else if at_start {
        DataError::NotTar { detail }
    } else {
        DataError::BadGzip { detail }
    }
}
