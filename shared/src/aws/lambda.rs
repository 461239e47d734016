//! Lambda on the SDK: saml-validator invokes the presign function.

use super::{AwsError, ErrorKind};
use crate::login::ports::PresignInvoker;
use crate::provision::contract::{PresignRequest, PresignResponse};
use aws_smithy_types::Blob;

/// The AWS operations this adapter calls.
pub const OPERATIONS: &[&str] = &["lambda:InvokeFunction"];

const OPERATION: &str = "lambda:InvokeFunction";

/// Invokes presign synchronously (RequestResponse).
#[derive(Clone, Debug)]
pub struct SdkPresignInvoker {
    client: aws_sdk_lambda::Client,
    function: String,
}

impl SdkPresignInvoker {
    /// `function`: the presign function's name or ARN. An invocation that has not answered within
    /// `timeout` fails (as a network error), so the ACS still answers with a page in time.
    pub fn new(
        config: &aws_config::SdkConfig,
        function: impl Into<String>,
        timeout: std::time::Duration,
    ) -> Self {
        let config = aws_sdk_lambda::config::Builder::from(config)
            .timeout_config(super::operation_timeout(timeout))
            .build();
        SdkPresignInvoker {
            client: aws_sdk_lambda::Client::from_conf(config),
            function: function.into(),
        }
    }
}

impl PresignInvoker for SdkPresignInvoker {
    async fn invoke(&self, request: &PresignRequest) -> Result<PresignResponse, AwsError> {
        // The payload carries the user's credentials: it goes to Lambda and nowhere else.
        let payload = serde_json::to_vec(request).map_err(|_| {
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
