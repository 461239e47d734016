//! The most CPU one request can cost: hostile inputs just under the size limit, each the worst of
//! its kind that the limits still let through to the parser or the verifier (floods of signatures,
//! attributes, namespace declarations, elements, depth, comments, text nodes; the largest honest
//! response, signed twice; the largest encrypted one). Prints the time of each on one thread (median
//! and maximum of 15 runs; the work is all CPU, so on an otherwise idle core this is its CPU time)
//! and the verdict, so BENCHMARKS.md can record the worst case against the 50 ms target. Not a test:
//! it asserts no time.
//! Run: `cargo bench -p studiogate-saml --features testkit --bench worst_case`.

use std::hint::black_box;
use std::time::{Duration, Instant};
use studiogate_kernel::clock::parse_instant;
use studiogate_saml::testkit::{self, ContentCipher, ResponseSpec, Signing};
use studiogate_saml::{Limits, SamlValidator};

fn now() -> time::OffsetDateTime {
    parse_instant("2026-03-01T12:00:00Z").unwrap()
}

fn validator() -> SamlValidator {
    testkit::validator()
}

/// Repeats `unit` up to the decoded-size limit, inside an otherwise valid, unsigned Response.
fn fill(head: &str, unit: &str, tail: &str) -> String {
    let room = Limits::default().max_decoded_bytes - head.len() - tail.len() - 64;
    format!("{head}{}{tail}", unit.repeat(room / unit.len()))
}

fn cases() -> Vec<(&'static str, String)> {
    let spec = ResponseSpec::aws(now());
    let unsigned = spec.response_xml(&spec.assertion_xml());
    let split = unsigned.find("<saml:Subject>").unwrap();
    let (head, tail) = unsigned.split_at(split);
    let mut largest = ResponseSpec::aws(now());
    let mut big = String::new();
    while big.len() < Limits::default().max_decoded_bytes - 2048 {
        largest.padding_attributes += 40;
        big = testkit::signed_response(&largest, Signing::Both, &testkit::IDP);
    }
    largest.padding_attributes -= 40;
    let big = testkit::signed_response(&largest, Signing::Both, &testkit::IDP);
    let mut encrypted_spec = ResponseSpec::aws(now());
    encrypted_spec.padding_attributes = largest.padding_attributes * 2 / 3;
    let signed_assertion = testkit::sign_assertion(
        &encrypted_spec.assertion_xml(),
        &encrypted_spec.assertion_id,
        &testkit::IDP,
    );
    let encrypted = encrypted_spec.response_xml(&testkit::encrypt_assertion(
        &signed_assertion,
        &testkit::SP_ENCRYPTION,
        ContentCipher::Aes256Gcm,
    ));
    let attributes: String = (0..64).map(|n| format!(" a{n}=\"v\"")).collect();
    let template = testkit::signature_template(&spec.response_id);
    let room = Limits::default().max_decoded_bytes - unsigned.len() - 64;
    let declarations =
        "<e xmlns:p=\"urn:p\"/>".repeat(Limits::default().max_namespace_declarations - 8);
    // The longest namespace name the limits let through, in scope of as many elements as fit: the
    // parser copies the name per element, and a refusal may name the elements.
    let long_name = format!(
        "urn:{}",
        "n".repeat(Limits::default().max_namespace_uri_bytes - 4)
    );
    let stuffed = template
        .replacen(
            "<ds:Signature",
            &format!("<ds:Signature xmlns:x=\"{long_name}\""),
            1,
        )
        .replacen("</ds:SignatureValue>", "</ds:SignatureValue>{children}", 1);
    let (before, after) = stuffed.split_once("{children}").unwrap();
    // As many as the element limit leaves (the document's own take the rest).
    let in_scope = Limits::default().max_elements - 100;
    let children = "<x:a/>".repeat(in_scope);
    vec![
        (
            "signature flood in the Response",
            testkit::insert_after_issuer(&unsigned, 0, &template.repeat(room / template.len())),
        ),
        (
            "64 attributes on every element",
            fill(head, &format!("<e{attributes}/>"), tail),
        ),
        (
            "namespace declarations at the limit",
            fill(&format!("{head}{declarations}"), "<e/>", tail),
        ),
        (
            "namespace name at the limit, on every element",
            format!("{head}<n xmlns:x=\"{long_name}\">{children}</n>{tail}"),
        ),
        (
            "a Signature stuffed with such elements",
            testkit::insert_after_issuer(&unsigned, 0, &format!("{before}{children}{after}")),
        ),
        ("element flood", fill(head, "<e/>", tail)),
        (
            "nesting at the depth limit, repeated",
            fill(
                head,
                &format!("{}{}", "<d>".repeat(40), "</d>".repeat(40)),
                tail,
            ),
        ),
        ("comment flood", fill(head, "<!--x-->", tail)),
        ("character references", fill(head, "&#x41;", tail)),
        ("largest honest response, signed twice", big),
        ("largest encrypted response (AES-GCM)", encrypted),
    ]
}

fn main() {
    // `cargo bench` passes --bench; `cargo test` runs the binary without it, once a case, so that
    // it cannot rot (the numbers, from a debug build, mean nothing).
    let short = !std::env::args().any(|a| a == "--bench");
    let samples_per_case = if short { 1 } else { 15 };
    if short {
        println!("worst_case: short mode, one call a case: the numbers mean nothing");
    }
    let validator = validator();
    println!(
        "{:<42} {:>8} {:>10} {:>10}  verdict",
        "input", "bytes", "median ms", "max ms"
    );
    let mut worst = Duration::ZERO;
    for (name, xml) in cases() {
        let mut samples = Vec::new();
        let mut verdict = String::new();
        for _ in 0..samples_per_case {
            let start = Instant::now();
            let outcome = black_box(validator.validate_document(black_box(&xml), now()));
            samples.push(start.elapsed());
            verdict = match outcome {
                Ok(_) => "accepted".into(),
                Err(r) => r.reason_code().into(),
            };
        }
        samples.sort();
        let max = *samples.last().unwrap();
        worst = worst.max(max);
        println!(
            "{:<42} {:>8} {:>10.2} {:>10.2}  {verdict}",
            name,
            xml.len(),
            samples[samples.len() / 2].as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3
        );
    }
    println!("worst case: {:.2} ms", worst.as_secs_f64() * 1e3);
}
