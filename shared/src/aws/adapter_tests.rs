//! The adapters' error shapes, against mocked SDK clients (aws-smithy-mocks): what AWS answers
//! becomes the right `ErrorKind`, or the right non-error outcome.

use super::emr::SdkEmr;
use super::sagemaker::SdkSageMaker;
use super::ErrorKind;
use crate::provision::ports::{Created, EmrApi, IdentityType, SageMakerApi, Updated};
use crate::provision::retry::Retryable;
use crate::provision::rules::{DesiredProfile, Drift};
use aws_sdk_emr::operation::get_studio_session_mapping::GetStudioSessionMappingError;
use aws_sdk_sagemaker::operation::create_user_profile::CreateUserProfileError;
use aws_sdk_sagemaker::operation::describe_user_profile::DescribeUserProfileError;
use aws_sdk_sagemaker::types::error::{ResourceInUse, ResourceNotFound};
use aws_smithy_mocks::{mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;

fn sdk_config() -> aws_config::SdkConfig {
    aws_config::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .build()
}

fn json_error(status: u16, code: &str, message: &str) -> HttpResponse {
    HttpResponse::new(
        StatusCode::try_from(status).expect("status"),
        SdkBody::from(format!(r#"{{"__type":"{code}","message":"{message}"}}"#)),
    )
}

fn desired() -> DesiredProfile {
    DesiredProfile {
        execution_role: "arn:aws:iam::123456789012:role/R".into(),
        lifecycle_configs: Default::default(),
        tags: [("studiouserid".to_string(), "alice".to_string())].into(),
    }
}

#[tokio::test]
async fn a_missing_profile_is_none_not_an_error() {
    let rule = mock!(aws_sdk_sagemaker::Client::describe_user_profile).then_error(|| {
        DescribeUserProfileError::ResourceNotFound(
            ResourceNotFound::builder().message("nope").build(),
        )
    });
    let api =
        SdkSageMaker::with_admin_client(mock_client!(aws_sdk_sagemaker, [&rule]), &sdk_config());
    assert_eq!(api.describe_profile("d-1", "alice").await, Ok(None));
}

#[tokio::test]
async fn losing_the_create_race_is_already_exists() {
    let rule = mock!(aws_sdk_sagemaker::Client::create_user_profile).then_error(|| {
        CreateUserProfileError::ResourceInUse(ResourceInUse::builder().message("exists").build())
    });
    let api =
        SdkSageMaker::with_admin_client(mock_client!(aws_sdk_sagemaker, [&rule]), &sdk_config());
    assert_eq!(
        api.create_profile("d-1", "alice", &desired()).await,
        Ok(Created::AlreadyExists)
    );
}

#[tokio::test]
async fn throttling_and_5xx_are_retryable_and_denials_are_not() {
    let cases = [
        (400, "ThrottlingException", ErrorKind::Throttled, true),
        (500, "InternalFailure", ErrorKind::ServerError, true),
        (503, "ServiceUnavailable", ErrorKind::ServerError, true),
        (400, "AccessDeniedException", ErrorKind::AccessDenied, false),
        (400, "ValidationException", ErrorKind::Validation, false),
    ];
    for (status, code, kind, retryable) in cases {
        let rule = mock!(aws_sdk_sagemaker::Client::describe_user_profile)
            .then_http_response(move || json_error(status, code, "m"));
        let api = SdkSageMaker::with_admin_client(
            mock_client!(aws_sdk_sagemaker, [&rule]),
            &sdk_config(),
        );
        let error = api
            .describe_profile("d-1", "alice")
            .await
            .expect_err("an error");
        assert_eq!(
            (error.kind, error.is_retryable()),
            (kind, retryable),
            "{error}"
        );
        assert_eq!(error.operation, "sagemaker:DescribeUserProfile");
    }
}

#[tokio::test]
async fn a_role_change_refused_because_apps_run_is_reported_as_such() {
    let rule = mock!(aws_sdk_sagemaker::Client::update_user_profile).then_http_response(|| {
        json_error(
            400,
            "ValidationException",
            "Unable to update the execution role while apps are running",
        )
    });
    let api =
        SdkSageMaker::with_admin_client(mock_client!(aws_sdk_sagemaker, [&rule]), &sdk_config());
    let role_change = Drift {
        execution_role: Some("arn:aws:iam::123456789012:role/New".into()),
        ..Drift::default()
    };
    assert_eq!(
        api.update_profile("d-1", "alice", &role_change).await,
        Ok(Updated::RoleLockedByRunningApps)
    );
    let other = mock!(aws_sdk_sagemaker::Client::update_user_profile).then_http_response(|| {
        json_error(400, "ValidationException", "lifecycle config not found")
    });
    let api =
        SdkSageMaker::with_admin_client(mock_client!(aws_sdk_sagemaker, [&other]), &sdk_config());
    let error = api
        .update_profile("d-1", "alice", &Drift::default())
        .await
        .expect_err("other validation errors stay errors");
    assert_eq!(error.kind, ErrorKind::Validation);
}

#[tokio::test]
async fn emr_answers_a_missing_mapping_with_invalid_request_which_means_none() {
    let rule = mock!(aws_sdk_emr::Client::get_studio_session_mapping).then_error(|| {
        GetStudioSessionMappingError::InvalidRequestException(
            aws_sdk_emr::types::error::InvalidRequestException::builder()
                .message("no mapping")
                .build(),
        )
    });
    let api = SdkEmr::with_client(mock_client!(aws_sdk_emr, [&rule]));
    assert_eq!(
        api.session_policy("es-1", IdentityType::User, "alice")
            .await,
        Ok(None)
    );
    let failing = mock!(aws_sdk_emr::Client::get_studio_session_mapping)
        .then_http_response(|| json_error(500, "InternalServerError", "x"));
    let api = SdkEmr::with_client(mock_client!(aws_sdk_emr, [&failing]));
    assert_eq!(
        api.session_policy("es-1", IdentityType::User, "alice")
            .await
            .unwrap_err()
            .kind,
        ErrorKind::ServerError
    );
}
