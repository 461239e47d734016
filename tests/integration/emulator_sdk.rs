//! The local AWS emulator through the real aws-sdk-rust clients, configured only by the standard
//! variables (`AWS_ENDPOINT_URL`, and presign's interface endpoints): STS with an assertion signed by
//! studiogate's test kit (bergshamra) and verified by the emulator (signxml), SageMaker, EMR,
//! DynamoDB, and the SDK's retries against injected faults; each call signed as the stack's function
//! that makes it, so IAM allows it with the stack's own policies.

use aws_config::BehaviorVersion;
use aws_credential_types::Credentials;
use aws_sdk_sagemaker::types::Tag;
use std::time::Duration;
use studiogate_saml::testkit;
use studiogate_tests::emulator::Function;
use studiogate_tests::{emulator, federation};

use studiogate_tests::federation::{PROVIDER, STUDIO_USER};

fn world() -> emulator::World {
    emulator::exclusive_world()
}

async fn sdk(credentials: Credentials) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region("us-east-1")
        .credentials_provider(credentials)
        .load()
        .await
}

#[tokio::test]
async fn sts_verifies_a_studiogate_signed_assertion_and_knows_its_credentials() {
    let world = world();
    let output = federation::assume(&world, "alice", "alice@example.com").await;
    let creds = federation::sdk_credentials(&output);
    assert_eq!(output.subject(), Some("alice@example.com"));
    assert_eq!(output.issuer(), Some(testkit::IDP_ENTITY_ID));
    assert_eq!(
        output.audience().map(str::to_owned),
        Some(world.acs_url()),
        "STS's Audience is the Recipient: the broker's ACS URL"
    );
    assert_eq!(
        output.assumed_role_user().map(|u| u.arn()),
        Some("arn:aws:sts::123456789012:assumed-role/StudioUser/alice")
    );
    let sts = aws_sdk_sts::Client::new(&sdk(creds).await);
    let identity = sts
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity");
    assert_eq!(
        identity.arn(),
        Some("arn:aws:sts::123456789012:assumed-role/StudioUser/alice")
    );
}

#[tokio::test]
async fn sts_errors_reach_the_sdk_with_their_codes() {
    let world = world();
    let sts = aws_sdk_sts::Client::new(&sdk(world.credentials_of(Function::SamlValidator)).await);
    let tampered = testkit::encode(
        &String::from_utf8(base64_decode(&federation::assertion(
            &world,
            "alice",
            "alice@example.com",
        )))
        .unwrap()
        .replace("alice@example.com", "admin@example.com"),
    );
    let err = sts
        .assume_role_with_saml()
        .role_arn(STUDIO_USER)
        .principal_arn(PROVIDER)
        .saml_assertion(tampered)
        .send()
        .await
        .expect_err("tampered assertion");
    assert!(err
        .into_service_error()
        .is_invalid_identity_token_exception());
}

