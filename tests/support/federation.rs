//! Federated credentials for tests: a test-kit-signed assertion through the emulator's strict STS.

use crate::emulator::World;
use aws_sdk_sts::operation::assume_role_with_saml::AssumeRoleWithSamlOutput;
use studiogate_kernel::wire::FederatedCredentials;
use studiogate_saml::testkit::{self, ResponseSpec, Signing};

/// The emulator's default-world SAML provider.
pub const PROVIDER: &str = "arn:aws:iam::123456789012:saml-provider/studiogate-test-idp";
/// The default-world federated role.
pub const STUDIO_USER: &str = "arn:aws:iam::123456789012:role/StudioUser";

/// A signed SAMLResponse (base64) for `session_name` with `PrincipalTag:studiouserid = session_name`,
/// made for the world's broker: its ACS URL is the Destination and the Recipient (`SAML:aud`).
pub fn assertion(world: &World, session_name: &str, name_id: &str) -> String {
    testkit::encode(&testkit::signed_response(
        &spec(world, session_name, name_id),
        Signing::Assertion,
        &testkit::IDP,
    ))
}

/// A federated role and its SAML provider (the Role attribute's pair).
#[derive(Debug, Clone, Copy)]
pub struct RolePair<'a> {
    /// The role ARN.
    pub role: &'a str,
    /// The SAML provider ARN.
    pub provider: &'a str,
}

/// The default world's pair (the hub's StudioUser).
pub const HUB_USER: RolePair<'static> = RolePair {
    role: STUDIO_USER,
    provider: PROVIDER,
};

fn spec(world: &World, session_name: &str, name_id: &str) -> ResponseSpec {
    spec_for(world, HUB_USER, session_name, name_id)
}

fn spec_for(world: &World, pair: RolePair<'_>, session_name: &str, name_id: &str) -> ResponseSpec {
    let mut spec = ResponseSpec::aws(time::OffsetDateTime::now_utc());
    spec.name_id = name_id.to_owned();
    spec.destination = Some(world.acs_url());
    spec.recipient = Some(world.acs_url());
    spec.attributes = vec![
        (
            studiogate_saml::aws::ROLE.into(),
            vec![format!("{},{}", pair.role, pair.provider)],
        ),
        (
            studiogate_saml::aws::ROLE_SESSION_NAME.into(),
            vec![session_name.to_owned()],
        ),
        (
            format!("{}studiouserid", studiogate_saml::aws::PRINCIPAL_TAG_PREFIX),
            vec![session_name.to_owned()],
        ),
    ];
    spec
}

/// [`assertion`], its Assertion encrypted for the test SP key (`testdata/keys/sp-encryption-*`):
/// AES-256-GCM content, RSA-OAEP key transport.
pub fn encrypted_assertion(world: &World, session_name: &str, name_id: &str) -> String {
    let spec = spec(world, session_name, name_id);
    let signed = testkit::sign_assertion(&spec.assertion_xml(), &spec.assertion_id, &testkit::IDP);
    testkit::encode(&spec.response_xml(&testkit::encrypt_assertion(
        &signed,
        &testkit::SP_ENCRYPTION,
        testkit::ContentCipher::Aes256Gcm,
    )))
}

/// AssumeRoleWithSAML against the endpoint in `AWS_ENDPOINT_URL`: the whole STS answer.
pub async fn assume(world: &World, session_name: &str, name_id: &str) -> AssumeRoleWithSamlOutput {
    assume_with(world, &assertion(world, session_name, name_id)).await
}

/// AssumeRoleWithSAML with `saml_response` (base64) for the world's federated role.
pub async fn assume_with(world: &World, saml_response: &str) -> AssumeRoleWithSamlOutput {
    assume_pair(world, HUB_USER, saml_response).await
}

/// AssumeRoleWithSAML with `saml_response` (base64) for `pair`.
async fn assume_pair(
    _world: &World,
    pair: RolePair<'_>,
    saml_response: &str,
) -> AssumeRoleWithSamlOutput {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region("us-east-1")
        .load()
        .await;
    aws_sdk_sts::Client::new(&config)
        .assume_role_with_saml()
        .role_arn(pair.role)
        .principal_arn(pair.provider)
        .saml_assertion(saml_response)
        .duration_seconds(3600)
        .send()
        .await
        .expect("AssumeRoleWithSAML")
}

/// AssumeRoleWithSAML against the endpoint in `AWS_ENDPOINT_URL`: the credentials, as presign gets them.
pub async fn federate(world: &World, session_name: &str, name_id: &str) -> FederatedCredentials {
    federate_as(world, HUB_USER, session_name, name_id).await
}

/// [`federate`] into `pair` (a spoke account's role, for one).
pub async fn federate_as(
    world: &World,
    pair: RolePair<'_>,
    session_name: &str,
    name_id: &str,
) -> FederatedCredentials {
    let response = testkit::encode(&testkit::signed_response(
        &spec_for(world, pair, session_name, name_id),
        Signing::Assertion,
        &testkit::IDP,
    ));
    let output = assume_pair(world, pair, &response).await;
    let c = output.credentials().expect("credentials");
    FederatedCredentials {
        access_key_id: c.access_key_id().to_owned(),
        secret_access_key: c.secret_access_key().to_owned(),
        session_token: c.session_token().to_owned(),
        expiration: studiogate_kernel::clock::format_instant(
            time::OffsetDateTime::from_unix_timestamp(c.expiration().secs()).expect("expiration"),
        ),
    }
}

/// SDK credentials for the same answer.
pub fn sdk_credentials(output: &AssumeRoleWithSamlOutput) -> aws_credential_types::Credentials {
    let c = output.credentials().expect("credentials");
    aws_credential_types::Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_owned()),
        None,
        "saml",
    )
}
