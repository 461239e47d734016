//! The one HTTPS client behind every SDK client of a function.
//!
//! Without an explicit client in the configuration, each SDK client gets a default HTTPS client of
//! its own (aws-smithy-runtime's `default_http_client_plugin`). The clients presign built per
//! login to sign with the user's credentials (STS, SageMaker; since then one client each, the
//! credentials a call's override) each built a new connector then: the root certificates parsed
//! again, a DNS lookup and a new connection. And
//! every `Client::from_conf` asks the HTTP client to validate itself, which the SDK's client does by
//! building a whole connector and dropping it (so that certificates load at start-up). Measured on
//! the local stack with the current-thread runtime beside it: both functions' CPU per login from
//! 8.83 to 5.0 ms (BENCHMARKS.md, "Against the targets").

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_types::config_bag::ConfigBag;
use std::sync::OnceLock;

/// The HTTPS client the SDK builds by default (rustls on AWS-LC, a proxy from the environment),
/// built once; its connectors are cached by their timeout settings, so they are shared too.
pub(crate) fn shared_https_client() -> SharedHttpClient {
    use aws_smithy_http_client::{proxy::ProxyConfig, tls, Builder, ConnectorBuilder};
    let client = Builder::new().build_with_connector_fn(|settings, components| {
        let mut connector = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ));
        connector.set_connector_settings(settings.cloned());
        if let Some(components) = components {
            connector.set_sleep_impl(components.sleep_impl());
        }
        connector.set_proxy_config(Some(ProxyConfig::from_env()));
        connector.build()
    });
    SharedHttpClient::new(ValidatedOnce::new(client))
}

/// An HTTP client whose start-up validation runs once, not once per SDK client built on it.
#[derive(Debug)]
struct ValidatedOnce {
    inner: SharedHttpClient,
    validated: OnceLock<Result<(), String>>,
}

impl ValidatedOnce {
    fn new(inner: SharedHttpClient) -> Self {
        ValidatedOnce {
            inner,
            validated: OnceLock::new(),
        }
    }
}

impl HttpClient for ValidatedOnce {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.inner.http_connector(settings, components)
    }

    fn validate_base_client_config(
        &self,
        components: &RuntimeComponentsBuilder,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.validated
            .get_or_init(|| {
                self.inner
                    .validate_base_client_config(components, cfg)
                    .map_err(|e| e.to_string())
            })
            .clone()
            .map_err(Into::into)
    }

    fn validate_final_config(
        &self,
        components: &RuntimeComponents,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner.validate_final_config(components, cfg)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.inner.connector_metadata()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// Counts validations; never asked for a connector here.
    #[derive(Debug, Default)]
    struct Counting(Arc<AtomicUsize>);

    impl HttpClient for Counting {
        fn http_connector(
            &self,
            _: &HttpConnectorSettings,
            _: &RuntimeComponents,
        ) -> SharedHttpConnector {
            unreachable!("not called in these tests")
        }

        fn validate_base_client_config(
            &self,
            _: &RuntimeComponentsBuilder,
            _: &ConfigBag,
        ) -> Result<(), BoxError> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }

    #[test]
    fn the_inner_client_validates_once_however_many_sdk_clients_are_built() {
        let count = Arc::new(AtomicUsize::new(0));
        let client = ValidatedOnce::new(SharedHttpClient::new(Counting(count.clone())));
        let components = RuntimeComponentsBuilder::new("test");
        for _ in 0..3 {
            client
                .validate_base_client_config(&components, &ConfigBag::base())
                .unwrap();
        }
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn every_sdk_client_of_the_configuration_shares_the_one_http_client() {
        let config = aws_config::SdkConfig::builder()
            .http_client(shared_https_client())
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        let first = aws_sdk_sts::config::Builder::from(&config).build();
        let second = aws_sdk_sts::config::Builder::from(&config).build();
        for built in [first, second] {
            let client = format!(
                "{:?}",
                built.http_client().expect("the configuration's client")
            );
            assert!(client.contains("ValidatedOnce"), "{client}");
        }
    }
}
