//! What one AWS call costs in CPU through aws-sdk-rust, configured as the functions configure it
//! ([`studiogate_aws::sdk_config`]: the one shared HTTPS client, the SDK's retries off), against
//! the floor of the same round trip without the SDK: the request's bytes written to a kept-alive
//! loopback connection on the same Tokio runtime and the answer read back.
//!
//! A warm login makes ten AWS calls (BENCHMARKS.md, "Login: studiogate against the Python way");
//! this bench says how much of its CPU the SDK itself takes, apart from everything else a function
//! does. The server is a thread of this process answering canned bodies with a Content-Length on
//! kept-alive connections (as AWS's endpoints keep them); only the calling thread's CPU is counted
//! (`/proc/thread-self/schedstat`: its on-CPU time, kernel included), so the server's work is not.
//!
//! Beside them, in the same run, levers: stalled-stream protection off; the user's calls made
//! on a client built for each (as presign made them until 2026-12-03) rather than as a call's
//! configuration override on one client (as `SdkSts` and `SdkSageMaker` make them now); and the
//! same PutItem without the SDK's orchestrator (signed by the SDK's own signer, sent by its own
//! HTTP stack), which is what a hand-written client for the login's calls would cost at least.
//! The kinds of call are interleaved, round after round, so a shared machine's drift falls on all
//! alike.
//!
//! Run: `cargo bench -p studiogate-aws --bench sdk_call` (prints a table). `cargo test` runs it
//! once in a short mode, so that it cannot rot; those numbers (a debug build) mean nothing.

use aws_config::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::{connect::HttpConnector, Client as HyperClient};
use std::future::Future;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::pin::Pin;
use std::time::Instant;
use studiogate_kernel::wire::FederatedCredentials;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const STS_XML: &str = r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:sts::123456789012:assumed-role/StudioUser/alice@example.com</Arn><UserId>AROAEXAMPLE:alice@example.com</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>0c2f7a6e-5e0b-4d0e-9f0e-2b1f3f1a1a1a</RequestId></ResponseMetadata></GetCallerIdentityResponse>"#;
const DESCRIBE_JSON: &str = r#"{"DomainId":"d-abcdefghijkl","UserProfileArn":"arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-abcdefghijkl/alice","UserProfileName":"alice","Status":"InService","HomeEfsFileSystemUid":"200001","CreationTime":1.7e9,"LastModifiedTime":1.7e9,"UserSettings":{"ExecutionRole":"arn:aws:iam::123456789012:role/StudioExecution"}}"#;

/// The answer to one request: STS speaks the query protocol (XML), the JSON services name their
/// operation in X-Amz-Target.
fn answer(target: Option<&str>) -> (&'static str, &'static str) {
    match target {
        Some(t) if t.starts_with("DynamoDB_") => ("application/x-amz-json-1.0", "{}"),
        Some(t) if t.starts_with("SageMaker.") => ("application/x-amz-json-1.1", DESCRIBE_JSON),
        Some(_) => ("application/x-amz-json-1.1", "{}"),
        None => ("text/xml", STS_XML),
    }
}

fn serve_connection(stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let (mut length, mut target) = (0usize, None);
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').unwrap_or((header, ""));
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.trim().parse().unwrap_or(0),
                "x-amz-target" => target = Some(value.trim().to_owned()),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let (content_type, answer) = answer(target.as_deref());
        // One write, as a server answers a small call.
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nx-amzn-RequestId: 0c2f7a6e\r\nContent-Length: {}\r\n\r\n{answer}",
            answer.len()
        );
        writer.write_all(response.as_bytes())?;
    }
}

/// A loopback server on a thread of its own; returns its URL.
fn serve() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve_connection(stream));
        }
    });
    url
}

/// The calling thread's on-CPU time so far, in nanoseconds (user and kernel).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .expect("/proc/thread-self/schedstat (Linux)")
}

/// One kind of call, made again and again.
type Call<'a> = Box<dyn FnMut() -> Pin<Box<dyn Future<Output = ()> + 'a>> + 'a>;

struct Row {
    name: &'static str,
    cpu_us: f64,
    wall_us: f64,
}

/// Makes each call `warmup` times, then measures them in `rounds` rounds, each call `per_round`
/// times a round, one after another: a shared machine's drift falls on every call alike. Each row
/// is the median round's CPU and wall time per call.
async fn measure(
    calls: &mut [(&'static str, Call<'_>)],
    warmup: usize,
    rounds: usize,
    per_round: usize,
) -> Vec<Row> {
    for (_, call) in calls.iter_mut() {
        for _ in 0..warmup {
            call().await;
        }
    }
    let mut samples = vec![(Vec::new(), Vec::new()); calls.len()];
    for _ in 0..rounds {
        for ((_, call), (cpu_samples, wall_samples)) in calls.iter_mut().zip(&mut samples) {
            let (cpu, wall) = (thread_cpu_ns(), Instant::now());
            for _ in 0..per_round {
                call().await;
            }
            cpu_samples.push((thread_cpu_ns() - cpu) as f64 / per_round as f64 / 1e3);
            wall_samples.push(wall.elapsed().as_secs_f64() * 1e6 / per_round as f64);
        }
    }
    let median = |mut values: Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    calls
        .iter()
        .zip(samples)
        .map(|((name, _), (cpu, wall))| Row {
            name,
            cpu_us: median(cpu),
            wall_us: median(wall),
        })
        .collect()
}

