//! Container images: `docker save` archives, OCI image layouts (a folder
//! or a tar of one), recognised by what they hold, never by name.
//!
//! Each layer is streamed in manifest order and every regular file in it
//! goes through the format readers, located as `image.tar@layer1:/app/.env`
//! (layers count from 0, base first). A file that a later layer deletes
//! (whiteout, opaque folder) or replaces is still in the image's bytes: its
//! findings say so in their [`Provenance`]. The image configuration's
//! strings (environment, history, labels, command) are scanned as fields,
//! located as `image.tar#config.Env[0]` and `image.tar#history[5].created_by`.
//! An archive holding several images numbers them: `images.tar[1]@layer0:...`.
//!
//! Layers shared by several images, and files of equal content (up to
//! `HASHED_MAX` in the layer module), are read once. Blobs named by sha256 are checked
//! against their digest as they are read.

mod layer;
mod overlay;
pub mod spec;
mod store;

use std::collections::{HashMap, HashSet};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use modelseal_formats::Limits;
use rayon::prelude::*;
use sha2::{Digest as _, Sha256};

use crate::blob::{BlobScanner, SourceBlob};
use crate::outcome::describe_io;
use crate::outcome::{Problem, ScanOutcome};
use layer::{ContentCache, Expect, LayerScan, hex, relocate, scan_layer, unhex};
use modelseal_findings::{Origin, Provenance};
use overlay::Stack;
use spec::{Digest, DocumentKind, LayerMedia};
use store::{OpenError, Store, read_small};

/// How the image's files are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `manifest.json` at the top (`docker save`, `docker-archive:`).
    DockerArchive,
    /// `oci-layout` and `index.json` at the top.
    Oci,
}

/// An image found on disk, ready to scan.
#[derive(Debug)]
pub struct Image {
    store: Store,
    pub layout: Layout,
}

/// Nested indexes followed before giving up.
const MAX_INDEX_DEPTH: usize = 4;
/// Images read from one archive or layout.
const MAX_IMAGES: usize = 1024;

/// Whether a folder is an OCI image layout.
pub fn is_layout_folder(path: &Path) -> bool {
    path.join("oci-layout").is_file() && path.join("index.json").is_file()
}

/// The image at `path`, if `path` is an OCI layout folder, or a tar holding
/// a `docker save` manifest or an OCI layout. Anything else (a plain tar
/// included) is `None` and is read as usual.
pub fn open(path: &Path, limits: &Limits) -> Option<Image> {
    if path.is_dir() {
        return open_folder(path);
    }
    let mut file = std::fs::File::open(path).ok()?;
    open_file(path, &mut file, limits)
}

/// The OCI layout at `path`, if it is one.
pub fn open_folder(path: &Path) -> Option<Image> {
    is_layout_folder(path).then(|| Image {
        store: Store::folder(path),
        layout: Layout::Oci,
    })
}

/// The image in the file `path`, already open as `file`, which is left at
/// its start. Only a tar is looked into (its headers are read, seeking over
/// the data); any other file costs one read of 512 bytes.
pub fn open_file(path: &Path, file: &mut std::fs::File, limits: &Limits) -> Option<Image> {
    let mut head = Vec::with_capacity(512);
    let read = file.by_ref().take(512).read_to_end(&mut head);
    file.seek(SeekFrom::Start(0)).ok()?;
    read.ok()?;
    // POSIX, GNU and PAX tar headers carry `ustar` at offset 257.
    if head.get(257..262) != Some(b"ustar") {
        return None;
    }
    let store = Store::index_tar(path, limits.max_members).ok()?;
    if store.contains("manifest.json") {
        let (mut reader, _) = store.open("manifest.json").ok()?;
        let bytes = read_small(&mut reader, limits.max_segment).ok()?;
        spec::parse_docker_manifest(&bytes).ok()?;
        return Some(Image {
            store,
            layout: Layout::DockerArchive,
        });
    }
    (store.contains("oci-layout") && store.contains("index.json")).then_some(Image {
        store,
        layout: Layout::Oci,
    })
}

/// A blob to read, and what it should hash to.
#[derive(Debug, Clone)]
struct BlobRef {
    name: String,
    expect: Expect,
    size: Option<u64>,
    media: Option<LayerMedia>,
}

impl BlobRef {
    fn of_descriptor(descriptor: &spec::Descriptor) -> BlobRef {
        BlobRef {
            name: descriptor.digest.blob_path(),
            expect: Expect {
                stored: sha256_of(&descriptor.digest),
                if_uncompressed: None,
            },
            size: descriptor.size,
            media: spec::layer_media(descriptor.media_type.as_deref()),
        }
    }

