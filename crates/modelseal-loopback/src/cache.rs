//! A local hub cache laid out the way the hub's client writes it, for tests
//! that read one without network.

use std::path::Path;

use sha2::{Digest, Sha256};

/// A snapshot: its commit id and its files (path, bytes).
pub type Snapshot<'a> = (&'a str, Vec<(&'a str, Vec<u8>)>);

/// Writes `models--org--name` (or `datasets--…` with `kind`) under `root`:
/// each file's bytes once in `blobs/<sha256>`, each snapshot as
/// `snapshots/<commit>/<path>` relative links to them, and `refs/main`
/// pointing at the last snapshot.
pub fn write_hub_cache(
    root: &Path,
    kind: &str,
    id: &str,
    snapshots: &[Snapshot<'_>],
) -> std::io::Result<()> {
    let repo = root.join(format!("{kind}--{}", id.replace('/', "--")));
    std::fs::create_dir_all(repo.join("blobs"))?;
    std::fs::create_dir_all(repo.join("refs"))?;
    for (commit, files) in snapshots {
        for (path, bytes) in files {
            let digest: String = Sha256::digest(bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .concat();
            std::fs::write(repo.join("blobs").join(&digest), bytes)?;
            let link = repo.join("snapshots").join(commit).join(path);
            if let Some(parent) = link.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let depth = path.matches('/').count() + 2;
            std::os::unix::fs::symlink(format!("{}blobs/{digest}", "../".repeat(depth)), &link)?;
        }
    }
    if let Some((last, _)) = snapshots.last() {
        std::fs::write(repo.join("refs/main"), last)?;
    }
    Ok(())
}
