//! Lambda on the SDK: saml-validator invokes the presign function (RequestResponse) with a request
//! the login flow has sealed. The flow bounds sealing and the invocation with one deadline, so the
//! client needs no timeout of its own.

use aws_smithy_types::Blob;
use studiogate::login::ports::{InvokeError, PresignInvoker};
use studiogate_kernel::seal::SealedRequest;
use studiogate_kernel::wire::PresignResponse;
use studiogate_kernel::{AwsError, ErrorKind};

const OPERATION: &str = "lambda:InvokeFunction";

/// Invokes presign synchronously.
#[derive(Clone, Debug)]
pub struct SdkPresignInvoker {
    client: aws_sdk_lambda::Client,
    function: String,
}

impl SdkPresignInvoker {
    /// `function`: the presign function's name or ARN.
    pub fn new(config: &aws_config::SdkConfig, function: impl Into<String>) -> Self {
        SdkPresignInvoker {
            client: aws_sdk_lambda::Client::new(config),
            function: function.into(),
        }
    }
}

impl PresignInvoker for SdkPresignInvoker {
    async fn invoke(&self, request: &SealedRequest) -> Result<PresignResponse, InvokeError> {
        // The payload carries the user's credentials: it goes to Lambda and nowhere else.
        let payload = serde_json::to_vec(request).map_err(|e| {
            InvokeError::Aws(AwsError::new(
                OPERATION,
                ErrorKind::Other,
                "Unserializable",
                format!("the request cannot be encoded ({:?} error)", e.classify()),
            ))
        })?;
        let output = self
            .client
            .invoke()
            .function_name(&self.function)
            .payload(Blob::new(payload))
            .send()
            .await
            .map_err(|e| crate::sdk_error(OPERATION, e))?;
        if let Some(kind) = output.function_error() {
            return Err(InvokeError::Aws(AwsError::new(
                OPERATION,
                ErrorKind::Other,
                "FunctionError",
                format!("the presign function failed ({kind}); see its log"),
            )));
        }
        let body = output.payload().map(Blob::as_ref).unwrap_or_default();
        // The answer may hold a bearer URL, so a parse error is described without its text.
        serde_json::from_slice::<PresignResponse>(body).map_err(|e| {
            InvokeError::MalformedAnswer(format!(
                "not a PresignResponse ({:?} error)",
                e.classify()
            ))
        })
    }
}