/// The PutItem of the replay ledger, as saml-validator makes it.
fn put_item(
    client: &aws_sdk_dynamodb::Client,
) -> aws_sdk_dynamodb::operation::put_item::builders::PutItemFluentBuilder {
    use aws_sdk_dynamodb::types::AttributeValue;
    client
        .put_item()
        .table_name("studiogate-replay")
        .item(
            "pk",
            AttributeValue::S("assertion#_0c2f7a6e5e0b4d0e9f0e2b1f3f1a1a1a".into()),
        )
        .item("ttl", AttributeValue::N("1796288518".into()))
        .condition_expression("attribute_not_exists(pk)")
}

/// A PutItem without the SDK's orchestrator: the body serialised with serde_json, the request
/// signed with aws-sigv4 (the SDK's SigV4 signer, the same settings), sent by hyper-util's pooled
/// client (the stack the SDK's HTTP client is built on), the answer read whole and parsed. A
/// hand-written client would need more (retry classification, error parsing, credential
/// refresh); this is its least cost.
async fn put_item_without_orchestrator(
    client: &HyperClient<HttpConnector, Full<Bytes>>,
    url: &str,
    identity: &Identity,
) {
    let body = serde_json::to_vec(&serde_json::json!({
        "TableName": "studiogate-replay",
        "Item": {
            "pk": {"S": "assertion#_0c2f7a6e5e0b4d0e9f0e2b1f3f1a1a1a"},
            "ttl": {"N": "1796288518"},
        },
        "ConditionExpression": "attribute_not_exists(pk)",
    }))
    .expect("serialised");
    let mut request = http::Request::builder()
        .method("POST")
        .uri(url)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", "DynamoDB_20120810.PutItem")
        .header("content-length", body.len())
        .body(())
        .expect("a request");
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(identity)
        .region("us-east-1")
        .name("dynamodb")
        .time(std::time::SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .expect("signing parameters")
        .into();
    let signable = SignableRequest::new(
        "POST",
        url,
        request
            .headers()
            .iter()
            .map(|(name, value)| (name.as_str(), value.to_str().expect("ASCII"))),
        SignableBody::Bytes(&body),
    )
    .expect("signable");
    let (instructions, _signature) = sign(signable, &params).expect("signed").into_parts();
    instructions.apply_to_request_http1x(&mut request);
    let response = client
        .request(request.map(|()| Full::new(Bytes::from(body))))
        .await
        .expect("answered");
    assert!(response.status().is_success());
    let answer = response
        .into_body()
        .collect()
        .await
        .expect("read")
        .to_bytes();
    let _: serde_json::Value = serde_json::from_slice(&answer).expect("JSON");
}

/// The floor: one request's bytes (a DynamoDB PutItem as the SDK sends it, signed headers
/// included) written on a kept-alive connection, the whole answer read back.
async fn raw_round_trip(stream: &mut tokio::net::TcpStream, request: &[u8], buffer: &mut Vec<u8>) {
    stream.write_all(request).await.expect("written");
    buffer.clear();
    loop {
        let mut chunk = [0u8; 4096];
        let read = stream.read(&mut chunk).await.expect("read");
        assert!(read > 0, "the server closed the connection");
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(head_end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buffer[..head_end]).expect("an ASCII head");
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .and_then(|v| v.parse().ok())
                .expect("a Content-Length");
            if buffer.len() >= head_end + 4 + length {
                return;
            }
        }
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test` runs the binary with no such argument.
    let short = !std::env::args().any(|a| a == "--bench");
    let (warmup, rounds, per_round) = if short { (2, 1, 5) } else { (500, 20, 250) };
    let url = serve();
    for (name, value) in [
        ("AWS_ENDPOINT_URL", url.as_str()),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
        (
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ] {
        // Before any other thread reads the environment: only the server's thread runs, and it
        // reads none.
        std::env::set_var(name, value);
    }
    // The functions' runtime: one thread (lambda_runtime on a current-thread Tokio runtime).
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let rows = runtime.block_on(async {
        let config = &studiogate_aws::sdk_config().await;
        let dynamodb = &aws_sdk_dynamodb::Client::new(config);
        let sagemaker = &aws_sdk_sagemaker::Client::new(config);
        let sts = &aws_sdk_sts::Client::new(config);
        let caller = &studiogate_aws::sts::SdkSts::new(config);
        let user = &FederatedCredentials {
            access_key_id: "ASIAEXAMPLEUSER".into(),
            secret_access_key: "user-secret".into(),
            session_token: "user-session-token".into(),
            expiration: "2026-12-03T10:00:00Z".into(),
        };
        // Levers, measured beside the functions' configuration in the same run.
        let dynamodb_unguarded = &aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::config::Builder::from(config)
                .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
                .build(),
        );
        let user_credentials = &studiogate_aws::user_credentials(user);
        let hyper_client = &HyperClient::builder(hyper_util::rt::TokioExecutor::new())
            .build(HttpConnector::new());
        let identity = &Identity::from(aws_credential_types::Credentials::new(
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            Some("token".into()),
            None,
            "sdk_call",
        ));
        let url = url.as_str();
        let address = url.trim_start_matches("http://").to_owned();
        let stream = tokio::net::TcpStream::connect(&address)
            .await
            .expect("connected");
        stream.set_nodelay(true).expect("nodelay");
        let body = r#"{"TableName":"studiogate-replay","Item":{"pk":{"S":"assertion#_0c2f7a6e5e0b4d0e9f0e2b1f3f1a1a1a"},"ttl":{"N":"1796288518"}},"ConditionExpression":"attribute_not_exists(pk)"}"#;
        let request = &format!(
            "POST / HTTP/1.1\r\nhost: {address}\r\ncontent-type: application/x-amz-json-1.0\r\nx-amz-target: DynamoDB_20120810.PutItem\r\nx-amz-date: 20261203T090000Z\r\nx-amz-security-token: token\r\nauthorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261203/us-east-1/dynamodb/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-target, Signature=6b2f1e0d6b2f1e0d6b2f1e0d6b2f1e0d6b2f1e0d6b2f1e0d6b2f1e0d6b2f1e0d\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        // One connection and one buffer, used by one call at a time.
        let connection = &tokio::sync::Mutex::new((stream, Vec::with_capacity(4096)));
        let mut calls: Vec<(&'static str, Call<'_>)> = vec![
            (
                "DynamoDB PutItem (JSON 1.0)",
                Box::new(move || Box::pin(async move {
                    put_item(dynamodb).send().await.expect("PutItem answered");
                })),
            ),
            (
                "DynamoDB PutItem, stalled-stream protection off",
                Box::new(move || Box::pin(async move {
                    put_item(dynamodb_unguarded).send().await.expect("PutItem answered");
                })),
            ),
            (
                "SageMaker DescribeUserProfile (JSON 1.1)",
                Box::new(move || Box::pin(async move {
                    sagemaker
                        .describe_user_profile()
                        .domain_id("d-abcdefghijkl")
                        .user_profile_name("alice")
                        .send()
                        .await
                        .expect("DescribeUserProfile answered");
                })),
            ),
            (
                "STS GetCallerIdentity (query, XML)",
                Box::new(move || Box::pin(async move {
                    sts.get_caller_identity().send().await.expect("GetCallerIdentity answered");
                })),
            ),
            (
                "STS GetCallerIdentity, a client built for the user's call",
                Box::new(move || Box::pin(async move {
                    let config = aws_sdk_sts::config::Builder::from(config)
                        .credentials_provider(user_credentials.clone())
                        .build();
                    aws_sdk_sts::Client::from_conf(config)
                        .get_caller_identity()
                        .send()
                        .await
                        .expect("GetCallerIdentity answered");
                })),
            ),
            (
                "STS GetCallerIdentity, the user's call as presign makes it",
                Box::new(move || Box::pin(async move {
                    use studiogate::provision::CallerIdentity as _;
                    caller.caller_arn(user).await.expect("an ARN");
                })),
            ),
            (
                "DynamoDB PutItem without the SDK's orchestrator",
                Box::new(move || Box::pin(async move {
                    put_item_without_orchestrator(hyper_client, url, identity).await
                })),
            ),
            (
                "floor: the same round trip without the SDK",
                Box::new(move || Box::pin(async move {
                    let mut held = connection.lock().await;
                    let (stream, buffer) = &mut *held;
                    raw_round_trip(stream, request.as_bytes(), buffer).await
                })),
            ),
        ];
        measure(&mut calls, warmup, rounds, per_round).await
    });
    println!(
        "sdk_call: {rounds} rounds of {per_round} calls of each kind, interleaved, after {warmup} warm-up; the median round; one thread, CPU = the thread's on-CPU time{}",
        if short { " (short mode: the numbers mean nothing)" } else { "" }
    );
    println!("{:58} {:>12} {:>12}", "call", "CPU µs", "wall µs");
    for row in &rows {
        println!("{:58} {:>12.1} {:>12.1}", row.name, row.cpu_us, row.wall_us);
    }
}
