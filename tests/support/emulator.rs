//! The local AWS emulator (tests/emulator) for Rust tests: started once per test binary, ready
//! (every service warmed) before the first test uses it, stopped by PID. It enforces IAM with the
//! stack's own policies, so a test says whom it plays: a function (its role's credentials, and for
//! presign the VPC's interface endpoints), the operator (test setup), or a federated user.
//!
//! ```no_run
//! let world = studiogate_tests::emulator::exclusive_world();   // reset, seeded, acting as presign
//! world.act_as(studiogate_tests::emulator::Function::SamlValidator);
//! ```

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A running emulator.
pub struct Emulator {
    child: Mutex<Child>,
    endpoint: String,
    host_port: String,
    /// How long start-up (including warming every service) took.
    pub started_in: Duration,
}

static SHARED: OnceLock<Emulator> = OnceLock::new();
static TURN: Mutex<()> = Mutex::new(());

/// The operator's access key: the account's administrator, for test setup (authorized like anyone).
pub const OPERATOR_KEY: &str = "AKIAEMULATOROPERATOR";

/// A function of the stack, as a test plays it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// saml-validator: outside the VPC, its own role.
    SamlValidator,
    /// presign: in the VPC (SageMaker, STS, SSM and KMS through their interface endpoints), its own role.
    Presign,
    /// offboard: outside the VPC, its own role.
    Offboard,
}

impl Function {
    fn name(self) -> &'static str {
        match self {
            Function::SamlValidator => "saml-validator",
            Function::Presign => "presign",
            Function::Offboard => "offboard",
        }
    }
}

/// The services presign reaches through the VPC's interface endpoints, by the SDK's variable suffix.
const VPC_ENDPOINTS: [(&str, &str); 5] = [
    ("SAGEMAKER", "sagemaker.api"),
    ("STS", "sts"),
    ("SSM", "ssm"),
    ("KMS", "kms"),
    // The gateway endpoint: presign spends each request's seal in the replay table through it.
    ("DYNAMODB", "dynamodb"),
];

/// One test's exclusive use of the shared emulator: reset, seeded with the default world, and the
/// standard AWS variables pointing at it as a function runs (presign unless the test says otherwise).
pub struct World {
    /// The emulator.
    pub aws: &'static Emulator,
    /// What seeding created.
    pub seeded: Value,
    _turn: std::sync::MutexGuard<'static, ()>,
}

/// `tests/emulator/worlds/default.json`, paths made absolute, for a test to change and seed
/// (`World::reseed`).
pub fn default_world() -> Value {
    let path = crate::workspace_root().join("tests/emulator/worlds/default.json");
    let mut world: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("world file"))
            .expect("world JSON");
    let cert = crate::workspace_root().join("testdata/keys/idp-cert.pem");
    world["saml_providers"][0]["certificate_file"] = Value::from(cert.display().to_string());
    world
}

/// This test's turn at the shared emulator: no other test of the binary resets, seeds or faults
/// it until the guard drops.
pub fn turn() -> std::sync::MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Waits for the emulator, then resets and seeds it for this test alone.
pub fn exclusive_world() -> World {
    let turn = turn();
    let aws = shared();
    aws.reset();
    aws.control(
        "POST",
        "/config",
        Some(&serde_json::json!({"transition_seconds": 0.3})),
    )
    .expect("config");
    let world = World {
        aws,
        seeded: aws.seed_default_world(),
        _turn: turn,
    };
    world.act_as(Function::Presign);
    world
}

impl World {
    /// Resets the emulator and seeds `world` instead of the default one (still this test's turn).
    pub fn reseed(&mut self, world: Value) {
        self.aws.reset();
        self.seeded = self.aws.seed(world);
    }

    /// The stack's ACS URL (its `AcsUrl` output): where IdPs post, and the Recipient its user role
    /// trusts.
    pub fn acs_url(&self) -> String {
        self.seeded["stack"]["outputs"]["AcsUrl"]
            .as_str()
            .expect("the seeded stack's AcsUrl output")
            .to_owned()
    }

