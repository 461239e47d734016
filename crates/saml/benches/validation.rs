//! Validation cost versus the floor it cannot beat: SHA-256 over the same bytes plus one RSA-2048
//! PKCS#1 v1.5 verify, both with the same crypto backend the validator uses (bergshamra's), so the
//! ratio measures our SAML layer and XML work, not a difference between RSA libraries.
//! Run: `cargo bench -p studiogate-saml --features testkit`.
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
            });
        }
    }
    out
}

const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

struct Floor {
    algorithm: Box<dyn bergshamra::crypto::sign::SignatureAlgorithm>,
    public: bergshamra::crypto::sign::SigningKey,
    signature: Vec<u8>,
    message: Vec<u8>,
}

impl Floor {
    fn new() -> Self {
        let algorithm = bergshamra::crypto::sign::from_uri(RSA_SHA256).unwrap();
        let private =
            bergshamra::keys::loader::load_pem_auto(testkit::IDP.key_pem.as_bytes(), None).unwrap();
        let private = private.software_key().unwrap().unwrap();
        let message = b"<ds:SignedInfo>canonical bytes of a typical SignedInfo, about two hundred bytes long, stand in here for the real thing</ds:SignedInfo>".to_vec();
        let signature = algorithm.sign(&private, &message).unwrap();
        let public =
            bergshamra::keys::loader::load_x509_cert_pem(testkit::IDP.cert_pem.as_bytes()).unwrap();
        Floor {
            algorithm,
            public: public.software_key().unwrap().unwrap(),
            signature,
            message,
        }
    }

    /// SHA-256 over `bytes` plus one RSA-2048 verify.
    fn run(&self, bytes: &[u8]) {
        black_box(bergshamra::crypto::digest::digest(SHA256, bytes).unwrap());
        assert!(self
            .algorithm
            .verify(&self.public, &self.message, &self.signature)
            .unwrap());
    }
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
            b.iter(|| floor.run(black_box(case.xml.as_bytes())))
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

fn summary() {
    let validator = validator();
    let floor = Floor::new();
    println!("\nsummary (median of 15 rounds x 200 calls, one thread)");
    println!(
        "{:<36} {:>12} {:>10} {:>7}",
        "case", "validate µs", "floor µs", "ratio"
    );
    for case in cases() {
        let validate = median_micros(15, 200, || {
            black_box(validator.validate_document(&case.xml, now()).unwrap());
        });
        let floor_us = median_micros(15, 200, || floor.run(case.xml.as_bytes()));
        println!(
            "{:<36} {:>12.1} {:>10.1} {:>6.2}x",
            case.name,
            validate,
            floor_us,
            validate / floor_us
        );
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3)).warm_up_time(Duration::from_secs(1));
    targets = bench
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    summary();
}
