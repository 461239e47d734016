//! IAM Identity Center's Identity Store on the SDK, with presign's role: a user's or group's ID by
//! its unique name, for EMR Studio session mappings.

use aws_sdk_identitystore::types::{AlternateIdentifier, UniqueAttribute};
use aws_smithy_types::Document;
use studiogate::targets::emr::IdentityType;
use studiogate_kernel::{AwsError, ErrorKind};

/// The Identity Store through the SDK.
#[derive(Clone, Debug)]
pub struct IdentityStore {
    client: aws_sdk_identitystore::Client,
}

impl IdentityStore {
    /// With the function's own credentials.
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        IdentityStore {
            client: aws_sdk_identitystore::Client::new(config),
        }
    }

    /// GetUserId by `userName`, or GetGroupId by `displayName`; `None` when there is none.
    pub async fn id_of(
        &self,
        store: &str,
        kind: IdentityType,
        name: &str,
    ) -> Result<Option<String>, AwsError> {
        let (path, operation) = match kind {
            IdentityType::User => ("userName", "identitystore:GetUserId"),
            IdentityType::Group => ("displayName", "identitystore:GetGroupId"),
        };
        let unique = UniqueAttribute::builder()
            .attribute_path(path)
            .attribute_value(Document::String(name.to_owned()))
            .build()
            .map_err(|e| {
                AwsError::new(
                    operation,
                    ErrorKind::Validation,
                    "Unbuildable",
                    e.to_string(),
                )
            })?;
        let identifier = AlternateIdentifier::UniqueAttribute(unique);
        let found = match kind {
            IdentityType::User => self
                .client
                .get_user_id()
                .identity_store_id(store)
                .alternate_identifier(identifier)
                .send()
                .await
                .map(|o| o.user_id().to_owned())
                .map_err(|e| crate::sdk_error(operation, e)),
            IdentityType::Group => self
                .client
                .get_group_id()
                .identity_store_id(store)
                .alternate_identifier(identifier)
                .send()
                .await
                .map(|o| o.group_id().to_owned())
                .map_err(|e| crate::sdk_error(operation, e)),
        };
        match found {
            Ok(id) => Ok(Some(id)),
            Err(error) if error.kind == ErrorKind::NotFound => Ok(None),
            Err(error) => Err(error),
        }
    }
}
