//! Differential: redacting a stream pushed in pieces of any size writes the
//! same bytes as redacting it whole, for input without private-key blocks
//! and shorter than the context the stream keeps (where it deliberately
//! waits, or sees less than the whole).
#![no_main]

use std::sync::{Arc, LazyLock};

use libfuzzer_sys::fuzz_target;
use modelseal_engine::{RedactStyle, Redactor, RuleSet, StreamRedactor};

static REDACTOR: LazyLock<Arc<Redactor>> =
    LazyLock::new(|| Arc::new(Redactor::new(RuleSet::builtin(), RedactStyle::default())));

fuzz_target!(|data: &[u8]| {
    let Some((&step, text)) = data.split_first() else { return };
    let step = usize::from(step).max(1);
    let mut stream = StreamRedactor::new(Arc::clone(&REDACTOR));
    let mut out = Vec::new();
    for piece in text.chunks(step) {
        stream.push(piece, &mut out);
    }
    stream.flush(&mut out);
    let (whole, _) = REDACTOR.redact(text);
    let plain = !text.windows(11).any(|w| w == b"-----BEGIN ") && text.len() < 4096;
    if plain {
        assert_eq!(out, whole);
    }
});
