use super::*;

const HEX: &str = "8bd287985c130c45a8cff53616f60a4fd99408beef03049c1cf3150596e203a4";

#[test]
fn digests_are_checked_before_they_name_a_path() {
    let digest = Digest::parse(&format!("sha256:{HEX}")).unwrap();
    assert_eq!(digest.blob_path(), format!("blobs/sha256/{HEX}"));
    assert_eq!(digest.short(), "sha256:8bd287985c13…");
    for bad in [
        "sha256:../../etc/passwd",
        "sha256:abc",
        &format!("sha256:{}", HEX.to_uppercase()),
        "nocolon",
        ":abc",
        "sha256:",
        "sha 256:abc",
        "sha512:a/b",
        "..:abc",
        "a..b:abc",
        ".sha:abc",
    ] {
        assert_eq!(Digest::parse(bad), None, "{bad}");
    }
    assert!(Digest::parse("sha512:abcdef").is_some());
    assert!(
        Digest::parse("multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8").is_some()
    );
}

#[test]
fn digests_are_read_from_blob_names() {
    assert_eq!(
        Digest::from_path(&format!("blobs/sha256/{HEX}"))
            .unwrap()
            .hex,
        HEX
    );
    assert_eq!(Digest::from_path(&format!("{HEX}.json")).unwrap().hex, HEX);
    assert_eq!(Digest::from_path(&format!("{HEX}.tar")).unwrap().hex, HEX);
    assert_eq!(Digest::from_path("abc/layer.tar"), None);
    assert_eq!(Digest::from_path("blobs/sha256/../../x"), None);
}

#[test]
fn docker_manifests_list_images_with_their_layers() {
    let json = br#"[{"Config":"./c.json","RepoTags":["app:1"],"Layers":["a/layer.tar","/b.tar"]},
                    {"Config":"d.json","RepoTags":null,"Layers":[]}]"#;
    let images = parse_docker_manifest(json).unwrap();
    assert_eq!(images[0].config, "c.json");
    assert_eq!(images[0].layers, ["a/layer.tar", "b.tar"]);
    assert_eq!(images[0].repo_tags, ["app:1"]);
    assert!(images[1].repo_tags.is_empty());
    assert!(matches!(
        parse_docker_manifest(b"[]"),
        Err(SpecError::Invalid(_))
    ));
    assert!(matches!(
        parse_docker_manifest(b"{"),
        Err(SpecError::NotJson(_))
    ));
    assert!(parse_docker_manifest(br#"{"name":"a web extension"}"#).is_err());
}

#[test]
fn member_paths_stay_inside() {
    assert_eq!(clean_member("./a/./b//c"), "a/b/c");
    assert_eq!(clean_member("../../etc/passwd"), "etc/passwd");
    assert_eq!(clean_member("a/../../b"), "b");
}

#[test]
fn indexes_and_manifests_parse_their_descriptors() {
    let index = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"{OCI_MANIFEST}","digest":"sha256:{HEX}","size":961,
            "annotations":{{"org.opencontainers.image.ref.name":"latest"}}}}]}}"#
    );
    let index = parse_index(index.as_bytes()).unwrap();
    assert_eq!(index.manifests[0].size, Some(961));
    assert_eq!(
        reference_of(&index.manifests[0].annotations).as_deref(),
        Some("latest")
    );
    assert_eq!(
        document_kind(index.manifests[0].media_type.as_deref()),
        Some(DocumentKind::Manifest)
    );
    let manifest = format!(
        r#"{{"config":{{"digest":"sha256:{HEX}","size":3}},
            "layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar+zstd","digest":"sha256:{HEX}"}},
                      {{"mediaType":"application/vnd.in-toto+json","digest":"sha256:{HEX}"}}]}}"#
    );
    let manifest = parse_manifest(manifest.as_bytes()).unwrap();
    assert_eq!(
        layer_media(manifest.layers[0].media_type.as_deref()),
        Some(LayerMedia::Tar)
    );
    assert_eq!(
        layer_media(manifest.layers[1].media_type.as_deref()),
        Some(LayerMedia::Other)
    );
    assert_eq!(layer_media(None), None);
    let bad = r#"{"config":{"digest":"sha256:../../x"},"layers":[]}"#;
    assert!(matches!(
        parse_manifest(bad.as_bytes()),
        Err(SpecError::Invalid(_))
    ));
}

#[test]
fn documents_without_a_media_type_are_known_by_their_shape() {
    assert_eq!(
        sniff_document(br#"{"manifests":[]}"#),
        Some(DocumentKind::Index)
    );
    assert_eq!(
        sniff_document(br#"{"config":{},"layers":[]}"#),
        Some(DocumentKind::Manifest)
    );
    assert_eq!(
        sniff_document(format!(r#"{{"mediaType":"{DOCKER_LIST}"}}"#).as_bytes()),
        Some(DocumentKind::Index)
    );
    assert_eq!(sniff_document(b"[1]"), None);
}

#[test]
fn configurations_become_fields_and_history_maps_to_layers() {
    let token = concat!("hf_", "VxKqPzLmWnRtYbGcHdJf", "NsQaEuIoTkXlMv");
    let json = format!(
        r#"{{"architecture":"amd64","config":{{"Env":["PATH=/bin","HF_TOKEN={token}"],
            "Labels":{{"org.example.note":"x"}},"Cmd":["python"],"ExposedPorts":{{"80/tcp":{{}}}}}},
            "rootfs":{{"type":"layers","diff_ids":["sha256:{HEX}"]}},
            "history":[{{"created_by":"COPY . /"}},{{"created_by":"ENV A=b","empty_layer":true}},
                       {{"created_by":"RUN make"}}]}}"#
    );
    let config = parse_config(json.as_bytes()).unwrap();
    let field = |path: &str| {
        config
            .fields
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(
        field("config.Env[1]"),
        Some(format!("HF_TOKEN={token}").as_str())
    );
    assert_eq!(field("config.Labels.org.example.note"), Some("x"));
    assert_eq!(field("config.Cmd[0]"), Some("python"));
    assert_eq!(field("history[2].created_by"), Some("RUN make"));
    assert_eq!(field("architecture"), Some("amd64"));
    assert!(config.fields.iter().all(|(p, _)| !p.starts_with("rootfs")));
    assert_eq!(config.history_layers, [Some(0), None, Some(1)]);
    assert!(matches!(
        parse_config(b"not json"),
        Err(SpecError::NotJson(_))
    ));
    assert!(matches!(parse_config(b"[1,2]"), Err(SpecError::Invalid(_))));
}

#[test]
fn deep_configurations_do_not_overflow() {
    let deep = format!("{{\"a\":{}1{}}}", "[".repeat(100), "]".repeat(100));
    // serde_json stops at 128 levels itself; below that, flattening stops at
    // its own limit.
    assert!(parse_config(deep.as_bytes()).unwrap().fields.is_empty());
}
