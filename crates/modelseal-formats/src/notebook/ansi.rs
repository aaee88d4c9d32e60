//! Removes ANSI escape sequences (terminal colours) from notebook outputs.
//!
//! `IPython` colours tracebacks and many libraries colour their logs, so a
//! value printed in an output can be cut in pieces by colour codes:
//! `KEY=\x1b[31mAKIA\x1b[0mIOSF...`. Without them the value is whole again.

use std::borrow::Cow;

const ESC: char = '\x1b';
const BEL: char = '\x07';

/// `text` without its escape sequences (CSI such as colours and cursor
/// moves, OSC such as hyperlinks and titles, and two- or three-character
/// escapes). A lone or unfinished escape is dropped.
pub fn strip(text: &str) -> Cow<'_, str> {
    if !text.contains(ESC) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != ESC {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            // CSI: parameters and intermediates (0x20-0x3F), then a final
            // byte (0x40-0x7E).
            Some('[') => {
                chars.next();
                while let Some(&n) = chars.peek() {
                    if ('\x20'..='\x3f').contains(&n) {
                        chars.next();
                    } else {
                        if ('\x40'..='\x7e').contains(&n) {
                            chars.next();
                        }
                        break;
                    }
                }
            }
            // OSC and the other string sequences: up to BEL or ESC \.
            Some(']' | 'P' | 'X' | '^' | '_') => {
                chars.next();
                while let Some(n) = chars.next() {
                    if n == BEL {
                        break;
                    }
                    if n == ESC {
                        if chars.peek() == Some(&'\\') {
                            chars.next();
                        }
                        break;
                    }
                }
            }
            // Intermediates (`ESC ( B` selects a character set), then a final.
            Some(n) if ('\x20'..='\x2f').contains(&n) => {
                while chars.peek().is_some_and(|n| ('\x20'..='\x2f').contains(n)) {
                    chars.next();
                }
                if chars.peek().is_some_and(|n| ('\x30'..='\x7e').contains(n)) {
                    chars.next();
                }
            }
            // A two-character escape (`ESC 7`, `ESC M`, `ESC c`).
            Some(n) if ('\x30'..='\x7e').contains(&n) => {
                chars.next();
            }
            _ => {}
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::strip;

    #[test]
    fn colours_and_other_sequences_go() {
        assert_eq!(strip("plain"), "plain");
        assert_eq!(
            strip("KEY=\x1b[38;5;124mabc\x1b[39m\x1b[1;31mdef\x1b[0m end"),
            "KEY=abcdef end"
        );
        assert_eq!(
            strip("\x1b]8;;https://example.com\x07link\x1b]8;;\x1b\\ text"),
            "link text"
        );
        assert_eq!(strip("\x1b(Bcharset\x1b7saved\x1b8"), "charsetsaved");
        assert_eq!(strip("\x1b[2K\rprogress 50%"), "\rprogress 50%");
    }

    #[test]
    fn unfinished_sequences_do_not_eat_the_next_line() {
        assert_eq!(strip("cut \x1b[31"), "cut ");
        assert_eq!(strip("cut \x1b"), "cut ");
        assert_eq!(strip("a\x1b[\nb"), "a\nb");
        assert_eq!(strip("a\x1b\x01b"), "a\x01b");
    }

    proptest! {
        #[test]
        fn colour_codes_between_pieces_vanish(
            pieces in proptest::collection::vec("[^\x1b]{0,12}", 0..8),
            colour in 0u8..=255,
        ) {
            let coloured = pieces.join(&format!("\x1b[38;5;{colour}m"));
            prop_assert_eq!(strip(&coloured), pieces.concat());
        }

        #[test]
        fn any_text_is_stripped_without_panic(text in "\\PC*") {
            let stripped = strip(&text);
            prop_assert!(stripped.len() <= text.len());
        }
    }
}