    /// A blob named in Docker's `manifest.json`: `blobs/sha256/<hex>` is
    /// the blob's digest, `<hex>.json` a configuration's, `<hex>.tar` an
    /// uncompressed layer's diff id.
    fn of_docker_path(name: &str) -> BlobRef {
        let digest = Digest::from_path(name).and_then(|d| sha256_of(&d));
        let by_diff_id = !name.starts_with("blobs/") && name.ends_with(".tar");
        BlobRef {
            name: name.to_owned(),
            expect: Expect {
                stored: if by_diff_id { None } else { digest },
                if_uncompressed: if by_diff_id { digest } else { None },
            },
            size: None,
            media: None,
        }
    }
}

fn sha256_of(digest: &Digest) -> Option<[u8; 32]> {
    (digest.algorithm == "sha256")
        .then(|| unhex(&digest.hex))
        .flatten()
}

/// One image of the archive: its name, configuration and layers.
#[derive(Debug, Clone)]
struct Plan {
    reference: Option<String>,
    config: BlobRef,
    layers: Vec<BlobRef>,
}

/// Scans an image found by [`open`]; `display` is its path as the user
/// knows it.
pub fn scan(scanner: &dyn BlobScanner, display: &str, image: &Image) -> ScanOutcome {
    let limits = *scanner.limits();
    let mut outcome = ScanOutcome::default();
    let plans = match image.layout {
        Layout::DockerArchive => docker_plans(&image.store, display, &limits, &mut outcome),
        Layout::Oci => oci_plans(&image.store, display, &limits, &mut outcome),
    };

    // Each distinct layer once, in parallel.
    let mut distinct: Vec<&BlobRef> = Vec::new();
    let mut seen = HashSet::new();
    for layer in plans.iter().flat_map(|p| &p.layers) {
        if seen.insert(layer.name.as_str()) {
            distinct.push(layer);
        }
    }
    let cache = ContentCache::default();
    let scans: HashMap<&str, LayerScan> = distinct
        .par_iter()
        .map(|layer| {
            (
                layer.name.as_str(),
                read_layer(scanner, &image.store, layer, &cache),
            )
        })
        .collect();

    let mut reported = HashSet::new();
    for (i, plan) in plans.iter().enumerate() {
        let prefix = if plans.len() == 1 {
            display.to_owned()
        } else {
            format!("{display}[{i}]")
        };
        scan_config(scanner, &image.store, &prefix, plan, &limits, &mut outcome);
        let mut stack = Stack::default();
        for layer in &plan.layers {
            stack.push(scans[layer.name.as_str()].entries.as_deref());
        }
        for (n, layer) in plan.layers.iter().enumerate() {
            let scan = &scans[layer.name.as_str()];
            let n = u32::try_from(n).unwrap_or(u32::MAX);
            let in_layer = |path: String| Origin::Layer {
                image: prefix.clone(),
                layer: n,
                path,
            };
            let first = reported.insert(layer.name.as_str());
            if first {
                outcome.stats.add(&scan.stats);
                outcome.stats.members_scanned += 1;
                let at = in_layer(String::new()).to_string();
                for message in &scan.problems {
                    outcome.problems.push(Problem::new(&at, message));
                }
            }
            for file in &scan.files {
                // Files were scanned at their path in the layer (`/app/.env`);
                // the layer itself, when it holds no file system, at "".
                let (path, fate) = if file.path.is_empty() {
                    (String::new(), None)
                } else {
                    (
                        format!("/{}", file.path),
                        Some(stack.fate(n, &file.path, file.digest)),
                    )
                };
                let moved = relocate(&file.outcome, &Origin::file(path.clone()), &in_layer(path));
                let provenance = Provenance {
                    revision: plan.reference.clone(),
                    layer: Some(n),
                    deleted_in_layer: fate.and_then(|f| f.deleted_in_layer),
                    still_present: fate.map(|f| f.still_present),
                    ..Provenance::default()
                };
                outcome
                    .findings
                    .extend(moved.findings.into_iter().map(|mut finding| {
                        finding.provenance = Some(provenance.clone());
                        finding
                    }));
                if first {
                    outcome.problems.extend(moved.problems);
                }
            }
        }
    }
    outcome
}

