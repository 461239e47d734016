//! Validation cost versus the floor it cannot beat: SHA-256 over the same bytes plus one RSA-2048
//! PKCS#1 v1.5 verify per signature (two for a response signed on both elements), with aws-lc-rs
//! called directly: the fastest implementation available to the project, and the one the validator
//! uses through bergshamra. So the ratio measures the XML and SAML work alone. The summary also
//! prints OpenSSL's RSA-2048 verify figure from the same machine in the same run (`openssl speed`),
//! when the `openssl` program is there.
//! Run: `cargo bench -p studiogate-saml --features testkit --bench validation`.
//! After criterion's own report, prints a summary table (µs per validation and ratio to the floor).

use criterion::{criterion_group, Criterion};
use std::hint::black_box;
use std::time::{Duration, Instant};
use studiogate_kernel::clock::parse_instant;
use studiogate_saml::testkit::{self, ResponseSpec, Signing};
use studiogate_saml::SamlValidator;

struct Case {
    name: String,
    xml: String,
    /// RSA verifications a validation needs: one per signed element.
    signatures: usize,
}

fn now() -> time::OffsetDateTime {
    parse_instant("2026-03-01T12:00:00Z").unwrap()
}

fn validator() -> SamlValidator {
    testkit::validator()
}

/// Responses of about 4 KB and 8 KB, signed on the assertion or on both elements.
fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (signing, label) in [
        (Signing::Assertion, "assertion-signed"),
        (Signing::Both, "response+assertion-signed"),
    ] {
        for target in [4096usize, 8192] {
            let mut spec = ResponseSpec::aws(now());
            let mut xml = testkit::signed_response(&spec, signing, &testkit::IDP);
            while xml.len() < target {
                spec.padding_attributes += 1;
                xml = testkit::signed_response(&spec, signing, &testkit::IDP);
            }
            out.push(Case {
                name: format!("{label}/{}B", xml.len()),
                xml,
                signatures: if matches!(signing, Signing::Both) {
                    2
                } else {
                    1
                },
            });
        }
    }
    out
}

/// The floor's parts, built once: a signature over a SignedInfo-sized message with the test IdP's
/// key, and that key's public half as aws-lc-rs verifies it.
struct Floor {
    public: Vec<u8>,
    signature: Vec<u8>,
    message: Vec<u8>,
}

impl Floor {
    fn new() -> Self {
        use aws_lc_rs::{rand::SystemRandom, signature::KeyPair as _};
        let pkcs8 =
            &studiogate_saml::keys::pem_blocks(testkit::IDP.key_pem, "PRIVATE KEY").unwrap()[0];
        let pair = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(pkcs8).unwrap();
        let message = b"<ds:SignedInfo>canonical bytes of a typical SignedInfo, about two hundred bytes long, stand in here for the real thing</ds:SignedInfo>".to_vec();
        let mut signature = vec![0; pair.public_modulus_len()];
        pair.sign(
            &aws_lc_rs::signature::RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            &message,
            &mut signature,
        )
        .unwrap();
        Floor {
            public: pair.public_key().as_ref().to_vec(),
            signature,
            message,
        }
    }

    /// SHA-256 over `bytes` plus `verifies` RSA-2048 verifications.
    fn run(&self, bytes: &[u8], verifies: usize) {
        black_box(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, bytes));
        let key = aws_lc_rs::signature::UnparsedPublicKey::new(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            &self.public,
        );
        for _ in 0..verifies {
            key.verify(black_box(&self.message), &self.signature)
                .unwrap();
        }
    }
}