    /// Points the standard AWS variables at the emulator as `function` runs in the stack: its
    /// role's credentials; presign reaches SageMaker, STS, SSM and KMS through the interface
    /// endpoints (as private DNS makes it in the VPC) and DynamoDB through the gateway endpoint,
    /// saml-validator everything directly. Clients
    /// built after this call (`studiogate_aws::sdk_config`) sign as that function.
    pub fn act_as(&self, function: Function) {
        let credentials = &self.seeded["function_credentials"][function.name()];
        let field = |name: &str| credentials[name].as_str().expect("function credentials");
        std::env::set_var("AWS_ENDPOINT_URL", self.aws.endpoint());
        std::env::set_var("AWS_ACCESS_KEY_ID", field("access_key_id"));
        std::env::set_var("AWS_SECRET_ACCESS_KEY", field("secret_access_key"));
        std::env::set_var("AWS_SESSION_TOKEN", field("session_token"));
        std::env::set_var("AWS_REGION", "us-east-1");
        for (suffix, endpoint) in VPC_ENDPOINTS {
            let variable = format!("AWS_ENDPOINT_URL_{suffix}");
            match function {
                Function::Presign => std::env::set_var(&variable, self.endpoint(endpoint)),
                Function::SamlValidator | Function::Offboard => std::env::remove_var(&variable),
            }
        }
    }

    /// The URL of an interface endpoint's listener (`sagemaker.api`, `sts`, `ssm`, `kms`).
    pub fn endpoint(&self, service: &str) -> String {
        self.seeded["endpoints"][service]
            .as_str()
            .unwrap_or_else(|| panic!("the stack has a {service} interface endpoint"))
            .to_owned()
    }

    /// An SDK configuration signing as the operator (test setup and inspection), on the internet.
    pub async fn operator(&self) -> aws_config::SdkConfig {
        self.signing_as(aws_credential_types::Credentials::new(
            OPERATOR_KEY,
            "operator-secret",
            None,
            None,
            "operator",
        ))
        .await
    }

    /// An SDK configuration signing with `credentials` through the main ("internet") listener.
    pub async fn signing_as(
        &self,
        credentials: aws_credential_types::Credentials,
    ) -> aws_config::SdkConfig {
        // An endpoint set in code wins over the service variables `act_as` sets.
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region("us-east-1")
            .endpoint_url(self.aws.endpoint())
            .credentials_provider(credentials)
            .load()
            .await
    }

    /// `function`'s role credentials, for a client of its own (`signing_as`).
    pub fn credentials_of(&self, function: Function) -> aws_credential_types::Credentials {
        let credentials = &self.seeded["function_credentials"][function.name()];
        let field = |name: &str| credentials[name].as_str().expect("function credentials");
        aws_credential_types::Credentials::new(
            field("access_key_id"),
            field("secret_access_key"),
            Some(field("session_token").to_owned()),
            None,
            "function",
        )
    }
}

/// The emulator of this test binary, started on first use.
pub fn shared() -> &'static Emulator {
    SHARED.get_or_init(|| {
        Emulator::start().unwrap_or_else(|e| panic!("cannot start the AWS emulator: {e}"))
    })
}

fn python() -> std::path::PathBuf {
    let venv = crate::workspace_root().join(".venv/bin/python");
    if venv.exists() {
        venv
    } else {
        "python3".into()
    }
}

