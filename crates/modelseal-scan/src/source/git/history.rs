//! A repository's history as blobs to scan: every commit reachable from its
//! refs (and the stash's reflog), oldest first, and every blob of their trees
//! once, with the commit and path that introduced it.
//!
//! Introducing commit: commits are ordered parents before children, ties
//! broken by commit time (oldest first). Trees are walked in that order and
//! a tree already walked is not walked again, so the first commit in which a
//! blob is met is one none of whose ancestors holds it: the commit that
//! introduced it. When two unrelated branches add the same blob, the older
//! commit wins.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use gix::hashtable::{HashMap as IdMap, HashSet as IdSet};

use gix::ObjectId;
use gix::bstr::{BString, ByteSlice};
use gix::objs::{CommitRef, Kind as ObjectKind, TreeRefIter};

use super::{GitError, GitOptions, short};
use crate::outcome::Problem;

/// One commit of the graph.
#[derive(Debug, Clone)]
pub struct CommitNode {
    pub id: ObjectId,
    tree: Option<ObjectId>,
    /// Committer time, seconds since the epoch.
    time: i64,
    parents: Vec<u32>,
    /// Read and parsed; `false` for objects that are missing, broken or no commit.
    read: bool,
}

/// A blob as the walk finds it: its place in [`History::blobs`], and the
/// id of the commit that introduced it, so that it can be scanned before
/// the walk is over.
pub type FoundBlob = (usize, GitBlob, Option<ObjectId>);

/// A blob to scan, where it first appeared.
#[derive(Debug, Clone)]
pub struct GitBlob {
    pub id: ObjectId,
    /// Index into [`History::commits`]; `None` for a blob no commit reaches
    /// (`--all-objects`) or that a ref names directly.
    pub commit: Option<u32>,
    /// The path inside the repository (`configs/.env`); empty when unknown.
    pub path: BString,
}

/// Everything the history scan reads, and what it could not.
#[derive(Debug, Default)]
pub struct History {
    pub commits: Vec<CommitNode>,
    /// In the order they were introduced.
    pub blobs: Vec<GitBlob>,
    /// Blobs in HEAD's tree; `None` when HEAD has no commit.
    pub head_blobs: Option<IdSet>,
    /// Blobs known from commits before `--since`, not scanned.
    pub skipped_blobs: IdSet,
    /// How many commits were walked.
    pub commits_walked: u64,
    /// What could not be read (warnings), what was left out (a submodule,
    /// a skip) and what is worth saying (a shallow history, a note).
    pub problems: Vec<Problem>,
}

struct Walker<'r> {
    repo: &'r gix::Repository,
    /// Where each blob goes as soon as it is found.
    found: Option<std::sync::mpsc::Sender<FoundBlob>>,
    display: String,
    index: IdMap<ObjectId, u32>,
    history: History,
    seen_trees: IdSet,
    seen_blobs: IdSet,
    submodules: HashSet<BString>,
    /// Where each tip came from, for messages.
    tip_names: HashMap<ObjectId, String>,
    /// Trees and blobs refs point at directly.
    loose_tips: Vec<(ObjectId, ObjectKind, String)>,
}

/// Reads the history of `repo` as `options` ask. With `found`, each blob
/// is also sent there the moment the walk finds it, so that scanning can
/// start while the walk goes on.
pub fn read(
    repo: &gix::Repository,
    display: &str,
    options: &GitOptions,
    found: Option<std::sync::mpsc::Sender<FoundBlob>>,
) -> Result<History, GitError> {
    let mut walker = Walker {
        repo,
        found,
        display: display.to_owned(),
        index: IdMap::default(),
        history: History::default(),
        seen_trees: IdSet::default(),
        seen_blobs: IdSet::default(),
        submodules: HashSet::new(),
        tip_names: HashMap::new(),
        loose_tips: Vec::new(),
    };
    let since = options
        .since
        .as_deref()
        .map(|spec| walker.resolve_since(spec))
        .transpose()?;
    let mut tips = walker.ref_tips();
    let mut loose_blobs = Vec::new();
    if options.all_objects {
        let (commits, blobs) = walker.all_objects();
        tips.extend(commits);
        loose_blobs = blobs;
    }
    if let Some(Since::Rev(id)) = &since {
        tips.push(*id);
    }
    walker.walk_commits(&tips);
    let included = walker.included(since.as_ref());
    walker.preseed_boundary(&included);
    let order = walker.topological(&included);
    walker.history.commits_walked = order.len() as u64;
    for &i in &order {
        if let Some(tree) = walker.history.commits[i as usize].tree {
            walker.walk_tree(tree, Some(i), BString::default(), true);
        }
    }
    for (id, kind, name) in std::mem::take(&mut walker.loose_tips) {
        match kind {
            ObjectKind::Tree => walker.walk_tree(id, None, BString::default(), true),
            _ => walker.add_blob(id, None, name.into(), true),
        }
    }
    for id in loose_blobs {
        walker.add_blob(id, None, BString::default(), true);
    }
    walker.head_blobs();
    walker.shallow_note();
    Ok(walker.history)
}

