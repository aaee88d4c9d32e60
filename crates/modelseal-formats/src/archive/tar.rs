//! Tar archives, read as a stream: members are never written anywhere.

use std::io::Read;

use crate::archive::display_name;
use crate::limits::Budget;
use crate::visitor::{Blob, Notice, NoticeKind, Visitor};

pub fn read(reader: &mut dyn Read, visitor: &mut dyn Visitor, budget: &Budget) {
    let mut archive = tar::Archive::new(reader);
    let entries = match archive.entries() {
        Ok(entries) => entries,
        Err(e) => {
            visitor.notice(Notice::new(
                NoticeKind::Corrupt,
                None,
                format!("not a readable tar archive: {e}"),
            ));
            return;
        }
    };
    for entry in entries {
        let mut entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                visitor.notice(Notice::new(
                    NoticeKind::Corrupt,
                    None,
                    format!("tar archive is damaged here ({e}); the members after this point are not read"),
                ));
                return;
            }
        };
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = display_name(&entry.path_bytes(), budget.limits.max_path_len);
        if !budget.count_member() {
            visitor.notice(Notice::new(
                NoticeKind::Limit,
                Some(&name),
                format!(
                    "more than {} members (max_members): the rest are not read",
                    budget.limits.max_members
                ),
            ));
            return;
        }
        let size = entry.header().size().ok();
        visitor.member(&name, Blob::Stream(&mut entry), size);
    }
}