impl Emulator {
    /// Starts a new emulator on a free loopback port and waits until it is ready.
    pub fn start() -> Result<Self, String> {
        let started = Instant::now();
        let mut child = Command::new(python())
            .args([
                "-m",
                "studiogate_emulator",
                "serve",
                "--parent-pid",
                &std::process::id().to_string(),
            ])
            .current_dir(crate::workspace_root().join("tests/emulator"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("spawn {}: {e} (run ./scripts/setup.sh)", python().display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(endpoint) = line.strip_prefix("EMULATOR_ENDPOINT=") {
                    let _ = sender.send(endpoint.to_owned());
                }
            }
        });
        let endpoint = match receiver.recv_timeout(Duration::from_secs(60)) {
            Ok(endpoint) => endpoint,
            Err(_) => {
                let _ = child.kill();
                return Err("no EMULATOR_ENDPOINT line within 60 s".into());
            }
        };
        let host_port = endpoint.trim_start_matches("http://").to_owned();
        let emulator = Emulator {
            child: Mutex::new(child),
            endpoint,
            host_port,
            started_in: started.elapsed(),
        };
        let health = emulator.control("GET", "/health", None)?;
        if health["ok"] != true {
            return Err(format!("unhealthy: {health}"));
        }
        Ok(emulator)
    }

    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The console federation endpoint.
    pub fn federation_url(&self) -> String {
        format!("{}/federation", self.endpoint)
    }

    /// Clears every service's state, the faults and the call log.
    pub fn reset(&self) {
        self.control("POST", "/reset", None).expect("reset");
    }

    /// Seeds `tests/emulator/worlds/default.json` and returns what was created.
    pub fn seed_default_world(&self) -> Value {
        self.seed(default_world())
    }

    /// Seeds a world description (`default_world()` changed, say) and returns what was created.
    pub fn seed(&self, world: Value) -> Value {
        self.control("POST", "/seed", Some(&world)).expect("seed")
    }

    /// Sets a fault, e.g. `("sagemaker:CreatePresignedDomainUrl", "throttle", Some(2))`.
    pub fn fault(&self, operation: &str, kind: &str, count: Option<u32>) {
        let body = serde_json::json!({"operation": operation, "kind": kind, "count": count});
        self.control("POST", "/faults", Some(&body)).expect("fault");
    }

    /// What the emulator knows of a presigned domain URL (domain, profile, session, signer...).
    pub fn resolve_presigned(&self, url: &str) -> Value {
        self.control(
            "GET",
            &format!("/sagemaker/presigned?url={}", url.replace('&', "%26")),
            None,
        )
        .expect("a presigned URL the emulator issued")
    }

    /// The call log.
    pub fn calls(&self) -> Vec<Value> {
        match self.control("GET", "/calls", None).expect("calls") {
            Value::Array(calls) => calls,
            other => panic!("calls: {other}"),
        }
    }

    /// A control API request (`/_emulator` + `path`), returning the JSON answer.
    pub fn control(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let request = format!(
            "{method} /_emulator{path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.host_port,
            body.len()
        );
        let mut stream = TcpStream::connect(&self.host_port).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .map_err(|e| e.to_string())?;
        stream
            .write_all(request.as_bytes())
            .map_err(|e| e.to_string())?;
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .map_err(|e| e.to_string())?;
        let (head, payload) = response
            .split_once("\r\n\r\n")
            .ok_or("malformed HTTP answer")?;
        let status = head.split_whitespace().nth(1).unwrap_or("0");
        let payload = decode_chunked(head, payload);
        let value: Value =
            serde_json::from_str(&payload).map_err(|e| format!("{status}: {e}: {payload}"))?;
        if status.starts_with('2') {
            Ok(value)
        } else {
            Err(format!("{method} {path}: HTTP {status}: {value}"))
        }
    }

    /// Stops the emulator (also happens when the test process exits).
    pub fn stop(&self) {
        if let Ok(mut child) = self.child.lock() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}

fn decode_chunked(head: &str, payload: &str) -> String {
    if !head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return payload.to_owned();
    }
    let mut out = String::new();
    let mut rest = payload;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 || tail.len() < size {
            break;
        }
        out.push_str(&tail[..size]);
        rest = tail[size..].trim_start_matches("\r\n");
    }
    out
}