enum Since {
    Rev(ObjectId),
    Time(i64),
}

impl Walker<'_> {
    fn problem(&mut self, path: String, message: impl Into<String>) {
        self.history.problems.push(Problem::new(path, message));
    }

    /// `where` for a path in a commit: `repo@3f2a9c1:configs/.env`.
    fn at(&self, commit: Option<u32>, path: &[u8]) -> String {
        match commit {
            Some(i) if path.is_empty() => format!(
                "{}@{}",
                self.display,
                short(&self.history.commits[i as usize].id)
            ),
            Some(i) => format!(
                "{}@{}:{}",
                self.display,
                short(&self.history.commits[i as usize].id),
                path.as_bstr()
            ),
            None if path.is_empty() => self.display.clone(),
            None => format!("{}:{}", self.display, path.as_bstr()),
        }
    }

    /// A revision first (`v1.0`, `main~10`, a commit id), else a date
    /// (`2024-01-31`, `2 weeks ago`).
    fn resolve_since(&self, spec: &str) -> Result<Since, GitError> {
        let error = |message: String| GitError::Since {
            spec: spec.to_owned(),
            message,
        };
        if let Ok(id) = self.repo.rev_parse_single(spec) {
            return match id.object().map(gix::Object::peel_to_commit) {
                Ok(Ok(commit)) => Ok(Since::Rev(commit.id)),
                _ => Err(error(format!("names no commit in {}", self.display))),
            };
        }
        match gix::date::parse(spec, Some(gix::date::Zoned::now())) {
            Ok(time) => Ok(Since::Time(time.seconds)),
            Err(_) => Err(error(format!(
                "neither a revision of {} nor a date (2024-01-31, \"2 weeks ago\")",
                self.display
            ))),
        }
    }

    /// What every ref, HEAD and the stash's reflog point at.
    fn ref_tips(&mut self) -> Vec<ObjectId> {
        let mut tips = Vec::new();
        let repo = self.repo;
        match repo.head_id() {
            Ok(id) => {
                self.tip_names.insert(id.detach(), "HEAD".into());
                tips.push(id.detach());
            }
            Err(e) => {
                if !matches!(repo.head(), Ok(head) if head.is_unborn()) {
                    self.problem(format!("{}: HEAD", self.display), e.to_string());
                }
            }
        }
        let platform = match repo.references() {
            Ok(platform) => platform,
            Err(e) => {
                self.problem(self.display.clone(), format!("cannot list references: {e}"));
                return tips;
            }
        };
        let iter = match platform.all() {
            Ok(iter) => iter,
            Err(e) => {
                self.problem(self.display.clone(), format!("cannot list references: {e}"));
                return tips;
            }
        };
        for reference in iter {
            let mut reference = match reference {
                Ok(r) => r,
                Err(e) => {
                    self.problem(self.display.clone(), format!("unreadable reference: {e}"));
                    continue;
                }
            };
            let name = reference.name().as_bstr().to_string();
            if name == "refs/stash" {
                let mut log = reference.log_iter();
                if let Ok(Some(lines)) = log.all() {
                    for line in lines.flatten() {
                        let id = line.new_oid();
                        self.tip_names
                            .entry(id)
                            .or_insert_with(|| "refs/stash (reflog)".into());
                        tips.push(id);
                    }
                }
            }
            match reference.peel_to_id() {
                Ok(id) => {
                    let id = id.detach();
                    self.tip_names.entry(id).or_insert(name);
                    tips.push(id);
                }
                Err(e) => self.problem(
                    format!("{}: {name}", self.display),
                    format!("points at nothing readable: {e}"),
                ),
            }
        }
        tips
    }

    /// Every commit and blob in the object database, reachable or not.
    fn all_objects(&mut self) -> (Vec<ObjectId>, Vec<ObjectId>) {
        let mut commits = Vec::new();
        let mut blobs = Vec::new();
        let iter = match self.repo.objects.iter() {
            Ok(iter) => iter,
            Err(e) => {
                self.problem(
                    self.display.clone(),
                    format!("cannot list all objects: {e}"),
                );
                return (commits, blobs);
            }
        };
        let mut listed = HashSet::new();
        for id in iter {
            let id = match id {
                Ok(id) => id,
                Err(e) => {
                    self.problem(self.display.clone(), format!("listing objects: {e}"));
                    continue;
                }
            };
            if !listed.insert(id) {
                continue;
            }
            match self.repo.find_header(id) {
                Ok(header) if header.kind() == ObjectKind::Commit => commits.push(id),
                Ok(header) if header.kind() == ObjectKind::Blob => blobs.push(id),
                Ok(_) => {}
                Err(e) => self.problem(
                    format!("{}: object {}", self.display, short(&id)),
                    e.to_string(),
                ),
            }
        }
        (commits, blobs)
    }

    fn intern(&mut self, id: ObjectId) -> (u32, bool) {
        if let Some(&i) = self.index.get(&id) {
            return (i, false);
        }
        let i = self.history.commits.len() as u32;
        self.history.commits.push(CommitNode {
            id,
            tree: None,
            time: 0,
            parents: Vec::new(),
            read: false,
        });
        self.index.insert(id, i);
        (i, true)
    }

    /// Reads every commit reachable from `tips`.
    fn walk_commits(&mut self, tips: &[ObjectId]) {
        let shallow: HashSet<ObjectId> = match self.repo.shallow_commits() {
            Ok(Some(commits)) => commits.iter().copied().collect(),
            _ => HashSet::new(),
        };
        let mut queue = Vec::new();
        for &tip in tips {
            let (i, new) = self.intern(tip);
            if new {
                queue.push(i);
            }
        }
        let hash = self.repo.object_hash();
        while let Some(i) = queue.pop() {
            let id = self.history.commits[i as usize].id;
            let object = match self.repo.find_object(id) {
                Ok(object) => object,
                Err(e) => {
                    let whose = self
                        .tip_names
                        .get(&id)
                        .map_or_else(String::new, |name| format!(" ({name})"));
                    self.problem(
                        format!("{}@{}{whose}", self.display, short(&id)),
                        format!("cannot read commit: {e}"),
                    );
                    continue;
                }
            };
            if object.kind != ObjectKind::Commit {
                let name = self
                    .tip_names
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| id.to_string());
                if matches!(object.kind, ObjectKind::Tree | ObjectKind::Blob) {
                    self.loose_tips.push((id, object.kind, name));
                }
                continue;
            }
            let commit = match CommitRef::from_bytes(&object.data, hash) {
                Ok(commit) => commit,
                Err(e) => {
                    self.problem(
                        format!("{}@{}", self.display, short(&id)),
                        format!("broken commit: {e}"),
                    );
                    continue;
                }
            };
            let tree = commit.tree();
            let time = commit.committer().map_or(0, |c| c.seconds());
            let parent_ids: Vec<ObjectId> = if shallow.contains(&id) {
                Vec::new()
            } else {
                commit.parents().collect()
            };
            let mut parents = Vec::with_capacity(parent_ids.len());
            for parent in parent_ids {
                let (p, new) = self.intern(parent);
                if new {
                    queue.push(p);
                }
                parents.push(p);
            }
            let node = &mut self.history.commits[i as usize];
            node.tree = Some(tree);
            node.time = time;
            node.parents = parents;
            node.read = true;
        }
    }

    /// Which commits to scan: all that were read, minus those `--since`
    /// leaves out.
    fn included(&self, since: Option<&Since>) -> Vec<bool> {
        let commits = &self.history.commits;
        let mut included: Vec<bool> = commits.iter().map(|c| c.read).collect();
        match since {
            None => {}
            Some(Since::Time(t)) => {
                for (keep, commit) in included.iter_mut().zip(commits) {
                    *keep = *keep && commit.time >= *t;
                }
            }
            Some(Since::Rev(id)) => {
                // Everything reachable from the revision is old.
                let mut hidden = vec![false; commits.len()];
                let mut stack: Vec<u32> = self.index.get(id).copied().into_iter().collect();
                while let Some(i) = stack.pop() {
                    if std::mem::replace(&mut hidden[i as usize], true) {
                        continue;
                    }
                    stack.extend(&commits[i as usize].parents);
                }
                for (keep, hidden) in included.iter_mut().zip(hidden) {
                    *keep = *keep && !hidden;
                }
            }
        }
        included
    }

    /// Marks what the commits just before the scanned ones hold as seen, so
    /// an incremental scan reads only what changed since.
    fn preseed_boundary(&mut self, included: &[bool]) {
        let mut boundary: Vec<ObjectId> = Vec::new();
        for (i, commit) in self.history.commits.iter().enumerate() {
            if !included[i] {
                continue;
            }
            for &p in &commit.parents {
                let parent = &self.history.commits[p as usize];
                if !included[p as usize]
                    && parent.read
                    && let Some(tree) = parent.tree
                {
                    boundary.push(tree);
                }
            }
        }
        for tree in boundary {
            self.walk_tree(tree, None, BString::default(), false);
        }
    }

    /// Parents before children; among commits ready at the same time, the
    /// oldest first.
    fn topological(&self, included: &[bool]) -> Vec<u32> {
        let commits = &self.history.commits;
        let mut waiting = vec![0u32; commits.len()];
        let mut children: Vec<Vec<u32>> = vec![Vec::new(); commits.len()];
        for (i, commit) in commits.iter().enumerate() {
            if !included[i] {
                continue;
            }
            for &p in &commit.parents {
                if included[p as usize] {
                    waiting[i] += 1;
                    children[p as usize].push(i as u32);
                }
            }
        }
        let mut ready: BinaryHeap<Reverse<(i64, u32)>> = (0..commits.len())
            .filter(|&i| included[i] && waiting[i] == 0)
            .map(|i| Reverse((commits[i].time, i as u32)))
            .collect();
        let mut order = Vec::new();
        while let Some(Reverse((_, i))) = ready.pop() {
            order.push(i);
            for &child in &children[i as usize] {
                waiting[child as usize] -= 1;
                if waiting[child as usize] == 0 {
                    ready.push(Reverse((commits[child as usize].time, child)));
                }
            }
        }
        order
    }

    fn add_blob(&mut self, id: ObjectId, commit: Option<u32>, path: BString, record: bool) {
        if !self.seen_blobs.insert(id) {
            return;
        }
        if record {
            let blob = GitBlob { id, commit, path };
            if let Some(found) = &self.found {
                let commit_id = commit.map(|c| self.history.commits[c as usize].id);
                // The scanning side stops listening only when it is gone.
                let _ = found.send((self.history.blobs.len(), blob.clone(), commit_id));
            }
            self.history.blobs.push(blob);
        } else {
            self.history.skipped_blobs.insert(id);
        }
    }

    /// Walks a tree not walked before; `record` false only marks what it
    /// holds as seen.
    fn walk_tree(&mut self, root: ObjectId, commit: Option<u32>, prefix: BString, record: bool) {
        let hash = self.repo.object_hash();
        let mut stack = vec![(root, prefix)];
        while let Some((tree, path)) = stack.pop() {
            if !self.seen_trees.insert(tree) {
                continue;
            }
            let object = match self.repo.find_object(tree) {
                Ok(object) => object,
                Err(e) => {
                    let at = self.at(commit, &path);
                    self.problem(at, format!("cannot read tree {}: {e}", short(&tree)));
                    continue;
                }
            };
            for entry in TreeRefIter::from_bytes(&object.data, hash) {
                let entry = match entry {
                    Ok(entry) => entry,
                    Err(e) => {
                        let at = self.at(commit, &path);
                        self.problem(at, format!("broken tree {}: {e}", short(&tree)));
                        break;
                    }
                };
                let id = entry.oid.to_owned();
                let seen = if entry.mode.is_tree() {
                    self.seen_trees.contains(&id)
                } else {
                    entry.mode.is_blob_or_symlink() && self.seen_blobs.contains(&id)
                };
                if seen {
                    continue;
                }
                let mut child =
                    BString::from(Vec::with_capacity(path.len() + 1 + entry.filename.len()));
                child.extend_from_slice(&path);
                if !child.is_empty() {
                    child.push(b'/');
                }
                child.extend_from_slice(entry.filename);
                if entry.mode.is_tree() {
                    stack.push((id, child));
                } else if entry.mode.is_commit() {
                    if record && self.submodules.insert(child.clone()) {
                        let at = self.at(commit, &child);
                        self.history.problems.push(Problem::skip(
                            at,
                            format!(
                                "a submodule (at commit {}): listed, not scanned",
                                short(&id)
                            ),
                        ));
                    }
                } else {
                    self.add_blob(id, commit, child, record);
                }
            }
        }
    }

    /// Every blob in HEAD's tree, for "still present" answers.
    fn head_blobs(&mut self) {
        let Ok(tree) = self.repo.head_tree_id() else {
            return;
        };
        let hash = self.repo.object_hash();
        let mut blobs = IdSet::default();
        let mut trees = IdSet::default();
        let mut stack = vec![tree.detach()];
        while let Some(tree) = stack.pop() {
            if !trees.insert(tree) {
                continue;
            }
            let Ok(object) = self.repo.find_object(tree) else {
                continue;
            };
            for entry in TreeRefIter::from_bytes(&object.data, hash).flatten() {
                if entry.mode.is_tree() {
                    stack.push(entry.oid.to_owned());
                } else if entry.mode.is_blob_or_symlink() {
                    blobs.insert(entry.oid.to_owned());
                }
            }
        }
        self.history.head_blobs = Some(blobs);
    }

    fn shallow_note(&mut self) {
        if let Ok(Some(commits)) = self.repo.shallow_commits() {
            let n = commits.len();
            self.history.problems.push(Problem::note(
                self.display.clone(),
                format!(
                    "a shallow clone: history is cut at {n} commit{}; older commits are not \
                     in this repository and were not scanned",
                    if n == 1 { "" } else { "s" }
                ),
            ));
        }
    }
}
