//! KMS HMAC on the SDK: saml-validator seals presign requests (GenerateMac), presign checks the
//! seal (VerifyMac). The key's policy decides who may do which (see `template.yaml`).

use aws_sdk_kms::types::MacAlgorithmSpec;
use aws_smithy_types::Blob;
use studiogate_kernel::retry::{with_retry_by_deadline, Budget};
use studiogate_kernel::seal::{MacGenerator, MacVerifier};
use studiogate_kernel::{AwsError, ErrorKind};

const ALGORITHM: MacAlgorithmSpec = MacAlgorithmSpec::HmacSha256;

/// A KMS HMAC_256 key (key ID, ARN or alias): saml-validator makes MACs with it, presign checks
/// them; the key policy decides which role may do which.
#[derive(Clone, Debug)]
pub struct KmsMacKey {
    client: aws_sdk_kms::Client,
    key: String,
    timeout: std::time::Duration,
}

impl KmsMacKey {
    /// `key`: the seal key's ID, ARN or alias; a call that has not answered within `timeout` fails.
    pub fn new(
        config: &aws_config::SdkConfig,
        key: impl Into<String>,
        timeout: std::time::Duration,
    ) -> Self {
        let config = aws_sdk_kms::config::Builder::from(config)
            .timeout_config(crate::operation_timeout(timeout))
            .build();
        KmsMacKey {
            client: aws_sdk_kms::Client::from_conf(config),
            key: key.into(),
            timeout,
        }
    }
}

impl MacGenerator for KmsMacKey {
    async fn generate_mac(&self, message: &[u8]) -> Result<Vec<u8>, AwsError> {
        const OPERATION: &str = "kms:GenerateMac";
        let output = self
            .client
            .generate_mac()
            .key_id(&self.key)
            .mac_algorithm(ALGORITHM)
            .message(Blob::new(message))
            .send()
            .await
            .map_err(|e| crate::sdk_error(OPERATION, e))?;
        output
            .mac()
            .map(|mac| mac.as_ref().to_vec())
            .ok_or_else(|| AwsError::new(OPERATION, ErrorKind::Other, "NoMac", "KMS sent no MAC"))
    }
}

impl MacVerifier for KmsMacKey {
    /// Throttling, a 5xx or a dropped connection is retried, all over within `timeout`
    /// (saml-validator retries its side, sealing and invoking, the same way); a MAC that does not
    /// match is not.
    async fn verify_mac(&self, message: &[u8], mac: &[u8]) -> Result<bool, AwsError> {
        let budget = Budget::new(self.timeout);
        with_retry_by_deadline(&budget, "kms:VerifyMac", || self.verify_once(message, mac))
            .await
            .0
    }
}

impl KmsMacKey {
    async fn verify_once(&self, message: &[u8], mac: &[u8]) -> Result<bool, AwsError> {
        const OPERATION: &str = "kms:VerifyMac";
        let result = self
            .client
            .verify_mac()
            .key_id(&self.key)
            .mac_algorithm(ALGORITHM)
            .message(Blob::new(message))
            .mac(Blob::new(mac))
            .send()
            .await;
        match result {
            Ok(output) => Ok(output.mac_valid()),
            // KMS answers a MAC that does not match with an error, not with MacValid = false.
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_kms_invalid_mac_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(crate::sdk_error(OPERATION, e)),
        }
    }
}
