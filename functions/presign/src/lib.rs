//! presign: provisions the user's Studio identity and returns a one-time URL. [`build`] is its
//! composition root (the presigner on the SDK, once per cold start); the logic is
//! `studiogate::provision`. It reads no IdP metadata: it never validates an assertion, and acts only
//! on requests saml-validator sealed.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use studiogate::config::BrokerConfig;
use studiogate::provision::{PresignPorts, Presigner};
use studiogate::targets::KindPorts;
use studiogate_aws::emr::SdkEmr;
use studiogate_aws::federation::HttpFederation;
use studiogate_aws::kms::KmsMacKey;
use studiogate_aws::sagemaker::SdkSageMaker;
use studiogate_aws::sts::SdkSts;
use studiogate_kernel::clock::SystemClock;
use studiogate_kernel::seal::SEAL_TIMEOUT;

/// presign's ports on the SDK.
pub struct SdkPresignPorts {
    seal_verifier: KmsMacKey,
    identity: SdkSts,
    sagemaker: SdkSageMaker,
    emr: SdkEmr,
    clock: SystemClock,
}

impl KindPorts for SdkPresignPorts {
    type SageMaker = SdkSageMaker;
    type Emr = SdkEmr;
    fn sagemaker(&self) -> &SdkSageMaker {
        &self.sagemaker
    }
    fn emr(&self) -> &SdkEmr {
        &self.emr
    }
}

impl PresignPorts for SdkPresignPorts {
    type SealVerifier = KmsMacKey;
    type Identity = SdkSts;
    type Clock = SystemClock;
    fn seal_verifier(&self) -> &KmsMacKey {
        &self.seal_verifier
    }
    fn identity(&self) -> &SdkSts {
        &self.identity
    }
    fn clock(&self) -> &SystemClock {
        &self.clock
    }
}

/// The presigner on the SDK adapters.
pub type SdkPresigner = Presigner<SdkPresignPorts>;

/// The presigner for `config` (checked by the loader for presign), on clients built from `aws`.
pub fn build(
    config: &BrokerConfig,
    aws: &aws_config::SdkConfig,
) -> Result<SdkPresigner, studiogate::config::ConfigError> {
    let ports = SdkPresignPorts {
        seal_verifier: KmsMacKey::new(aws, config.presign.seal_key()?, SEAL_TIMEOUT),
        identity: SdkSts::new(aws),
        sagemaker: SdkSageMaker::new(aws, config.presign.sagemaker_endpoint_url.clone()),
        emr: SdkEmr::new(
            aws,
            HttpFederation::new(config.presign.federation_url.clone()),
        ),
        clock: SystemClock,
    };
    Ok(Presigner {
        ports,
        settings: config.presign.clone(),
        targets: config.targets.clone(),
    })
}