/// OpenSSL's RSA-2048 verify time in µs on this machine (`openssl speed`), if the program is there.
fn openssl_verify_micros() -> Option<f64> {
    let out = std::process::Command::new("openssl")
        .args(["speed", "-seconds", "2", "rsa2048"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    // "rsa 2048 bits 0.000254s 0.000016s   3941.3  61605.3": the last column is verifications/s.
    let line = text.lines().find(|l| l.starts_with("rsa 2048 bits"))?;
    let per_second: f64 = line.split_whitespace().last()?.parse().ok()?;
    Some(1e6 / per_second)
}

fn bench(c: &mut Criterion) {
    let validator = validator();
    let floor = Floor::new();
    let mut group = c.benchmark_group("validate");
    for case in cases() {
        assert!(
            validator.validate_document(&case.xml, now()).is_ok(),
            "{} must validate",
            case.name
        );
        group.bench_function(&case.name, |b| {
            b.iter(|| {
                validator
                    .validate_document(black_box(&case.xml), now())
                    .unwrap()
            })
        });
        group.bench_function(format!("floor/{}", case.name), |b| {
            b.iter(|| floor.run(black_box(case.xml.as_bytes()), case.signatures))
        });
    }
    group.finish();
}

/// Median µs of `f` over `rounds` rounds of `iterations` calls.
fn median_micros(rounds: usize, iterations: u32, mut f: impl FnMut()) -> f64 {
    let mut samples: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..iterations {
                f();
            }
            start.elapsed().as_secs_f64() * 1e6 / f64::from(iterations)
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// `short`: one call a figure, no OpenSSL (`cargo test` runs the bench so that it cannot rot; the
/// numbers, from a debug build, mean nothing).
fn summary(short: bool) {
    let validator = validator();
    let floor = Floor::new();
    let (rounds, calls) = if short { (1, 1) } else { (15, 200) };
    println!("\nsummary (median of {rounds} rounds x {calls} calls, one thread; parsing = the pre-scan and the DOM build, c14n = exclusive c14n of the whole document: parts of validate){}",
        if short { " (short mode: the numbers mean nothing)" } else { "" });
    println!(
        "{:<36} {:>12} {:>10} {:>7} {:>10} {:>10}",
        "case", "validate µs", "floor µs", "ratio", "parsing", "c14n"
    );
    let limits = studiogate_saml::Limits::default();
    for case in cases() {
        let validate = median_micros(rounds, calls, || {
            black_box(validator.validate_document(&case.xml, now()).unwrap());
        });
        let floor_us = median_micros(rounds, calls, || {
            floor.run(case.xml.as_bytes(), case.signatures)
        });
        // The hardened pre-scan and uppsala's DOM build, which the validation above starts with.
        let parsing = median_micros(rounds, calls, || {
            let prepared = studiogate_saml::prepare_document(&case.xml, &limits).unwrap();
            black_box(studiogate_saml::parse_document(&prepared, &limits).unwrap());
        });
        // Exclusive c14n of the whole parsed document into bytes: about what the assertion's
        // Reference costs bergshamra before its digest (the validation above does it once per
        // signed element, plus each small SignedInfo).
        let prepared = studiogate_saml::prepare_document(&case.xml, &limits).unwrap();
        let doc = studiogate_saml::parse_document(&prepared, &limits).unwrap();
        let c14n = median_micros(rounds, calls, || {
            black_box(
                bergshamra::c14n::exclusive::canonicalize(&doc, false, None, &[] as &[&str])
                    .unwrap(),
            );
        });
        println!(
            "{:<36} {:>12.1} {:>10.1} {:>6.2}x {:>10.1} {:>10.1}",
            case.name,
            validate,
            floor_us,
            validate / floor_us,
            parsing,
            c14n
        );
    }
    let one_verify = median_micros(rounds, calls, || floor.run(b"", 1));
    if short {
        return;
    }
    match openssl_verify_micros() {
        Some(openssl) => println!(
            "one RSA-2048 verify: aws-lc-rs {one_verify:.1} µs, OpenSSL {openssl:.1} µs (openssl speed)"
        ),
        None => println!("one RSA-2048 verify: aws-lc-rs {one_verify:.1} µs (no openssl program to compare)"),
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench
}

fn main() {
    // `cargo bench` passes --bench; `cargo test` runs the binary without it, and criterion then
    // runs each benchmark once.
    let short = !std::env::args().any(|a| a == "--bench");
    benches();
    Criterion::default().configure_from_args().final_summary();
    summary(short);
}
