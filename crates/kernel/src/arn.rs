//! The ARNs the broker compares: IAM roles and STS assumed-role sessions (shapes from the IAM
//! User Guide, "IAM identifiers").

/// `arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION`, split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssumedRole<'a> {
    /// `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: &'a str,
    /// The 12-digit account.
    pub account: &'a str,
    /// The role's name (an assumed-role ARN carries no path).
    pub role: &'a str,
    /// The session name.
    pub session: &'a str,
}

/// Splits an assumed-role ARN; `None` for anything else.
pub fn assumed_role(arn: &str) -> Option<AssumedRole<'_>> {
    let (partition, account, resource) = split(arn, "sts")?;
    let rest = resource.strip_prefix("assumed-role/")?;
    let (role, session) = rest.rsplit_once('/')?;
    let role = role.rsplit('/').next().unwrap_or(role);
    (!role.is_empty() && !session.is_empty()).then_some(AssumedRole {
        partition,
        account,
        role,
        session,
    })
}

/// `(partition, account, role name)` of `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`.
pub fn role(arn: &str) -> Option<(&str, &str, &str)> {
    let (partition, account, resource) = split(arn, "iam")?;
    let name = resource.strip_prefix("role/")?.rsplit('/').next()?;
    (!name.is_empty()).then_some((partition, account, name))
}

fn split<'a>(arn: &'a str, service: &str) -> Option<(&'a str, &'a str, &'a str)> {
    let mut fields = arn.splitn(6, ':');
    let ok = fields.next()? == "arn";
    let partition = fields.next()?;
    let ok = ok && fields.next()? == service && fields.next()?.is_empty();
    let account = fields.next()?;
    let resource = fields.next()?;
    let well_formed = ok
        && partition.starts_with("aws")
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit());
    well_formed.then_some((partition, account, resource))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_assumed_role_session_arns() {
        assert_eq!(
            assumed_role("arn:aws:sts::123456789012:assumed-role/StudioUser/alice"),
            Some(AssumedRole {
                partition: "aws",
                account: "123456789012",
                role: "StudioUser",
                session: "alice"
            })
        );
        assert_eq!(
            assumed_role("arn:aws-cn:sts::123456789012:assumed-role/StudioUser/a@b.c")
                .map(|a| a.session),
            Some("a@b.c")
        );
        assert_eq!(assumed_role("arn:aws:iam::123456789012:user/alice"), None);
        assert_eq!(assumed_role("arn:aws:sts::1234:assumed-role/R/s"), None);
        assert_eq!(
            assumed_role("arn:aws:sts::123456789012:assumed-role/R/"),
            None
        );
    }

    #[test]
    fn splits_role_arns_with_paths() {
        assert_eq!(
            role("arn:aws:iam::123456789012:role/teams/ml/StudioUser"),
            Some(("aws", "123456789012", "StudioUser"))
        );
        assert_eq!(role("arn:aws:iam::123456789012:saml-provider/Okta"), None);
        assert_eq!(role("arn:aws:sts::123456789012:role/R"), None);
    }
}
