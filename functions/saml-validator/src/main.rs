//! saml-validator: the public ACS endpoint. This build loads and checks the configuration at cold
//! start and serves the health probe; the login flow (validate, replay cache, STS, presign) is
//! wired in by the login-flow work.

use lambda_http::{run, service_fn, Body, Error, Request, Response};
use studiogate::config::BrokerConfig;
use studiogate::saml::SamlValidator;

#[tokio::main]
async fn main() -> Result<(), Error> {
    studiogate::telemetry::init_json_logs();
    // Bad configuration fails the cold start, naming the field.
    let config = BrokerConfig::from_env()
        .inspect_err(|e| tracing::error!(error = %e, "configuration rejected"))?;
    let validator = config.saml_validator()?;
    tracing::info!(idp = %validator.settings().idp_entity_id, "saml-validator ready");
    let validator = &validator;
    run(service_fn(move |request: Request| async move {
        Ok::<_, Error>(route(validator, &request))
    }))
    .await
}

fn route(_validator: &SamlValidator, request: &Request) -> Response<Body> {
    let (status, body) = match (request.method().as_str(), request.uri().path()) {
        ("GET", "/healthz") => (200, "ok"),
        _ => (404, "Not found"),
    };
    Response::builder()
        .status(status)
        .header("content-type", "text/plain; charset=utf-8")
        .header("cache-control", "no-store")
        .body(Body::from(body))
        .unwrap_or_default()
}