#[tokio::test]
async fn sagemaker_profile_then_presigned_url_signed_with_the_users_credentials() {
    let world = world();
    let domain = world.seeded["sagemaker_domains"]["ml"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let provisioning =
        aws_sdk_sagemaker::Client::new(&sdk(world.credentials_of(Function::Presign)).await);
    provisioning
        .create_user_profile()
        .domain_id(&domain)
        .user_profile_name("alice")
        .tags(Tag::builder().key("studiouserid").value("alice").build())
        .send()
        .await
        .expect("CreateUserProfile");
    for _ in 0..100 {
        let status = provisioning
            .describe_user_profile()
            .domain_id(&domain)
            .user_profile_name("alice")
            .send()
            .await
            .unwrap();
        if status.status().map(|s| s.as_str()) == Some("InService") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let creds = federation::sdk_credentials(
        &federation::assume(&world, "alice", "alice@example.com").await,
    );
    let user = aws_sdk_sagemaker::Client::new(&sdk(creds).await);
    let url = user
        .create_presigned_domain_url()
        .domain_id(&domain)
        .user_profile_name("alice")
        .expires_in_seconds(30)
        .session_expiration_duration_in_seconds(3600)
        .send()
        .await
        .expect("CreatePresignedDomainUrl")
        .authorized_url()
        .unwrap()
        .to_owned();
    let resolved = world.aws.resolve_presigned(&url);
    assert_eq!(resolved["domain_id"], domain.as_str());
    assert_eq!(resolved["user_profile_name"], "alice");
    assert_eq!(
        resolved["signer"]["arn"],
        "arn:aws:sts::123456789012:assumed-role/StudioUser/alice"
    );
    let calls = world.aws.calls();
    let create = calls
        .iter()
        .find(|c| c["operation"] == "CreateUserProfile")
        .unwrap();
    assert_eq!(
        create["signer"]["arn"], world.seeded["function_credentials"]["presign"]["arn"],
        "provisioned by presign's role"
    );
}

#[tokio::test]
async fn emr_studio_modes_and_session_mappings() {
    let world = world();
    let emr = aws_sdk_emr::Client::new(&sdk(world.credentials_of(Function::Presign)).await);
    let idc = world.seeded["emr_studios"]["idc"]["id"].as_str().unwrap();
    let studio = emr.describe_studio().studio_id(idc).send().await.unwrap();
    assert_eq!(
        studio
            .studio()
            .and_then(|s| s.auth_mode())
            .map(|m| m.as_str()),
        Some("SSO")
    );
    emr.create_studio_session_mapping()
        .studio_id(idc)
        .identity_name("alice@example.com")
        .identity_type(aws_sdk_emr::types::IdentityType::User)
        .session_policy_arn("arn:aws:iam::123456789012:policy/EMRStudioBasic")
        .send()
        .await
        .expect("CreateStudioSessionMapping");
    let mapping = emr
        .get_studio_session_mapping()
        .studio_id(idc)
        .identity_name("alice@example.com")
        .identity_type(aws_sdk_emr::types::IdentityType::User)
        .send()
        .await
        .unwrap();
    assert_eq!(
        mapping
            .session_mapping()
            .and_then(|m| m.session_policy_arn()),
        Some("arn:aws:iam::123456789012:policy/EMRStudioBasic")
    );
}

#[tokio::test]
async fn dynamodb_conditional_write_refuses_a_replayed_key() {
    let world = world();
    world.act_as(Function::SamlValidator);
    let dynamodb =
        aws_sdk_dynamodb::Client::new(&sdk(world.credentials_of(Function::SamlValidator)).await);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let put = || {
        dynamodb
            .put_item()
            .table_name("studiogate-replay")
            .item(
                "pk",
                aws_sdk_dynamodb::types::AttributeValue::S("hash-of-issuer-and-id".into()),
            )
            .item(
                "expires_at",
                aws_sdk_dynamodb::types::AttributeValue::N((now + 300).to_string()),
            )
            .condition_expression("attribute_not_exists(pk) OR expires_at < :now")
            .expression_attribute_values(
                ":now",
                aws_sdk_dynamodb::types::AttributeValue::N(now.to_string()),
            )
            .send()
    };
    put().await.expect("first use");
    let err = put().await.expect_err("replay");
    assert!(err
        .into_service_error()
        .is_conditional_check_failed_exception());
}

#[tokio::test]
async fn sdk_retries_ride_out_throttling_and_report_it_when_it_persists() {
    let world = world();
    let domain = world.seeded["sagemaker_domains"]["ml"]["id"]
        .as_str()
        .unwrap();
    // The SDK's own retries against faults, not IAM: the operator may describe the domain.
    let sagemaker = aws_sdk_sagemaker::Client::new(&world.operator().await);
    world
        .aws
        .fault("sagemaker:DescribeDomain", "throttle", Some(2));
    assert!(sagemaker
        .describe_domain()
        .domain_id(domain)
        .send()
        .await
        .is_ok());
    world
        .aws
        .fault("sagemaker:DescribeDomain", "throttle", Some(10));
    let err = sagemaker
        .describe_domain()
        .domain_id(domain)
        .send()
        .await
        .expect_err("still throttled");
    let code = aws_sdk_sagemaker::error::ProvideErrorMetadata::code(&err.into_service_error())
        .map(str::to_owned);
    assert_eq!(code.as_deref(), Some("ThrottlingException"));
    world
        .aws
        .fault("sagemaker:DescribeDomain", "error503", None);
    assert!(sagemaker
        .describe_domain()
        .domain_id(domain)
        .send()
        .await
        .is_err());
    world.aws.control("DELETE", "/faults", None).unwrap();
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}
