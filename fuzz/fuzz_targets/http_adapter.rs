//! The Lambda HTTP adapter: invocation events of every shape the ACS can sit behind (function URL and
//! HTTP API payload 2.0, REST API payload 1.0, ALB), built from structured input the way those front
//! doors deliver them (a valid host, header values that are HTTP header values, a body that is base64
//! when flagged), parsed by lambda_http and answered by saml-validator's `respond` over test doubles.
//! Methods, paths, queries, headers, content types, form fields and the body are the fuzzer's; one
//! body kind is a genuinely signed login with a fuzzed RelayState and an optional flipped byte.
//!
//! Nothing may panic; no answer may be a 5xx but the one "unavailable" page; every page is
//! `no-store`; no page echoes the SAMLResponse. Raw, malformed event JSON is not generated: it only
//! reaches lambda_http's own parser panics (RELIABILITY.md, F3 and F4), which a front door never
//! sends and which `tests/lambda` pins at the runtime boundary.
#![no_main]

use arbitrary::Arbitrary;
use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Map, Value};
use std::sync::LazyLock;
use studiogate::config::BrokerConfig;
use studiogate::login::replay::InMemoryReplayCache;
use studiogate::testkit::{fake_broker, FakeLoginPorts, ScriptedSts};
use studiogate::web::Broker;
use studiogate_saml::testkit::{self, ResponseSpec, Signing};

static BROKER: LazyLock<Broker<FakeLoginPorts>> = LazyLock::new(|| {
    let text = testkit::broker_toml(
        r#"
[login]
presign_function = "presign"
replay_in_memory = true
allowed_roles = ["arn:aws:iam::111122223333:role/StudioUser"]
[presign]
seal_key = "alias/seal"
[targets.ml]
kind = "sagemaker"
display_name = "ML"
domain_id = "d-1"
default = { execution_role = "arn:aws:iam::111122223333:role/Exec" }
"#,
    );
    let config = BrokerConfig::from_toml(&text, None).expect("fuzz configuration");
    fake_broker(
        &config,
        InMemoryReplayCache::default(),
        ScriptedSts::alice("111122223333"),
        "https://d-1.studio.us-east-1.sagemaker.aws/auth?token=x",
        studiogate_fuzz::now(),
    )
});

/// alice's response, signed by the pinned IdP key, base64 as the POST binding carries it.
static SIGNED_LOGIN: LazyLock<String> = LazyLock::new(|| {
    let spec = ResponseSpec::aws(studiogate_fuzz::now());
    testkit::encode(&testkit::signed_response(
        &spec,
        Signing::Assertion,
        &testkit::IDP,
    ))
});

#[derive(Arbitrary, Debug)]
enum Shape {
    FunctionUrl,
    HttpApi,
    RestApi,
    Alb,
}

#[derive(Arbitrary, Debug)]
enum Method {
    Get,
    Post,
    Head,
    Put,
    Options,
    Other(String),
}

#[derive(Arbitrary, Debug)]
enum Path {
    Acs,
    Healthz,
    Metadata,
    Root,
    Other(String),
}

#[derive(Arbitrary, Debug)]
enum ContentType {
    Form,
    FormWithCharset,
    Json,
    Multipart,
    Other(String),
}

#[derive(Arbitrary, Debug)]
enum Body {
    Empty,
    Raw(Vec<u8>),
    Form(Vec<(String, String)>),
    /// The signed login, then `extra` fields; a byte of the SAMLResponse flipped when `flip` is set.
    Login {
        relay_state: Option<String>,
        flip: Option<(u16, u8)>,
        extra: Vec<(String, String)>,
    },
}

#[derive(Arbitrary, Debug)]
struct Event {
    shape: Shape,
    host: u8,
    method: Method,
    path: Path,
    query: Vec<(String, String)>,
    headers: Vec<(String, String)>,
    cookies: Vec<String>,
    content_type: Option<ContentType>,
    body: Body,
    base64: bool,
}

const HOSTS: [&str; 4] = [
    "a1b2c3d4e5f6g7h8i9j0k1l2m3.lambda-url.us-east-1.on.aws",
    "k3x9q2w7p1.execute-api.us-east-1.amazonaws.com",
    "sso.example.test",
    "localhost:9000",
];

/// What an HTTP header value may hold (visible ASCII and space): what a front door passes on.
fn header_value(text: &str) -> String {
    text.chars().filter(|c| (' '..='~').contains(c)).collect()
}

/// A header name: an HTTP token, lower case as payload 2.0 has it.
fn header_name(text: &str) -> String {
    let name: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect::<String>()
        .to_ascii_lowercase();
    if name.is_empty() {
        "x-fuzz".into()
    } else {
        name
    }
}

/// A urlencoded form, as a browser (and the test kit's `post_body`) encodes one.
fn form(fields: &[(String, String)]) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        form.append_pair(name, value);
    }
    form.finish()
}

impl Event {
    fn method(&self) -> String {
        match &self.method {
            Method::Get => "GET".into(),
            Method::Post => "POST".into(),
            Method::Head => "HEAD".into(),
            Method::Put => "PUT".into(),
            Method::Options => "OPTIONS".into(),
            Method::Other(text) => {
                let token: String = text.chars().filter(char::is_ascii_uppercase).collect();
                if token.is_empty() {
                    "PATCH".into()
                } else {
                    token
                }
            }
        }
    }

