use super::testing::Msg;
use super::*;

fn fields(data: &[u8]) -> Result<Vec<Field>> {
    let mut input = data;
    let mut walker = Walker::new(&mut input, 8, 1 << 20);
    let mut out = Vec::new();
    while let Some(field) = walker.next_field()? {
        out.push(field);
    }
    Ok(out)
}

#[test]
fn reads_every_wire_type_and_skips_unconsumed_payloads() {
    let data = Msg::new()
        .uint(1, 300)
        .fixed64(2, u64::MAX)
        .str(3, "hello")
        .fixed32(4, 7)
        .uint(536_870_911, 1)
        .0;
    let got = fields(&data).unwrap();
    assert_eq!(
        got,
        vec![
            Field {
                number: 1,
                value: Value::Varint(300)
            },
            Field {
                number: 2,
                value: Value::Fixed64(u64::MAX)
            },
            Field {
                number: 3,
                value: Value::Len(5)
            },
            Field {
                number: 4,
                value: Value::Fixed32(7)
            },
            Field {
                number: 536_870_911,
                value: Value::Varint(1)
            },
        ]
    );
}

#[test]
fn walks_sub_messages_and_reads_strings() {
    let inner = Msg::new().str(1, "inner").uint(2, 5);
    let data = Msg::new().msg(1, &inner).str(2, "outer").0;
    let mut input = &data[..];
    let mut walker = Walker::new(&mut input, 8, 1 << 20);
    let mut seen = Vec::new();
    while let Some(field) = walker.next_field().unwrap() {
        match (field.number, field.value) {
            (1, Value::Len(len)) => {
                walker
                    .message(len, |w| {
                        // Reads only the first field; the rest is skipped.
                        let first = w.next_field()?.unwrap();
                        if let Value::Len(len) = first.value {
                            seen.push(w.bytes(len)?.unwrap());
                        }
                        Ok(())
                    })
                    .unwrap();
            }
            (2, Value::Len(len)) => seen.push(walker.bytes(len).unwrap().unwrap()),
            _ => panic!("unexpected {field:?}"),
        }
    }
    assert_eq!(seen, vec![b"inner".to_vec(), b"outer".to_vec()]);
    assert_eq!(walker.offset, data.len() as u64);
}

#[test]
fn bogus_lengths_are_corrupt_without_allocating() {
    // 2^63 bytes declared at the top level: skipped by reading, then truncated.
    let data = Msg::new().hostile_len(9, 1 << 63).raw(b"abc").0;
    let mut input = &data[..];
    let mut walker = Walker::new(&mut input, 8, 1 << 20);
    let field = walker.next_field().unwrap().unwrap();
    assert_eq!(field.value, Value::Len(1 << 63));
    // Larger than max_segment: not held, skipped, and the data ends.
    let err = walker.bytes(1 << 63).unwrap_err();
    assert_eq!(err.kind, NoticeKind::Corrupt);
    assert!(err.message.contains("truncated"), "{}", err.message);

    // Within max_segment but the data is shorter.
    let data = Msg::new().hostile_len(9, 1000).raw(b"abc").0;
    let mut input = &data[..];
    let mut walker = Walker::new(&mut input, 8, 1 << 20);
    walker.next_field().unwrap();
    let err = walker.bytes(1000).unwrap_err();
    assert!(err.message.contains("ends after 3"), "{}", err.message);

    // Inside a message, a length longer than the message is caught at once.
    let inner = Msg::new().hostile_len(2, 1_000_000_000).raw(b"xy");
    let data = Msg::new().msg(1, &inner).0;
    let mut input = &data[..];
    let mut walker = Walker::new(&mut input, 8, 1 << 20);
    let Some(Field {
        value: Value::Len(len),
        ..
    }) = walker.next_field().unwrap()
    else {
        panic!()
    };
    let err = walker
        .message(len, |w| w.next_field().map(|_| ()))
        .unwrap_err();
    assert!(
        err.message
            .contains("declares 1000000000 bytes but its message has only 2 left"),
        "{}",
        err.message
    );
}

#[test]
fn groups_bad_wire_types_and_bad_numbers_are_corrupt() {
    for data in [
        vec![0x0b],                            // field 1, start group
        vec![0x0c],                            // field 1, end group
        vec![0x0e],                            // wire type 6
        vec![0x02, 0x00],                      // field number 0
        vec![0x08],                            // varint value missing
        vec![0x08, 0x80],                      // varint value cut
        vec![0x09, 1, 2, 3],                   // fixed64 cut
        vec![0xff; 11],                        // varint longer than 64 bits
        vec![0xf8, 0xff, 0xff, 0xff, 0x7f, 0], // field number 2^32 - 1
    ] {
        let err = fields(&data).unwrap_err();
        assert_eq!(err.kind, NoticeKind::Corrupt, "{data:?}");
    }
}

#[test]
fn fixed_fields_cannot_run_past_their_message() {
    // A message of 3 bytes holding a fixed32 field that needs 5.
    let data = Msg::new().bytes(1, &[0x15, 1, 2]).raw(&[9, 9, 9]).0;
    let mut input = &data[..];
    let mut walker = Walker::new(&mut input, 8, 1 << 20);
    let Some(Field {
        value: Value::Len(len),
        ..
    }) = walker.next_field().unwrap()
    else {
        panic!()
    };
    let err = walker
        .message(len, |w| w.next_field().map(|_| ()))
        .unwrap_err();
    assert!(err.message.contains("past the end"), "{}", err.message);
}

#[test]
fn depth_is_bounded() {
    fn walk(w: &mut Walker<'_>, depth: &mut usize) -> Result<()> {
        while let Some(field) = w.next_field()? {
            if let Value::Len(len) = field.value {
                *depth += 1;
                w.message(len, |w| walk(w, depth))?;
            }
        }
        Ok(())
    }
    let mut data = Msg::new().str(1, "deepest");
    for _ in 0..100 {
        data = Msg::new().msg(1, &data);
    }
    let mut input = &data.0[..];
    let mut walker = Walker::new(&mut input, 16, 1 << 20);
    let mut depth = 0;
    walk(&mut walker, &mut depth).unwrap();
    assert_eq!(walker.too_deep(), 1);
    assert_eq!(depth, 17);
    assert_eq!(walker.offset, data.0.len() as u64);
}
