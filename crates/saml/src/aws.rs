//! The SAML attributes AWS STS reads, parsed and checked the way STS would.

use super::Rejection;
use serde::Serialize;
use std::collections::BTreeMap;

/// `Role`: `ROLE_ARN,PROVIDER_ARN` pairs.
pub const ROLE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
/// `RoleSessionName`.
pub const ROLE_SESSION_NAME: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
/// `SessionDuration` in seconds.
pub const SESSION_DURATION: &str = "https://aws.amazon.com/SAML/Attributes/SessionDuration";
/// `SourceIdentity`.
pub const SOURCE_IDENTITY: &str = "https://aws.amazon.com/SAML/Attributes/SourceIdentity";
/// Prefix of `PrincipalTag:KEY` attributes.
pub const PRINCIPAL_TAG_PREFIX: &str = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:";
/// `TransitiveTagKeys`.
pub const TRANSITIVE_TAG_KEYS: &str = "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys";
/// The AWS sign-in SAML endpoints STS accepts as bearer Recipient (global, regional, GovCloud,
/// China); a `*` stands for one DNS label.
pub const AWS_SIGNIN_RECIPIENTS: [&str; 4] = [
    "https://signin.aws.amazon.com/saml",
    "https://*.signin.aws.amazon.com/saml",
    "https://signin.amazonaws-us-gov.com/saml",
    "https://signin.amazonaws.cn/saml",
];

/// Whether `recipient` (a configured Recipient, possibly a `*` pattern) is or covers an AWS
/// sign-in endpoint of [`AWS_SIGNIN_RECIPIENTS`].
pub fn is_aws_signin_recipient(recipient: &str) -> bool {
    let known: Vec<String> = AWS_SIGNIN_RECIPIENTS
        .iter()
        .map(|r| r.to_string())
        .collect();
    known.iter().any(|r| r == recipient) || crate::checks::recipient_allowed(recipient, &known)
}

/// The audience AWS expects in an assertion it federates.
pub const AWS_AUDIENCE: &str = "urn:amazon:webservices";

/// Every attribute name starts with this prefix.
const AWS_PREFIX: &str = "https://aws.amazon.com/SAML/Attributes/";

/// One IAM role the user may assume, with the SAML provider that vouches for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolePair {
    /// `arn:PARTITION:iam::ACCOUNT:role/NAME`.
    pub role_arn: String,
    /// `arn:PARTITION:iam::ACCOUNT:saml-provider/NAME`.
    pub provider_arn: String,
}

/// The AWS attributes of a verified assertion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AwsAttributes {
    /// Every Role pair, in the order the IdP sent them.
    pub roles: Vec<RolePair>,
    /// RoleSessionName.
    pub role_session_name: Option<String>,
    /// SessionDuration, seconds (900-43200).
    pub session_duration: Option<u32>,
    /// SourceIdentity.
    pub source_identity: Option<String>,
    /// PrincipalTag:KEY = value.
    pub principal_tags: BTreeMap<String, String>,
    /// TransitiveTagKeys.
    pub transitive_tag_keys: Vec<String>,
}

fn invalid(attribute: &str, detail: impl Into<String>) -> Rejection {
    Rejection::InvalidAwsAttribute {
        attribute: attribute.to_owned(),
        detail: detail.into(),
    }
}

fn single<'a>(
    attributes: &'a BTreeMap<String, Vec<String>>,
    name: &str,
) -> Result<Option<&'a str>, Rejection> {
    match attributes.get(name).map(Vec::as_slice) {
        None => Ok(None),
        // As signed: STS reads the value untrimmed, so a padded one is refused by the checks below.
        Some([one]) => Ok(Some(one.as_str())),
        Some(values) => Err(invalid(
            name,
            format!("must have exactly one value, has {}", values.len()),
        )),
    }
}