fn read_layer(
    scanner: &dyn BlobScanner,
    store: &Store,
    layer: &BlobRef,
    cache: &ContentCache,
) -> LayerScan {
    let (mut reader, size) = match store.open(&layer.name) {
        Ok(opened) => opened,
        Err(OpenError::Missing) => {
            return LayerScan {
                problems: vec![format!(
                    "the manifest names {}, which is not in the image: this layer was not scanned",
                    layer.name
                )],
                ..LayerScan::default()
            };
        }
        Err(OpenError::Io(e)) => {
            return LayerScan {
                problems: vec![format!(
                    "cannot open {}: {}; this layer was not scanned",
                    layer.name,
                    describe_io(&e)
                )],
                ..LayerScan::default()
            };
        }
    };
    let mut scan = if layer.media == Some(LayerMedia::Other) {
        // Not a file system (an attestation, an artifact): read as a blob.
        let mut outcome = scanner.scan_blob(SourceBlob {
            origin: Origin::file(""),
            name: &layer.name,
            filter_path: None,
            provenance: None,
            data: modelseal_formats::Blob::Stream(&mut reader),
        });
        let stats = std::mem::take(&mut outcome.stats);
        LayerScan {
            entries: Some(Vec::new()),
            files: vec![layer::ScannedFile {
                path: String::new(),
                digest: None,
                outcome,
            }],
            problems: Vec::new(),
            stats,
        }
    } else {
        scan_layer(scanner, &mut reader, size, &layer.expect, cache)
    };
    if let Some(declared) = layer.size
        && declared != size
    {
        scan.problems.push(format!(
            "{} is {size} bytes, its descriptor says {declared}: the image was altered or damaged",
            layer.name
        ));
    }
    scan
}

/// Reads a JSON document whole (at most `max_segment`), checking its size
/// and digest when known.
fn read_document(
    store: &Store,
    blob: &BlobRef,
    limits: &Limits,
) -> Result<(Vec<u8>, Option<String>), String> {
    let (mut reader, size) = store.open(&blob.name).map_err(|e| match e {
        OpenError::Missing => format!("{} is not in the image", blob.name),
        OpenError::Io(e) => format!("cannot open {}: {}", blob.name, describe_io(&e)),
    })?;
    let bytes = read_small(&mut reader, limits.max_segment)
        .map_err(|e| format!("cannot read {}: {}", blob.name, describe_io(&e)))?;
    let mut warning = None;
    if let Some(declared) = blob.size
        && declared != size
    {
        warning = Some(format!(
            "{} is {size} bytes, its descriptor says {declared}: the image was altered or damaged",
            blob.name
        ));
    }
    if let Some(expected) = blob.expect.stored {
        let actual: [u8; 32] = Sha256::digest(&bytes).into();
        if actual != expected {
            warning = Some(format!(
                "{} does not match its digest (sha256:{} expected, sha256:{} read): \
                 the image was altered or damaged; read all the same",
                blob.name,
                hex(&expected),
                hex(&actual)
            ));
        }
    }
    Ok((bytes, warning))
}

fn docker_plans(
    store: &Store,
    display: &str,
    limits: &Limits,
    outcome: &mut ScanOutcome,
) -> Vec<Plan> {
    let manifest = BlobRef::of_docker_path("manifest.json");
    let images = match read_document(store, &manifest, limits) {
        Ok((bytes, _)) => spec::parse_docker_manifest(&bytes),
        Err(message) => {
            outcome.problems.push(Problem::new(display, message));
            return Vec::new();
        }
    };
    match images {
        Ok(images) => images
            .into_iter()
            .take(MAX_IMAGES)
            .map(|image| Plan {
                reference: image.repo_tags.first().cloned(),
                config: BlobRef::of_docker_path(&image.config),
                layers: image
                    .layers
                    .iter()
                    .map(|l| BlobRef::of_docker_path(l))
                    .collect(),
            })
            .collect(),
        Err(e) => {
            outcome
                .problems
                .push(Problem::new(display, format!("manifest.json: {e}")));
            Vec::new()
        }
    }
}

fn oci_plans(
    store: &Store,
    display: &str,
    limits: &Limits,
    outcome: &mut ScanOutcome,
) -> Vec<Plan> {
    let index = BlobRef {
        name: "index.json".into(),
        expect: Expect::default(),
        size: None,
        media: None,
    };
    let parsed = match read_document(store, &index, limits) {
        Ok((bytes, _)) => spec::parse_index(&bytes),
        Err(message) => {
            outcome.problems.push(Problem::new(display, message));
            return Vec::new();
        }
    };
    let index = match parsed {
        Ok(index) => index,
        Err(e) => {
            outcome
                .problems
                .push(Problem::new(display, format!("index.json: {e}")));
            return Vec::new();
        }
    };
    let mut plans = Vec::new();
    let mut seen = HashSet::new();
    let mut walk = IndexWalk {
        store,
        display,
        limits,
        outcome,
        plans: &mut plans,
        seen: &mut seen,
    };
    walk.descriptors(&index.manifests, None, 0);
    plans
}

