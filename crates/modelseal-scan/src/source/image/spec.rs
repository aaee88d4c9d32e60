//! The JSON documents of an image, parsed without trusting them: Docker's
//! `manifest.json` (what `docker save` writes), the OCI `index.json` and
//! image manifests (OCI image-spec v1.1 `index.md` and `manifest.md`, and
//! Docker's schema 2 manifests that share their shape), and the image
//! configuration, turned into fields to scan.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde_json::Value;

/// A content address, `sha256:<64 hex digits>`. Other algorithms are kept
/// (their blobs are read, not verified); anything that could name a path
/// outside `blobs/` is refused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    pub algorithm: String,
    pub hex: String,
}

impl Digest {
    /// Parses `algorithm:encoded` as the image-spec's descriptor grammar
    /// allows, and no more.
    pub fn parse(text: &str) -> Option<Digest> {
        let (algorithm, hex) = text.split_once(':')?;
        // algorithm-component (separator algorithm-component)*, each
        // component `[a-z0-9]+`: no `..`, no `/`.
        let algorithm_ok = algorithm.len() <= 32
            && algorithm.split(['+', '.', '_', '-']).all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            });
        let hex_ok = !hex.is_empty()
            && hex.len() <= 256
            && hex
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"=_-".contains(&b));
        if !algorithm_ok || !hex_ok {
            return None;
        }
        if algorithm == "sha256" && (hex.len() != 64 || !hex.bytes().all(is_lower_hex)) {
            return None;
        }
        Some(Digest {
            algorithm: algorithm.to_owned(),
            hex: hex.to_owned(),
        })
    }

    pub fn sha256(hex: &str) -> Option<Digest> {
        Digest::parse(&format!("sha256:{hex}"))
    }

    /// The blob's path in an OCI layout: `blobs/sha256/<hex>`.
    pub fn blob_path(&self) -> String {
        format!("blobs/{}/{}", self.algorithm, self.hex)
    }

    /// `sha256:8bd2879…` for messages.
    pub fn short(&self) -> String {
        format!(
            "{}:{}…",
            self.algorithm,
            &self.hex[..self.hex.len().min(12)]
        )
    }

    /// The digest a blob path names: `blobs/sha256/<hex>` (OCI layouts,
    /// `docker save` since Docker 25), or a file named `<hex>.json` or
    /// `<hex>.tar` (older `docker save` and other archive writers).
    pub fn from_path(path: &str) -> Option<Digest> {
        if let Some(rest) = path.strip_prefix("blobs/") {
            let (algorithm, hex) = rest.split_once('/')?;
            return Digest::parse(&format!("{algorithm}:{hex}"));
        }
        let name = path.rsplit('/').next()?;
        let stem = name
            .strip_suffix(".json")
            .or_else(|| name.strip_suffix(".tar"))?;
        Digest::sha256(stem)
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.hex)
    }
}

fn is_lower_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
}

/// Why a document could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpecError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("{0}")]
    Invalid(String),
}

fn not_json(error: &serde_json::Error) -> SpecError {
    SpecError::NotJson(error.to_string())
}

/// One image in Docker's `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DockerImage {
    /// The configuration's path in the archive.
    pub config: String,
    pub repo_tags: Vec<String>,
    /// Layer paths in the archive, base first.
    pub layers: Vec<String>,
}

#[derive(Deserialize)]
struct RawDockerImage {
    #[serde(rename = "Config")]
    config: String,
    #[serde(rename = "RepoTags", default)]
    repo_tags: Option<Vec<String>>,
    #[serde(rename = "Layers", default)]
    layers: Vec<String>,
}

/// Parses `manifest.json`: an array of images, each with `Config`,
/// `RepoTags` and `Layers`.
pub fn parse_docker_manifest(bytes: &[u8]) -> Result<Vec<DockerImage>, SpecError> {
    let raw: Vec<RawDockerImage> = serde_json::from_slice(bytes).map_err(|e| not_json(&e))?;
    if raw.is_empty() {
        return Err(SpecError::Invalid("manifest.json lists no image".into()));
    }
    Ok(raw
        .into_iter()
        .map(|image| DockerImage {
            config: clean_member(&image.config),
            repo_tags: image.repo_tags.unwrap_or_default(),
            layers: image.layers.iter().map(|l| clean_member(l)).collect(),
        })
        .collect())
}

/// A member path as an archive index holds it: no `./`, no leading `/`.
pub fn clean_member(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    parts.join("/")
}

/// A pointer to a blob: what it is, its digest and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Descriptor {
    pub media_type: Option<String>,
    pub digest: Digest,
    pub size: Option<u64>,
    pub annotations: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct RawDescriptor {
    #[serde(rename = "mediaType", default)]
    media_type: Option<String>,
    digest: String,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default)]
    annotations: Option<BTreeMap<String, String>>,
}

impl RawDescriptor {
    fn parse(self, what: &str) -> Result<Descriptor, SpecError> {
        let digest = Digest::parse(&self.digest).ok_or_else(|| {
            SpecError::Invalid(format!(
                "{what} has an invalid digest {:?}",
                truncate(&self.digest, 80)
            ))
        })?;
        Ok(Descriptor {
            media_type: self.media_type,
            digest,
            size: self.size,
            annotations: self.annotations.unwrap_or_default(),
        })
    }
}

fn truncate(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// What a descriptor or document is, from its media type (or, without
/// one, its shape).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    Index,
    Manifest,
}

pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";

pub fn document_kind(media_type: Option<&str>) -> Option<DocumentKind> {
    match media_type? {
        OCI_INDEX | DOCKER_LIST => Some(DocumentKind::Index),
        OCI_MANIFEST | DOCKER_MANIFEST => Some(DocumentKind::Manifest),
        _ => None,
    }
}

/// `index.json`, or a nested index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    pub manifests: Vec<Descriptor>,
}

#[derive(Deserialize)]
struct RawIndex {
    #[serde(default)]
    manifests: Vec<RawDescriptor>,
}

pub fn parse_index(bytes: &[u8]) -> Result<Index, SpecError> {
    let raw: RawIndex = serde_json::from_slice(bytes).map_err(|e| not_json(&e))?;
    let manifests = raw
        .manifests
        .into_iter()
        .enumerate()
        .map(|(i, d)| d.parse(&format!("manifests[{i}]")))
        .collect::<Result<_, _>>()?;
    Ok(Index { manifests })
}

/// An image manifest: its configuration and its layers, base first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    pub config: Descriptor,
    pub layers: Vec<Descriptor>,
}

#[derive(Deserialize)]
struct RawManifest {
    config: RawDescriptor,
    #[serde(default)]
    layers: Vec<RawDescriptor>,
}

pub fn parse_manifest(bytes: &[u8]) -> Result<Manifest, SpecError> {
    let raw: RawManifest = serde_json::from_slice(bytes).map_err(|e| not_json(&e))?;
    Ok(Manifest {
        config: raw.config.parse("config")?,
        layers: raw
            .layers
            .into_iter()
            .enumerate()
            .map(|(i, d)| d.parse(&format!("layers[{i}]")))
            .collect::<Result<_, _>>()?,
    })
}

/// A document of unknown kind (a descriptor without a media type): its own
/// `mediaType`, else `manifests` for an index and `config` for a manifest.
pub fn sniff_document(bytes: &[u8]) -> Option<DocumentKind> {
    #[derive(Deserialize)]
    struct Shape {
        #[serde(rename = "mediaType", default)]
        media_type: Option<String>,
        #[serde(default)]
        manifests: Option<serde::de::IgnoredAny>,
        #[serde(default)]
        config: Option<serde::de::IgnoredAny>,
    }
    let shape: Shape = serde_json::from_slice(bytes).ok()?;
    document_kind(shape.media_type.as_deref()).or(if shape.manifests.is_some() {
        Some(DocumentKind::Index)
    } else if shape.config.is_some() {
        Some(DocumentKind::Manifest)
    } else {
        None
    })
}

/// How a layer blob is stored, from its media type; `None` when the media
/// type says nothing (Docker's `manifest.json` gives none) or is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LayerMedia {
    /// A tar, possibly compressed (the magic bytes tell which).
    Tar,
    /// Something else (an attestation, an artifact): scanned as a blob.
    Other,
}

pub fn layer_media(media_type: Option<&str>) -> Option<LayerMedia> {
    let media_type = media_type?;
    let tar = media_type.starts_with("application/vnd.oci.image.layer.")
        || media_type.starts_with("application/vnd.docker.image.rootfs.")
        || media_type.contains(".tar");
    Some(if tar {
        LayerMedia::Tar
    } else {
        LayerMedia::Other
    })
}

/// What the scanner takes from an image configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageConfig {
    /// Every string in the document, by path (`config.Env[0]`,
    /// `history[5].created_by`), except the layers' own digests.
    pub fields: Vec<(String, String)>,
    /// For each `history` entry, the layer it made (`None` for
    /// `empty_layer` entries such as `ENV` and `ARG`).
    pub history_layers: Vec<Option<u32>>,
}

/// Deepest nesting walked in a configuration; deeper values are skipped.
const MAX_NESTING: usize = 64;

pub fn parse_config(bytes: &[u8]) -> Result<ImageConfig, SpecError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| not_json(&e))?;
    if !value.is_object() {
        return Err(SpecError::Invalid(
            "the image configuration is not a JSON object".into(),
        ));
    }
    let mut config = ImageConfig::default();
    if let Some(object) = value.as_object() {
        for (key, value) in object {
            if key == "rootfs" {
                continue;
            }
            flatten(key, value, 0, &mut config.fields);
        }
    }
    let mut next_layer = 0u32;
    for entry in value["history"].as_array().into_iter().flatten() {
        if entry["empty_layer"].as_bool() == Some(true) {
            config.history_layers.push(None);
        } else {
            config.history_layers.push(Some(next_layer));
            next_layer = next_layer.saturating_add(1);
        }
    }
    Ok(config)
}

fn flatten(path: &str, value: &Value, depth: usize, out: &mut Vec<(String, String)>) {
    if depth > MAX_NESTING {
        return;
    }
    match value {
        Value::String(text) => out.push((path.to_owned(), text.clone())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(&format!("{path}[{i}]"), item, depth + 1, out);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                flatten(&format!("{path}.{key}"), item, depth + 1, out);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// The name people know an image by: its first tag, else the OCI
/// `org.opencontainers.image.ref.name` annotation.
pub fn reference_of(annotations: &BTreeMap<String, String>) -> Option<String> {
    annotations
        .get("io.containerd.image.name")
        .or_else(|| annotations.get("org.opencontainers.image.ref.name"))
        .cloned()
}

#[cfg(test)]
mod tests;
