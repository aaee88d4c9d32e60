//! A pickle (protocols 0-5), walked opcode by opcode and never executed:
//! string constants, dict keys paired with their values (`pickle/hub_token`),
//! imported globals.
//!
//! The stack machine runs symbolically ([`machine`]): imports and calls are
//! recorded, never made. At `STOP`, or where the pickle breaks off, the value
//! graph is walked ([`report`]) and every string is reported with its path:
//! `pickle/hub_token`, `pickle/env/AWS_SECRET_ACCESS_KEY`, `pickle/tags[0]`.
//! Every imported name is reported once as `pickle/globals`; names that run
//! commands or code also raise an `Unsupported` notice. Persistent ids
//! (tensor storages in torch checkpoints) are skipped, large binary payloads
//! and joblib's numpy arrays are read past without being held. Several
//! pickles in a row (torch's legacy format) are read one after the other,
//! the second as `pickle.2/...`.

mod globals;
mod graph;
mod input;
mod joblib;
mod machine;
mod opcodes;
mod report;
mod text;

use std::io::Read;

use crate::limits::{Budget, limit_message};
use crate::visitor::{Notice, NoticeKind, Visitor};
use input::Input;
use machine::{Failure, Fault, Machine};
use opcodes as op;
use report::{Quota, report};

/// Pickles read one after the other from one file.
const MAX_PICKLES: usize = 32;

/// Reads `reader` as this format and reports what it holds to `visitor`.
pub fn read(name: &str, reader: &mut dyn Read, visitor: &mut dyn Visitor, budget: &Budget) {
    // A `data.pkl` in a PyTorch archive, a TorchScript `.debug_pkl`, a
    // `training_args.bin`: all are walked alike.
    let _ = name;
    let mut input = Input::new(reader);
    let mut quota = Quota {
        left: budget.limits.max_segment.saturating_mul(4),
        spent: false,
    };
    let mut skipped = (0u64, 0u64);
    for index in 1..=MAX_PICKLES {
        let root = if index == 1 {
            "pickle".to_owned()
        } else {
            format!("pickle.{index}")
        };
        let mut machine = Machine::new(&budget.limits);
        let outcome = machine.run(&mut input);
        for notice in std::mem::take(&mut machine.notices) {
            visitor.notice(notice);
        }
        skipped.0 += machine.skipped.0;
        skipped.1 = skipped.1.saturating_add(machine.skipped.1);
        match outcome {
            Ok(value) => report(&machine.graph, &[value], &root, visitor, &mut quota),
            Err(failure) => {
                visitor.notice(failure_notice(&failure, index));
                let roots = machine.unfinished();
                report(&machine.graph, &roots, &root, visitor, &mut quota);
                return skipped_notice(visitor, skipped);
            }
        }
        let at = input.offset();
        match input.peek(16) {
            Ok([]) => break,
            Ok([op::PROTO, 2..=5, ..]) if index < MAX_PICKLES => {}
            Ok([op::PROTO, 2..=5, ..]) => {
                visitor.notice(Notice::new(
                    NoticeKind::Limit,
                    None,
                    format!(
                        "more than {MAX_PICKLES} pickles one after the other: \
                         the ones from offset {at} on are not read"
                    ),
                ));
                break;
            }
            Ok(rest) if rest.len() < 16 && rest.iter().all(u8::is_ascii_whitespace) => break,
            Ok(_) => {
                visitor.notice(Notice::new(
                    NoticeKind::Skipped,
                    None,
                    format!(
                        "the data after the pickle (from offset {at}) is not read: \
                         tensor data, or another format"
                    ),
                ));
                break;
            }
            Err(e) => {
                visitor.notice(match limit_message(&e) {
                    Some(limit) => Notice::new(
                        NoticeKind::Limit,
                        None,
                        format!("{limit}: the file is read up to offset {at} only"),
                    ),
                    None => Notice::new(
                        NoticeKind::Corrupt,
                        None,
                        format!("cannot read past offset {at}: {e}"),
                    ),
                });
                break;
            }
        }
    }
    skipped_notice(visitor, skipped);
}

fn skipped_notice(visitor: &mut dyn Visitor, (count, bytes): (u64, u64)) {
    if count > 0 {
        visitor.notice(Notice::new(
            NoticeKind::Skipped,
            None,
            format!(
                "{count} binary payload(s) of {bytes} bytes in all not read: \
                 array or tensor data, not text"
            ),
        ));
    }
}

/// Where and why the walk stopped, as a person would want to hear it.
fn failure_notice(failure: &Failure, index: usize) -> Notice {
    let at = failure.at;
    let which = if index == 1 {
        "the pickle".to_owned()
    } else {
        format!("pickle {index} of this file")
    };
    let opcode = failure.op.map(|code| match op::name(code) {
        "an unknown opcode" => format!("unknown opcode 0x{code:02x}"),
        name => name.to_owned(),
    });
    let name = opcode.clone().unwrap_or_default();
    let (kind, message) = match &failure.fault {
        Fault::Eof => match opcode {
            None if at == 0 => (NoticeKind::Corrupt, "the file is empty".to_owned()),
            None => (
                NoticeKind::Corrupt,
                format!("{which} is cut short at offset {at}: it ends without a STOP opcode"),
            ),
            Some(name) => (
                NoticeKind::Corrupt,
                format!(
                    "{which} is cut short: {name} at offset {at} runs past the end of the data"
                ),
            ),
        },
        Fault::Io(e) => match limit_message(e) {
            Some(limit) => (
                NoticeKind::Limit,
                format!("{limit}: {which} is read up to offset {at} only"),
            ),
            None => (
                NoticeKind::Corrupt,
                format!("cannot read {which} past offset {at}: {e}"),
            ),
        },
        Fault::Underflow => (
            NoticeKind::Corrupt,
            format!(
                "{name} at offset {at} takes a value from an empty stack \
                 (stack underflow): {which} is damaged"
            ),
        ),
        Fault::NoMark => (
            NoticeKind::Corrupt,
            format!(
                "{name} at offset {at} has no MARK to go back to \
                 (unbalanced MARK): {which} is damaged"
            ),
        ),
        Fault::Corrupt(why) => (
            NoticeKind::Corrupt,
            format!("{name} at offset {at}: {why}; {which} is read up to there"),
        ),
        Fault::Limit(why) => (
            NoticeKind::Limit,
            format!("{name} at offset {at}: {why}; the rest of {which} is not read"),
        ),
        Fault::Unsupported(why) => (
            NoticeKind::Unsupported,
            format!("{name} at offset {at}: {why}"),
        ),
    };
    Notice::new(kind, None, message)
}

#[cfg(test)]
mod tests;
