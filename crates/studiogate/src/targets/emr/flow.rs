//! The EMR Studio path: IAM-mode Studios through a console federation sign-in with the user's
//! credentials; Identity Center Studios through a session mapping for the user (or their group).

use super::port::{EmrStudioAccess, IdentityType, StudioMode};
use super::{EmrTarget, MappingMode, FEDERATION, SESSION_MAPPING};
use crate::copy;
use crate::outcome::{aws_failure, fail};
use crate::targets::FlowContext;
use studiogate_kernel::retry::with_retry;
use studiogate_kernel::wire::{Action, Change, ErrorCode, Identity, PresignError};

/// Opens the Studio: returns the redirect URL and what was done.
pub async fn open<E: EmrStudioAccess>(
    emr: &E,
    target: &EmrTarget,
    context: &FlowContext<'_>,
) -> Result<(String, Action), PresignError> {
    let (identity, credentials, budget) = (context.identity, context.credentials, context.budget);
    let (studio, _) = with_retry(budget, || emr.describe_studio(&target.studio_id)).await;
    let studio = studio.map_err(aws_failure)?;
    match studio.mode {
        StudioMode::Iam => {
            let session = identity.session_duration.unwrap_or(3600).clamp(900, 43_200);
            let (token, _) = with_retry(budget, || emr.signin_token(credentials, session)).await;
            let token = token.map_err(aws_failure)?;
            let url = emr.login_url(
                context.console_issuer,
                &console_deep_link(&target.region, &target.studio_id),
                &token,
            );
            Ok((
                url,
                Action {
                    kind: FEDERATION,
                    name: None,
                    change: Change::Unchanged,
                },
            ))
        }
        StudioMode::IdentityCenter => {
            let (kind, name, policy) = mapping_for(target, identity)?;
            let (current, _) = with_retry(budget, || {
                emr.session_policy(&target.studio_id, kind, &name)
            })
            .await;
            let change = match current.map_err(aws_failure)? {
                None => {
                    let (made, _) = with_retry(budget, || {
                        emr.create_mapping(&target.studio_id, kind, &name, &policy)
                    })
                    .await;
                    made.map_err(aws_failure)?;
                    Change::Created
                }
                Some(existing) if existing != policy => {
                    let (updated, _) = with_retry(budget, || {
                        emr.update_mapping(&target.studio_id, kind, &name, &policy)
                    })
                    .await;
                    updated.map_err(aws_failure)?;
                    Change::Updated
                }
                Some(_) => Change::Unchanged,
            };
            Ok((
                studio.url,
                Action {
                    kind: SESSION_MAPPING,
                    name: Some(name),
                    change,
                },
            ))
        }
    }
}

/// The session mapping identity and policy: the user (NameID) or their first group with a rule.
fn mapping_for(
    target: &EmrTarget,
    identity: &Identity,
) -> Result<(IdentityType, String, String), PresignError> {
    let matched = target.session_policy_rules.iter().find(|rule| {
        rule.group
            .as_ref()
            .is_some_and(|g| identity.groups.contains(g))
    });
    let not_entitled = || fail(ErrorCode::Refused, copy::NOT_ENTITLED_TO_EMR_STUDIO);
    match target.mapping {
        MappingMode::User => {
            let policy = matched
                .map(|r| r.session_policy_arn.clone())
                .or_else(|| target.default_session_policy_arn.clone())
                .ok_or_else(not_entitled)?;
            Ok((IdentityType::User, identity.name_id.clone(), policy))
        }
        MappingMode::Group => {
            let rule = matched.ok_or_else(not_entitled)?;
            let group = rule.group.clone().unwrap_or_default();
            Ok((IdentityType::Group, group, rule.session_policy_arn.clone()))
        }
    }
}

/// The console deep link that opens an EMR Studio, on the partition's console host.
pub fn console_deep_link(region: &str, studio_id: &str) -> String {
    let host = if region.starts_with("cn-") {
        "console.amazonaws.cn"
    } else if region.starts_with("us-gov-") {
        "console.amazonaws-us-gov.com"
    } else {
        "console.aws.amazon.com"
    };
    format!("https://{host}/emr/home?region={region}#studio/{studio_id}/start")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::emr::SessionPolicyRule;

    #[test]
    fn deep_links_are_partition_aware() {
        assert_eq!(
            console_deep_link("eu-west-1", "es-1"),
            "https://console.aws.amazon.com/emr/home?region=eu-west-1#studio/es-1/start"
        );
        assert!(
            console_deep_link("cn-north-1", "es-1").starts_with("https://console.amazonaws.cn/")
        );
        assert!(console_deep_link("us-gov-west-1", "es-1")
            .starts_with("https://console.amazonaws-us-gov.com/"));
    }

    fn target(mapping: MappingMode) -> EmrTarget {
        EmrTarget {
            studio_id: "es-1".into(),
            region: "us-east-1".into(),
            mapping,
            session_policy_rules: vec![SessionPolicyRule {
                group: Some("ml".into()),
                session_policy_arn: "arn:ml".into(),
            }],
            default_session_policy_arn: Some("arn:default".into()),
        }
    }

    fn identity(groups: &[&str]) -> Identity {
        Identity::alice(groups)
    }

    #[test]
    fn maps_users_by_name_and_groups_by_their_first_matching_rule() {
        assert_eq!(
            mapping_for(&target(MappingMode::User), &identity(&["ml"])).unwrap(),
            (
                IdentityType::User,
                "alice@example.com".into(),
                "arn:ml".into()
            )
        );
        assert_eq!(
            mapping_for(&target(MappingMode::User), &identity(&[]))
                .unwrap()
                .2,
            "arn:default"
        );
        assert_eq!(
            mapping_for(&target(MappingMode::Group), &identity(&["x", "ml"])).unwrap(),
            (IdentityType::Group, "ml".into(), "arn:ml".into())
        );
        assert_eq!(
            mapping_for(&target(MappingMode::Group), &identity(&["x"]))
                .unwrap_err()
                .code,
            ErrorCode::Refused
        );
    }
}
