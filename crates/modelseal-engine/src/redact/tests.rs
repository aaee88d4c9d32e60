use std::sync::Arc;

use proptest::prelude::*;

use super::*;

const HF_TOKEN: &str = concat!("hf_", "VxKqPzLmWnRtYbGcHdJf", "NsQaEuIoTkXlMv");
const AWS_KEY_ID: &str = concat!("AKIA", "W7RZQ3MXNB5KTYLP");
const PEM_BODY: &str = concat!(
    "MIIEowIBAAKCAQEAu3fQ8vX2kLmN9pQrS4tUvWxYz1A2b3C4d5E6f7G8h9I0jK1l\n",
    "M2n3O4p5Q6r7S8t9U0v1W2x3Y4z5A6b7C8d9E0f1G2h3I4j5K6l7M8n9O0p1Q2r3\n",
);

fn pem() -> String {
    format!(
        "{}\n{PEM_BODY}{}\n",
        concat!("-----BEGIN RSA ", "PRIVATE KEY-----"),
        concat!("-----END RSA ", "PRIVATE KEY-----")
    )
}

fn redactor() -> Redactor {
    Redactor::new(RuleSet::builtin(), RedactStyle::default())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_token_becomes_a_label_naming_its_rule() {
    let (out, count) = redactor().redact_str(&format!("login with {HF_TOKEN} ok"));
    assert_eq!(count, 1);
    assert_eq!(
        out, "login with [REDACTED:huggingface-user-access-token] ok",
        "{out}"
    );
}

#[test]
fn metadata_stays_unless_asked_for() {
    let line = "saving to /home/jdoe/checkpoints/run-3";
    let (out, _) = redactor().redact_str(line);
    assert_eq!(out, line);
    let style = RedactStyle {
        metadata: true,
        ..RedactStyle::default()
    };
    let (out, count) = Redactor::new(RuleSet::builtin(), style).redact_str(line);
    assert_eq!(count, 1, "{out}");
    assert!(!out.contains("jdoe"), "{out}");
}

#[test]
fn label_template_and_kept_prefix() {
    let style = RedactStyle {
        label: "<{rule} hidden>".to_owned(),
        keep: 4,
        metadata: false,
    };
    let (out, _) = Redactor::new(RuleSet::builtin(), style).redact_str(AWS_KEY_ID);
    assert_eq!(out, "AKIA<aws-access-key-id hidden>");
}

#[test]
fn a_kept_prefix_is_never_more_than_a_quarter() {
    assert_eq!(kept_prefix(b"abcdefgh", 4), 2);
    assert_eq!(kept_prefix(b"abc", 4), 0);
    assert_eq!(kept_prefix("ééééééééé".as_bytes(), 4), 4);
}

#[test]
fn exact_values_are_hidden_in_their_encodings() {
    let literal = Literal {
        name: "env:DB_PASSWORD".to_owned(),
        value: b"corp-Winter-2026".to_vec(),
    };
    let redactor = redactor().with_literals(&[literal]);
    let (out, count) = redactor.redact_str(
        "pw=corp-Winter-2026 url=db://u:corp-Winter-2026@h json=\"corp-Winter-2026\" \
         auth=Basic dXNlcjpjb3JwLVdpbnRlci0yMDI2",
    );
    assert_eq!(count, 4, "{out}");
    assert!(!out.contains("Winter"), "{out}");
    assert!(out.contains("[REDACTED:env:DB_PASSWORD]"), "{out}");
}

#[test]
fn short_exact_values_are_ignored() {
    let literal = Literal {
        name: "env:TOKEN_TTL".to_owned(),
        value: b"3600".to_vec(),
    };
    let (out, count) = redactor().with_literals(&[literal]).redact_str("ttl 3600");
    assert_eq!((out.as_str(), count), ("ttl 3600", 0));
}

#[test]
fn a_private_key_block_is_held_until_it_closes() {
    let redactor = Arc::new(redactor());
    let mut stream = StreamRedactor::new(redactor);
    let key = pem();
    let (head, rest) = key.split_at(key.find('\n').unwrap() + 1);
    let mut out = Vec::new();
    stream.push(b"before\n", &mut out);
    stream.push(head.as_bytes(), &mut out);
    let body_line = PEM_BODY.lines().next().unwrap();
    stream.push(format!("{body_line}\n").as_bytes(), &mut out);
    assert_eq!(text(&out), "before\n", "the open block is held");
    stream.push(&rest.as_bytes()[body_line.len() + 1..], &mut out);
    stream.push(b"after\n", &mut out);
    stream.flush(&mut out);
    let out = text(&out);
    assert!(!out.contains("MIIE"), "{out}");
    assert!(
        out.starts_with("before\n") && out.ends_with("after\n"),
        "{out}"
    );
}

#[test]
fn a_quiet_stream_shows_its_partial_line_but_not_an_open_key() {
    let mut stream = StreamRedactor::new(Arc::new(redactor()));
    let mut out = Vec::new();
    stream.push(b"Epoch 1:  40%|####      |", &mut out);
    stream.flush_partial(&mut out);
    assert_eq!(text(&out), "Epoch 1:  40%|####      |");
    let key = pem();
    stream.push(&key.as_bytes()[..key.len() / 2], &mut out);
    stream.flush_partial(&mut out);
    assert!(!text(&out).contains("BEGIN"), "{}", text(&out));
    stream.push(&key.as_bytes()[key.len() / 2..], &mut out);
    stream.flush(&mut out);
    assert!(!text(&out).contains("MIIE"));
}

#[test]
fn complete_lines_go_out_at_once_and_partial_lines_on_flush() {
    let mut stream = StreamRedactor::new(Arc::new(redactor()));
    let mut out = Vec::new();
    stream.push(b"epoch 1 loss 0.3\nepoch 2", &mut out);
    assert_eq!(text(&out), "epoch 1 loss 0.3\n");
    stream.flush(&mut out);
    assert_eq!(text(&out), "epoch 1 loss 0.3\nepoch 2");
    assert_eq!(stream.pending(), 0);
}

#[test]
fn a_line_that_never_ends_goes_out_in_pieces() {
    let mut stream = StreamRedactor::new(Arc::new(redactor())).with_max_line(8 * 1024);
    let mut out = Vec::new();
    let chunk = vec![b'x'; 1000];
    for _ in 0..20 {
        stream.push(&chunk, &mut out);
    }
    assert!(out.len() >= 20 * 1000 - 8 * 1024, "written {}", out.len());
    assert!(stream.pending() <= 8 * 1024);
}

#[test]
fn a_secret_cut_by_the_line_limit_is_still_hidden() {
    let mut stream = StreamRedactor::new(Arc::new(redactor())).with_max_line(8 * 1024);
    let mut input = vec![b'x'; 20 * 1024 - 10];
    input.extend_from_slice(format!(" {HF_TOKEN} ").as_bytes());
    input.extend(std::iter::repeat_n(b'y', 20 * 1024));
    let mut out = Vec::new();
    for piece in input.chunks(777) {
        stream.push(piece, &mut out);
    }
    stream.flush(&mut out);
    let out = text(&out);
    assert!(!out.contains(&HF_TOKEN[3..]), "token leaked");
    assert!(out.contains("[REDACTED:huggingface-user-access-token]"));
}

#[test]
fn a_large_push_is_redacted_in_parallel_the_same_way() {
    let redactor = Arc::new(redactor());
    let mut input = Vec::new();
    let mut n = 0;
    while input.len() < 5 * 1024 * 1024 {
        n += 1;
        input.extend_from_slice(
            format!("step {n} user=trainer token {HF_TOKEN} loss 0.{n}\n").as_bytes(),
        );
    }
    let (expected, expected_count) = redactor.redact(&input);
    let mut stream = StreamRedactor::new(redactor);
    let mut out = Vec::new();
    stream.push(&input, &mut out);
    stream.flush(&mut out);
    assert_eq!(stream.redacted(), expected_count);
    assert_eq!(expected_count, n);
    assert!(out == expected, "parallel output differs");
}

fn planted_text() -> impl Strategy<Value = (Vec<u8>, Vec<usize>)> {
    let piece = prop_oneof![
        "[a-z ]{0,40}\n".prop_map(String::into_bytes),
        "[ -~]{0,60}".prop_map(String::into_bytes),
        Just(format!(" token {HF_TOKEN} ").into_bytes()),
        Just(format!(" id={AWS_KEY_ID}\n").into_bytes()),
        Just(format!("\n{}", pem()).into_bytes()),
        prop::collection::vec(any::<u8>(), 0..30),
    ];
    (
        prop::collection::vec(piece, 1..30).prop_map(|pieces| pieces.concat()),
        prop::collection::vec(1usize..300, 1..40),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// However the input is cut into pushes, the stream writes every byte
    /// once, and no planted secret survives.
    #[test]
    fn streaming_loses_nothing_and_leaks_nothing((input, cuts) in planted_text()) {
        let redactor = Arc::new(redactor());
        let mut stream = StreamRedactor::new(Arc::clone(&redactor));
        let mut out = Vec::new();
        let mut at = 0;
        for cut in cuts.iter().cycle() {
            if at >= input.len() {
                break;
            }
            let end = (at + cut).min(input.len());
            stream.push(&input[at..end], &mut out);
            at = end;
        }
        stream.flush(&mut out);
        let out_text = text(&out);
        prop_assert!(!out_text.contains(&HF_TOKEN[3..]));
        prop_assert!(!out_text.contains(&AWS_KEY_ID[4..]));
        prop_assert!(!out_text.contains("MIIEowIBAAKCAQEA"));
        // Remove the labels: what is left is the input minus the secrets.
        let (whole, _) = redactor.redact(&input);
        prop_assert_eq!(text(&whole), out_text);
    }
}

#[test]
fn secret_environment_variables_are_chosen_by_name() {
    let vars = [
        ("HF_TOKEN", "hf_abcdefgh"),
        ("db_password", "corp-Winter-2026"),
        ("AWS_SECRET_ACCESS_KEY", "abc"),
        ("HOME", "/home/jdoe"),
        ("INTERNAL_PASS", "letmein-123"),
    ];
    let literals = env_literals(vars, &["INTERNAL_PASS".to_owned()]);
    let names: Vec<&str> = literals.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(
        names,
        ["env:HF_TOKEN", "env:INTERNAL_PASS", "env:db_password"]
    );
}
