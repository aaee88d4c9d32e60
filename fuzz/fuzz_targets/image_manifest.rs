//! Container-image documents (`manifest.json`, `index.json`, image
//! manifests, image configurations) and blob digests: parsing never panics,
//! and a digest that parses names a path inside `blobs/`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use modelseal_scan::source::image::spec;

fuzz_target!(|data: &[u8]| {
    if let Ok(images) = spec::parse_docker_manifest(data) {
        for image in images {
            for path in std::iter::once(&image.config).chain(&image.layers) {
                assert!(!path.split('/').any(|part| part == ".." || part == "."));
                assert!(!path.starts_with('/'));
                if let Some(digest) = spec::Digest::from_path(path) {
                    assert!(!digest.blob_path().contains(".."));
                }
            }
        }
    }
    if let Ok(index) = spec::parse_index(data) {
        for descriptor in index.manifests {
            let path = descriptor.digest.blob_path();
            assert!(path.starts_with("blobs/") && !path.contains("..") && path.matches('/').count() == 2);
        }
    }
    if let Ok(manifest) = spec::parse_manifest(data) {
        for descriptor in std::iter::once(&manifest.config).chain(&manifest.layers) {
            let _ = spec::layer_media(descriptor.media_type.as_deref());
            assert!(!descriptor.digest.blob_path().contains(".."));
        }
    }
    let _ = spec::sniff_document(data);
    if let Ok(config) = spec::parse_config(data) {
        assert!(config.history_layers.len() <= data.len());
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Some(digest) = spec::Digest::parse(text) {
            assert!(!digest.blob_path().contains(".."));
        }
    }
});