struct IndexWalk<'a> {
    store: &'a Store,
    display: &'a str,
    limits: &'a Limits,
    outcome: &'a mut ScanOutcome,
    plans: &'a mut Vec<Plan>,
    seen: &'a mut HashSet<Digest>,
}

impl IndexWalk<'_> {
    fn problem(&mut self, message: String) {
        self.outcome
            .problems
            .push(Problem::new(self.display, message));
    }

    fn descriptors(
        &mut self,
        descriptors: &[spec::Descriptor],
        reference: Option<&str>,
        depth: usize,
    ) {
        for descriptor in descriptors {
            if self.plans.len() >= MAX_IMAGES {
                self.problem(format!(
                    "more than {MAX_IMAGES} images: the rest are not read"
                ));
                return;
            }
            if !self.seen.insert(descriptor.digest.clone()) {
                continue;
            }
            let reference = spec::reference_of(&descriptor.annotations)
                .or_else(|| reference.map(str::to_owned));
            let blob = BlobRef::of_descriptor(descriptor);
            let bytes = match read_document(self.store, &blob, self.limits) {
                Ok((bytes, warning)) => {
                    if let Some(warning) = warning {
                        self.problem(warning);
                    }
                    bytes
                }
                Err(message) => {
                    self.problem(format!("{message}: that image was not scanned"));
                    continue;
                }
            };
            let kind = spec::document_kind(descriptor.media_type.as_deref())
                .or_else(|| spec::sniff_document(&bytes));
            match kind {
                Some(DocumentKind::Index) if depth < MAX_INDEX_DEPTH => {
                    match spec::parse_index(&bytes) {
                        Ok(index) => {
                            self.descriptors(&index.manifests, reference.as_deref(), depth + 1);
                        }
                        Err(e) => self.problem(format!("index {}: {e}", blob.name)),
                    }
                }
                Some(DocumentKind::Index) => self.problem(format!(
                    "index {} nested more than {MAX_INDEX_DEPTH} deep: not read",
                    blob.name
                )),
                Some(DocumentKind::Manifest) => match spec::parse_manifest(&bytes) {
                    Ok(manifest) => self.plans.push(Plan {
                        reference,
                        config: BlobRef::of_descriptor(&manifest.config),
                        layers: manifest.layers.iter().map(BlobRef::of_descriptor).collect(),
                    }),
                    Err(e) => self.problem(format!("manifest {}: {e}", blob.name)),
                },
                None => self.problem(format!(
                    "{} is neither an image manifest nor an index ({}): not read",
                    blob.name,
                    descriptor.media_type.as_deref().unwrap_or("no media type")
                )),
            }
        }
    }
}

/// Scans the configuration's strings as fields of `prefix`.
fn scan_config(
    scanner: &dyn BlobScanner,
    store: &Store,
    prefix: &str,
    plan: &Plan,
    limits: &Limits,
    outcome: &mut ScanOutcome,
) {
    let bytes = match read_document(store, &plan.config, limits) {
        Ok((bytes, warning)) => {
            if let Some(warning) = warning {
                outcome.problems.push(Problem::new(prefix, warning));
            }
            bytes
        }
        Err(message) => {
            outcome.problems.push(Problem::new(
                prefix,
                format!("the image configuration: {message}; its environment and history were not scanned"),
            ));
            return;
        }
    };
    let config = match spec::parse_config(&bytes) {
        Ok(config) => config,
        Err(e) => {
            outcome.problems.push(Problem::new(
                prefix,
                format!(
                    "the image configuration {} is unreadable ({e}); its environment and history were not scanned",
                    plan.config.name
                ),
            ));
            return;
        }
    };
    let mut found = scanner.scan_fields(
        Origin::Image {
            image: prefix.to_owned(),
        },
        &config.fields,
    );
    for finding in &mut found.findings {
        let layer = finding
            .location
            .field
            .as_deref()
            .and_then(history_index)
            .and_then(|i| config.history_layers.get(i).copied().flatten());
        if plan.reference.is_some() || layer.is_some() {
            finding.provenance = Some(Provenance {
                revision: plan.reference.clone(),
                layer,
                ..Provenance::default()
            });
        }
    }
    *outcome = std::mem::take(outcome).merge(found);
}

/// `history[5].created_by` -> 5.
fn history_index(field: &str) -> Option<usize> {
    field
        .strip_prefix("history[")?
        .split_once(']')?
        .0
        .parse()
        .ok()
}

#[cfg(test)]
mod tests;
