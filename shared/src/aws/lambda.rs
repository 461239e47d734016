//! Lambda on the SDK: saml-validator invokes the presign function with a sealed request.

use super::kms::KmsMacKey;
use super::{AwsError, ErrorKind};
use crate::login::ports::PresignInvoker;
use crate::provision::contract::{PresignRequest, PresignResponse};
use crate::provision::seal;
use aws_smithy_types::Blob;

/// The AWS operations this adapter calls.
pub const OPERATIONS: &[&str] = &["lambda:InvokeFunction"];

const OPERATION: &str = "lambda:InvokeFunction";

/// Seals each request (KMS) and invokes presign synchronously (RequestResponse).
#[derive(Clone, Debug)]
pub struct SdkPresignInvoker {
    client: aws_sdk_lambda::Client,
    function: String,
    sealer: KmsMacKey,
    timeout: std::time::Duration,
}

impl SdkPresignInvoker {
    /// `function`: the presign function's name or ARN. `sealer` seals each request first. Sealing
    /// and the invocation together get `timeout`; past it the call fails (as a network error), so
    /// the ACS still answers with a page in time.
    pub fn new(
        config: &aws_config::SdkConfig,
        function: impl Into<String>,
        timeout: std::time::Duration,
        sealer: KmsMacKey,
    ) -> Self {
        // `timeout` bounds sealing and the invocation together (`invoke`), so the client needs none.
        SdkPresignInvoker {
            client: aws_sdk_lambda::Client::new(config),
            function: function.into(),
            sealer,
            timeout,
        }
    }
}

impl PresignInvoker for SdkPresignInvoker {
    async fn invoke(&self, request: &PresignRequest) -> Result<PresignResponse, AwsError> {
        tokio::time::timeout(self.timeout, self.seal_and_invoke(request))
            .await
            .unwrap_or_else(|_| {
                Err(AwsError::new(
                    OPERATION,
                    ErrorKind::Network,
                    "TimedOut",
                    format!("no answer from presign within {:?}", self.timeout),
                ))
            })
    }
}

impl SdkPresignInvoker {
    async fn seal_and_invoke(&self, request: &PresignRequest) -> Result<PresignResponse, AwsError> {
        let sealed = seal::seal(&self.sealer, request, time::OffsetDateTime::now_utc()).await?;
        // The payload carries the user's credentials: it goes to Lambda and nowhere else.
        let payload = serde_json::to_vec(&sealed).map_err(|_| {
            AwsError::new(
                OPERATION,
                ErrorKind::Other,
                "Unserializable",
                "the request cannot be encoded",
            )
        })?;
        let output = self
            .client
            .invoke()
            .function_name(&self.function)
            .payload(Blob::new(payload))
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(OPERATION, e))?;
        if let Some(kind) = output.function_error() {
            return Err(AwsError::new(
                OPERATION,
                ErrorKind::Other,
                "FunctionError",
                format!("the presign function failed ({kind}); see its log"),
            ));
        }
        let body = output.payload().map(Blob::as_ref).unwrap_or_default();
        // The answer may hold a bearer URL, so a parse error is described without its text.
        serde_json::from_slice::<PresignResponse>(body).map_err(|e| {
            AwsError::new(
                OPERATION,
                ErrorKind::Other,
                "MalformedAnswer",
                format!(
                    "the presign answer is not a PresignResponse ({:?} error)",
                    e.classify()
                ),
            )
        })
    }
}
