//! The Rust harness for the local AWS emulator: one per test binary, ready when handed out, reset
//! and seeding work, stopped by PID. Tests that change the shared emulator take their turn first.

use studiogate_tests::emulator;

#[test]
fn starts_ready_in_seconds_and_seeds_the_default_world() {
    let _turn = emulator::turn();
    let aws = emulator::shared();
    eprintln!(
        "emulator ready in {:.1}s at {}",
        aws.started_in.as_secs_f64(),
        aws.endpoint()
    );
    assert!(
        aws.started_in.as_secs() < 30,
        "start-up took {:?}",
        aws.started_in
    );
    assert!(aws.endpoint().starts_with("http://127.0.0.1:"));
    aws.reset();
    let world = aws.seed_default_world();
    assert_eq!(
        world["saml_providers"]["studiogate-test-idp"],
        "arn:aws:iam::123456789012:saml-provider/studiogate-test-idp"
    );
    assert!(world["sagemaker_domains"]["ml"]["id"]
        .as_str()
        .unwrap()
        .starts_with("d-"));
    assert_eq!(world["emr_studios"]["iam"]["auth_mode"], "IAM");
    assert_eq!(world["emr_studios"]["idc"]["auth_mode"], "SSO");
    assert_eq!(world["dynamodb_tables"][0], "studiogate-replay");
    assert_eq!(world["lifecycle_configs"].as_object().unwrap().len(), 2);
}

#[test]
fn faults_and_the_call_log_are_reachable() {
    let _turn = emulator::turn();
    let aws = emulator::shared();
    aws.fault("sagemaker:DescribeUserProfile", "throttle", Some(1));
    let faults = aws.control("GET", "/faults", None).unwrap();
    assert_eq!(faults["sagemaker:DescribeUserProfile"]["kind"], "throttle");
    aws.control("DELETE", "/faults", None).unwrap();
    assert!(aws.calls().iter().all(|c| c["operation"].is_string()));
}

#[test]
fn a_second_emulator_can_be_started_and_stopped_by_pid() {
    let own = emulator::Emulator::start().expect("second emulator");
    assert_ne!(own.endpoint(), emulator::shared().endpoint());
    let host = own.endpoint().trim_start_matches("http://").to_owned();
    own.stop();
    assert!(
        std::net::TcpStream::connect(host).is_err(),
        "stopped emulator still answers"
    );
}
