//! saml-validator: the public ACS endpoint. [`build`] is its composition root (the broker on the
//! SDK, once per cold start); [`handle`] adapts a `lambda_http` request (function URL or API Gateway
//! HTTP API, payload 2.0; the body already base64-decoded) to the broker and back. Everything else,
//! routing and pages included, is `studiogate::web`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(feature = "sdk")]
pub mod build;

#[cfg(feature = "sdk")]
pub use build::{build, SdkBroker};

use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use studiogate::login::{LoginAudit, LoginPorts};
use studiogate::web::{self, Broker, WebRequest, WebResponse};
use tracing::Instrument;

/// Handles one invocation: routes it through `broker`, writes the audit record (to the log) and
/// the metrics line (to standard output) of a login, and answers. Never fails: bad input is a 4xx page.
pub async fn handle<P: LoginPorts>(broker: &Broker<P>, request: Request) -> Response<Body> {
    // EMF must be a whole JSON object on its own line, outside the tracing envelope.
    handle_with_metrics(broker, request, |line| println!("{line}")).await
}

/// `handle`, with the login's CloudWatch Embedded Metric Format line given to `emit_metrics`
/// instead of standard output (tests read it there).
pub async fn handle_with_metrics<P: LoginPorts>(
    broker: &Broker<P>,
    request: Request,
    emit_metrics: impl FnOnce(String),
) -> Response<Body> {
    let request_id = lambda_request_id(&request);
    let span = tracing::info_span!("request", requestId = %request_id);
    let (response, audit) = respond(broker, &request).instrument(span.clone()).await;
    if let Some(audit) = audit {
        span.in_scope(|| audit.log());
        let now_ms = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
        emit_metrics(audit.emf_line(i64::try_from(now_ms).unwrap_or(i64::MAX)));
    }
    response
}

/// The answer to one invocation and, for a login, its audit record (not yet written anywhere).
pub async fn respond<P: LoginPorts>(
    broker: &Broker<P>,
    request: &Request,
) -> (Response<Body>, Option<LoginAudit>) {
    let request_id = lambda_request_id(request);
    let path = match request.raw_http_path() {
        "" => request.uri().path(),
        raw => raw,
    };
    let source_ip = source_ip(request);
    let web = WebRequest {
        method: request.method().as_str(),
        path,
        query: request.uri().query().unwrap_or_default(),
        body: request.body().as_ref(),
        request_id: &request_id,
        source_ip: source_ip.as_deref(),
        cookie: request
            .headers()
            .get("cookie")
            .and_then(|value| value.to_str().ok()),
    };
    let (answer, audit) = broker.handle(&web).await;
    (into_lambda(answer, &request_id), audit)
}

fn lambda_request_id(request: &Request) -> String {
    request
        .lambda_context_ref()
        .map(|context| context.request_id.clone())
        .unwrap_or_default()
}

fn source_ip(request: &Request) -> Option<String> {
    match request.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => context.http.source_ip.clone(),
        RequestContext::ApiGatewayV1(context) => context.identity.source_ip.clone(),
        _ => None,
    }
}

fn into_lambda(answer: WebResponse, request_id: &str) -> Response<Body> {
    http_response(&answer).unwrap_or_else(|_| {
        // Only a header value no HTTP response can carry lands here; answer with the page.
        tracing::error!(
            reason = "unencodable-response",
            status = answer.status,
            "answer replaced"
        );
        http_response(&web::unavailable_response(request_id)).unwrap_or_default()
    })
}

fn http_response(answer: &WebResponse) -> Result<Response<Body>, lambda_http::http::Error> {
    let mut builder = Response::builder().status(answer.status);
    for (name, value) in &answer.headers {
        builder = builder.header(*name, value);
    }
    builder.body(Body::Text(answer.body.clone()))
}
