//! Reads one split (`train` or `test`) of an ImageFolder tree —
//! `<root>/<split>/<class>/<image>` — from a directory or a `.tar.gz` of
//! one, and decodes every image once into a byte cache of fixed size.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::preprocess::{decode, Preprocess};

/// Decoded images of one split, all `side × side` RGB, kept as bytes.
#[derive(Debug, Clone)]
pub struct ImageSet {
    /// Class names in label order (sorted folder names).
    pub classes: Vec<String>,
    /// Side of every image in pixels.
    pub side: usize,
    pixels: Vec<u8>,
    labels: Vec<usize>,
}

/// One encoded file found in the tree.
struct Encoded {
    class: String,
    name: String,
    bytes: Vec<u8>,
}

impl ImageSet {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the set holds no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The label of image `i`.
    pub fn label(&self, i: usize) -> usize {
        self.labels[i]
    }

    /// The `side × side × 3` RGB bytes of image `i`.
    pub fn image(&self, i: usize) -> &[u8] {
        let n = self.side * self.side * 3;
        &self.pixels[i * n..(i + 1) * n]
    }

    /// The first `per_class` images of every class (in file-name order): a
    /// balanced, reproducible subset.
    pub fn first_per_class(&self, per_class: usize) -> ImageSet {
        let mut taken = vec![0usize; self.classes.len()];
        let keep: Vec<usize> = (0..self.len())
            .filter(|&i| {
                let t = &mut taken[self.labels[i]];
                *t += 1;
                *t <= per_class
            })
            .collect();
        let pixels = keep.iter().flat_map(|&i| self.image(i).iter().copied()).collect();
        let labels = keep.iter().map(|&i| self.labels[i]).collect();
        ImageSet { classes: self.classes.clone(), side: self.side, pixels, labels }
    }
}

fn dataset_error(path: &Path, reason: impl Into<String>) -> Error {
    Error::Dataset { path: path.to_path_buf(), reason: reason.into() }
}

fn is_hidden(name: &str) -> bool {
    name.starts_with('.')
}

/// Loads split `split` of the tree at `root` (a directory or a `.tar.gz` /
/// `.tgz` file), resizing and centre-cropping every image as `preprocess`
/// says. `classes` fixes the label order (pass the training set's classes
/// when loading the test split); `None` takes the sorted folder names.
/// Progress goes to stderr.
pub fn load_split(root: &Path, split: &str, preprocess: &Preprocess, classes: Option<&[String]>) -> Result<ImageSet> {
    let mut files = if root.is_dir() { read_directory(root, split)? } else { read_tar_gz(root, split)? };
    if files.is_empty() {
        return Err(dataset_error(root, format!("no `{split}/<class>/<image>` files found")));
    }
    files.sort_by(|a, b| (&a.class, &a.name).cmp(&(&b.class, &b.name)));
    let classes: Vec<String> = match classes {
        Some(c) => c.to_vec(),
        None => {
            let mut c: Vec<String> = files.iter().map(|f| f.class.clone()).collect();
            c.dedup();
            c
        }
    };
    let mut labels = Vec::with_capacity(files.len());
    for f in &files {
        let label = classes.iter().position(|c| *c == f.class).ok_or_else(|| {
            dataset_error(root, format!("class `{}` of the {split} split is not among the training classes", f.class))
        })?;
        labels.push(label);
    }
    let side = preprocess.crop as usize;
    let pixels = decode_all(root, split, &files, preprocess)?;
    Ok(ImageSet { classes, side, pixels, labels })
}

/// Decodes all files on every core, printing progress.
fn decode_all(root: &Path, split: &str, files: &[Encoded], preprocess: &Preprocess) -> Result<Vec<u8>> {
    let per_image = (preprocess.crop * preprocess.crop * 3) as usize;
    let mut pixels = vec![0u8; files.len() * per_image];
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let chunk = files.len().div_ceil(threads);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let total = files.len();
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .zip(pixels.chunks_mut(chunk * per_image))
            .map(|(files, out)| {
                let done = &done;
                scope.spawn(move || -> Result<()> {
                    for (f, dst) in files.iter().zip(out.chunks_mut(per_image)) {
                        let label = root.join(split).join(&f.class).join(&f.name);
                        let image = preprocess.resize_crop(&decode(&f.bytes, &label)?);
                        dst.copy_from_slice(image.as_raw());
                        let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                        if n.is_multiple_of(10_000) || n == total {
                            eprintln!("  decoded {n}/{total} {split} images");
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        handles.into_iter().try_for_each(|h| h.join().unwrap_or_else(|_| Err(dataset_error(root, "decoder crashed"))))
    })?;
    Ok(pixels)
}

fn read_directory(root: &Path, split: &str) -> Result<Vec<Encoded>> {
    let split_dir = root.join(split);
    let mut files = vec![];
    for class in std::fs::read_dir(&split_dir).map_err(Error::io(&split_dir))? {
        let class = class.map_err(Error::io(&split_dir))?;
        let class_name = class.file_name().to_string_lossy().into_owned();
        if !class.path().is_dir() || is_hidden(&class_name) {
            continue;
        }
        for entry in std::fs::read_dir(class.path()).map_err(Error::io(&class.path()))? {
            let path: PathBuf = entry.map_err(Error::io(&class.path()))?.path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            if path.is_file() && !is_hidden(&name) {
                let bytes = std::fs::read(&path).map_err(Error::io(&path))?;
                files.push(Encoded { class: class_name.clone(), name, bytes });
            }
        }
    }
    Ok(files)
}

/// Streams a gzipped tar once, keeping the entries `…/<split>/<class>/<file>`.
fn read_tar_gz(archive_path: &Path, split: &str) -> Result<Vec<Encoded>> {
    let file = std::fs::File::open(archive_path).map_err(Error::io(archive_path))?;
    let corrupt = |e: std::io::Error| dataset_error(archive_path, format!("not a readable .tar.gz ({e})"));
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(std::io::BufReader::new(file)));
    let mut files = vec![];
    for entry in archive.entries().map_err(corrupt)? {
        let mut entry = entry.map_err(corrupt)?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path().map_err(corrupt)?.into_owned();
        let parts: Vec<String> = path.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        let n = parts.len();
        if n < 3 || parts[n - 3] != split || is_hidden(&parts[n - 1]) || is_hidden(&parts[n - 2]) {
            continue;
        }
        let mut bytes = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut bytes).map_err(corrupt)?;
        files.push(Encoded { class: parts[n - 2].clone(), name: parts[n - 1].clone(), bytes });
    }
    Ok(files)
}