    fn path(&self) -> String {
        match &self.path {
            Path::Acs => "/saml/acs".into(),
            Path::Healthz => "/healthz".into(),
            Path::Metadata => "/saml/metadata".into(),
            Path::Root => "/".into(),
            Path::Other(text) => {
                let segments: String = text
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric() || "/-._~%".contains(*c))
                    .collect();
                format!("/{}", segments.trim_start_matches('/'))
            }
        }
    }

    /// The body bytes the client sent (before any base64 of the front door).
    fn body_bytes(&self) -> Option<Vec<u8>> {
        match &self.body {
            Body::Empty => None,
            Body::Raw(bytes) => Some(bytes.clone()),
            Body::Form(fields) => Some(form(fields).into_bytes()),
            Body::Login {
                relay_state,
                flip,
                extra,
            } => {
                let mut response = SIGNED_LOGIN.clone().into_bytes();
                if let Some((at, xor)) = flip {
                    let at = usize::from(*at) % response.len();
                    response[at] ^= xor | 1;
                }
                let mut fields = vec![(
                    "SAMLResponse".to_string(),
                    String::from_utf8_lossy(&response).into_owned(),
                )];
                fields.extend(relay_state.iter().map(|r| ("RelayState".into(), r.clone())));
                fields.extend(extra.iter().cloned());
                Some(form(&fields).into_bytes())
            }
        }
    }

    fn headers(&self) -> Map<String, Value> {
        let mut headers = Map::new();
        headers.insert(
            "host".into(),
            HOSTS[usize::from(self.host) % HOSTS.len()].into(),
        );
        for (name, value) in &self.headers {
            let name = header_name(name);
            // The host is the front door's own domain (F4, F6: lambda_http panics on one that is not
            // a domain name or URI authority); it is chosen above, never fuzzed.
            if name != "host" {
                headers.insert(name, header_value(value).into());
            }
        }
        if let Some(content_type) = &self.content_type {
            let value = match content_type {
                ContentType::Form => "application/x-www-form-urlencoded".into(),
                ContentType::FormWithCharset => {
                    "application/x-www-form-urlencoded; charset=UTF-8".into()
                }
                ContentType::Json => "application/json".into(),
                ContentType::Multipart => "multipart/form-data; boundary=x".into(),
                ContentType::Other(text) => header_value(text),
            };
            headers.insert("content-type".into(), value.into());
        }
        headers
    }

    /// The event JSON the front door would hand the function.
    fn to_json(&self) -> String {
        let method = self.method();
        let path = self.path();
        let headers = self.headers();
        let host = headers["host"].clone();
        let query: Vec<(String, String)> = self
            .query
            .iter()
            .map(|(k, v)| (header_value(k), header_value(v)))
            .collect();
        let (body, is_base64) = match self.body_bytes() {
            None => (Value::Null, false),
            Some(bytes) if self.base64 || std::str::from_utf8(&bytes).is_err() => (
                base64::engine::general_purpose::STANDARD
                    .encode(bytes)
                    .into(),
                true,
            ),
            Some(bytes) => (String::from_utf8(bytes).expect("checked").into(), false),
        };
        let single_query: Map<String, Value> = query
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.clone())))
            .collect();
        let event = match self.shape {
            Shape::FunctionUrl | Shape::HttpApi => {
                let route = match self.shape {
                    Shape::HttpApi => format!("{method} {path}"),
                    _ => "$default".into(),
                };
                let cookies: Vec<String> = self.cookies.iter().map(|c| header_value(c)).collect();
                json!({
                    "version": "2.0",
                    "routeKey": route,
                    "rawPath": path,
                    "rawQueryString": form(&query),
                    "cookies": cookies,
                    "headers": headers,
                    "queryStringParameters": single_query,
                    "requestContext": {
                        "accountId": "anonymous",
                        "apiId": "a1b2c3d4e5",
                        "domainName": host,
                        "domainPrefix": "a1b2c3d4e5",
                        "http": {
                            "method": method,
                            "path": path,
                            "protocol": "HTTP/1.1",
                            "sourceIp": "198.51.100.7",
                            "userAgent": "fuzz"
                        },
                        "requestId": "fuzz-request",
                        "routeKey": route,
                        "stage": "$default",
                        "time": "02/Dec/2026:12:07:54 +0000",
                        "timeEpoch": 1796213274164u64
                    },
                    "body": body,
                    "isBase64Encoded": is_base64
                })
            }
            Shape::RestApi => json!({
                "resource": path,
                "path": path,
                "httpMethod": method,
                "headers": headers,
                "multiValueHeaders": {},
                "queryStringParameters": single_query,
                "multiValueQueryStringParameters": {},
                "requestContext": {
                    "accountId": "123456789012",
                    "resourceId": "abc123",
                    "stage": "prod",
                    "requestId": "fuzz-request",
                    "identity": { "sourceIp": "198.51.100.7" },
                    "resourcePath": path,
                    "httpMethod": method,
                    "apiId": "k3x9q2w7p1",
                    "path": path
                },
                "body": body,
                "isBase64Encoded": is_base64
            }),
            Shape::Alb => json!({
                "requestContext": { "elb": { "targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/studiogate/0123456789abcdef" } },
                "httpMethod": method,
                "path": path,
                "queryStringParameters": single_query,
                "headers": headers,
                "body": body,
                "isBase64Encoded": is_base64
            }),
        };
        event.to_string()
    }
}

fuzz_target!(|event: Event| {
    let text = event.to_json();
    let Ok(request) = lambda_http::request::from_str(&text) else {
        return;
    };
    let (response, _) = studiogate_fuzz::block_on(saml_validator::respond(&BROKER, &request));
    let status = response.status().as_u16();
    assert!(status < 500 || status == 503, "status {status}");
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .map(|v| v.as_bytes()),
        Some(&b"no-store"[..])
    );
    if matches!(event.body, Body::Login { .. }) {
        let page: &[u8] = response.body().as_ref();
        let needle = &SIGNED_LOGIN.as_bytes()[..64];
        assert!(
            !page.windows(needle.len()).any(|w| w == needle),
            "the page echoes the SAMLResponse"
        );
    }
});