/// `[\w+=,.@-]{2,64}`, as STS requires of RoleSessionName and SourceIdentity.
fn is_session_name(value: &str) -> bool {
    (2..=64).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

/// Parses and checks the AWS attributes among `attributes` (name → values).
pub fn parse(attributes: &BTreeMap<String, Vec<String>>) -> Result<AwsAttributes, Rejection> {
    let mut aws = AwsAttributes::default();
    for value in attributes.get(ROLE).into_iter().flatten() {
        aws.roles.push(parse_role(value)?);
    }
    if let Some(name) = single(attributes, ROLE_SESSION_NAME)? {
        if !is_session_name(name) {
            return Err(invalid(
                ROLE_SESSION_NAME,
                "must be 2-64 characters of letters, digits and _+=,.@-",
            ));
        }
        aws.role_session_name = Some(name.to_owned());
    }
    if let Some(text) = single(attributes, SESSION_DURATION)? {
        // Digits only: Rust's parser would also take a leading `+`, which STS need not.
        let seconds: u32 = Some(text)
            .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| invalid(SESSION_DURATION, "must be a whole number of seconds"))?;
        if !(900..=43200).contains(&seconds) {
            return Err(invalid(SESSION_DURATION, "must be between 900 and 43200"));
        }
        aws.session_duration = Some(seconds);
    }
    if let Some(identity) = single(attributes, SOURCE_IDENTITY)? {
        if !is_session_name(identity) || identity.to_ascii_lowercase().starts_with("aws:") {
            return Err(invalid(
                SOURCE_IDENTITY,
                "must be 2-64 characters of letters, digits and _+=,.@- and not start with aws:",
            ));
        }
        aws.source_identity = Some(identity.to_owned());
    }
    for (name, _) in attributes.range(PRINCIPAL_TAG_PREFIX.to_owned()..) {
        let Some(key) = name.strip_prefix(PRINCIPAL_TAG_PREFIX) else {
            break;
        };
        let value = single(attributes, name)?.unwrap_or_default();
        if key.is_empty() || key.len() > 128 || value.len() > 256 {
            return Err(invalid(
                name,
                "tag keys are 1-128 and values 0-256 characters",
            ));
        }
        aws.principal_tags.insert(key.to_owned(), value.to_owned());
    }
    for key in attributes.get(TRANSITIVE_TAG_KEYS).into_iter().flatten() {
        aws.transitive_tag_keys.push(key.clone());
    }
    Ok(aws)
}

/// True for names in the AWS attribute namespace.
pub fn is_aws_attribute(name: &str) -> bool {
    name.starts_with(AWS_PREFIX)
}

fn parse_role(value: &str) -> Result<RolePair, Rejection> {
    // As signed: no white space is trimmed (STS reads the value as written, and an ARN holds none).
    let parts: Vec<&str> = value.split(',').collect();
    let [first, second] = parts.as_slice() else {
        return Err(invalid(
            ROLE,
            format!(
                "value {:?} is not ROLE_ARN,PROVIDER_ARN",
                super::xml::clip(value)
            ),
        ));
    };
    let (role, provider) = match (iam_resource(first), iam_resource(second)) {
        (Some("role"), Some("saml-provider")) => (first, second),
        (Some("saml-provider"), Some("role")) => (second, first),
        _ => {
            return Err(invalid(
                ROLE,
                format!(
                    "value {:?} must pair an IAM role ARN with a SAML provider ARN",
                    super::xml::clip(value)
                ),
            ))
        }
    };
    Ok(RolePair {
        role_arn: (*role).to_owned(),
        provider_arn: (*provider).to_owned(),
    })
}

/// For `arn:PARTITION:iam::ACCOUNT:TYPE/NAME`, the TYPE; None for anything else.
fn iam_resource(arn: &str) -> Option<&str> {
    let mut fields = arn.splitn(6, ':');
    let (arn_word, partition, service, region, account, resource) = (
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
        fields.next()?,
    );
    let well_formed = arn_word == "arn"
        && partition.starts_with("aws")
        && service == "iam"
        && region.is_empty()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit());
    let (kind, name) = resource.split_once('/')?;
    (well_formed && !name.is_empty()).then_some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    #[test]
    fn recognises_the_aws_signin_endpoints_and_their_patterns() {
        for recipient in [
            "https://signin.aws.amazon.com/saml",
            "https://eu-west-1.signin.aws.amazon.com/saml",
            "https://*.signin.aws.amazon.com/saml",
            "https://signin.amazonaws.cn/saml",
        ] {
            assert!(is_aws_signin_recipient(recipient), "{recipient}");
        }
        for recipient in [
            "https://sso.example.com/saml/acs",
            "https://signin.aws.amazon.com/saml/acs",
            "https://abc.lambda-url.us-east-1.on.aws/saml/acs",
        ] {
            assert!(!is_aws_signin_recipient(recipient), "{recipient}");
        }
    }

    #[test]
    fn parses_role_pairs_in_either_order_and_several_values() {
        let parsed = parse(&attrs(&[(
            ROLE,
            &[
                "arn:aws:iam::111122223333:role/DataScientist,arn:aws:iam::111122223333:saml-provider/Okta",
                "arn:aws:iam::111122223333:saml-provider/Okta,arn:aws:iam::111122223333:role/path/Admin",
            ],
        )]))
        .unwrap();
        assert_eq!(
            parsed.roles,
            vec![
                RolePair {
                    role_arn: "arn:aws:iam::111122223333:role/DataScientist".into(),
                    provider_arn: "arn:aws:iam::111122223333:saml-provider/Okta".into()
                },
                RolePair {
                    role_arn: "arn:aws:iam::111122223333:role/path/Admin".into(),
                    provider_arn: "arn:aws:iam::111122223333:saml-provider/Okta".into()
                },
            ]
        );
    }

    #[test]
    fn rejects_role_values_that_are_not_a_role_and_provider_pair() {
        for bad in [
            "arn:aws:iam::111122223333:role/A",
            "arn:aws:iam::111122223333:role/A,arn:aws:iam::111122223333:role/B",
            "arn:aws:iam::1111:role/A,arn:aws:iam::111122223333:saml-provider/P",
            "arn:aws:s3:::bucket,arn:aws:iam::111122223333:saml-provider/P",
            // As signed, never trimmed: STS reads the value as written.
            "arn:aws:iam::111122223333:role/A, arn:aws:iam::111122223333:saml-provider/P",
            " arn:aws:iam::111122223333:role/A,arn:aws:iam::111122223333:saml-provider/P",
        ] {
            let err = parse(&attrs(&[(ROLE, &[bad])])).unwrap_err();
            assert_eq!(err.reason_code(), "invalid-aws-attribute", "{bad}");
        }
    }

    #[test]
    fn reads_session_attributes_and_principal_tags() {
        let parsed = parse(&attrs(&[
            (ROLE_SESSION_NAME, &["alice@example.com"]),
            (SESSION_DURATION, &["3600"]),
            (SOURCE_IDENTITY, &["alice"]),
            (&format!("{PRINCIPAL_TAG_PREFIX}studiouserid"), &["alice"]),
            (&format!("{PRINCIPAL_TAG_PREFIX}team"), &["ml"]),
            (TRANSITIVE_TAG_KEYS, &["studiouserid", "team"]),
            (
                "https://aws.amazon.com/SAML/Attributes/Zzz",
                &["after the tags"],
            ),
        ]))
        .unwrap();
        assert_eq!(
            parsed.role_session_name.as_deref(),
            Some("alice@example.com")
        );
        assert_eq!(parsed.session_duration, Some(3600));
        assert_eq!(parsed.source_identity.as_deref(), Some("alice"));
        assert_eq!(
            parsed
                .principal_tags
                .get("studiouserid")
                .map(String::as_str),
            Some("alice")
        );
        assert_eq!(parsed.principal_tags.len(), 2);
        assert_eq!(parsed.transitive_tag_keys, vec!["studiouserid", "team"]);
    }

    #[test]
    fn rejects_values_sts_would_refuse() {
        let cases: &[(&str, &[&str])] = &[
            (ROLE_SESSION_NAME, &["a"]),
            (ROLE_SESSION_NAME, &["has space"]),
            (ROLE_SESSION_NAME, &["alice", "bob"]),
            (SESSION_DURATION, &["899"]),
            (SESSION_DURATION, &["43201"]),
            (SESSION_DURATION, &["1h"]),
            (SOURCE_IDENTITY, &["aws:alice"]),
        ];
        for (name, values) in cases {
            let err = parse(&attrs(&[(name, values)])).unwrap_err();
            assert_eq!(
                err.reason_code(),
                "invalid-aws-attribute",
                "{name} {values:?}"
            );
        }
    }
}
