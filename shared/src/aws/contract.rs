//! What each function needs from its deployment: the environment it reads and the AWS operations
//! it calls, by whose credentials. `studiogate contract` prints it; the template tests check that
//! `template.yaml` grants exactly this, and the test below that the adapters call nothing else.

use super::{dynamodb, emr, federation, kms, lambda, sagemaker, ssm, sts};
use crate::config::deployment::Function;
use serde::Serialize;

/// One function's needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FunctionContract {
    /// The function (as `template.yaml`'s `BuildProperties.Binary` names it).
    pub function: &'static str,
    /// The deployment variables it reads.
    pub environment: Vec<&'static str>,
    /// Operations signed with the function's own role: its role must grant each.
    pub role_operations: Vec<&'static str>,
    /// Operations signed with the user's federated credentials: the user's role grants them.
    pub user_operations: Vec<&'static str>,
    /// Operations that are not signed at all.
    pub unsigned_operations: Vec<&'static str>,
}

/// The contract of `function`.
pub fn of(function: Function) -> FunctionContract {
    let environment = function.environment().to_vec();
    let concat = |lists: &[&[&'static str]]| lists.concat();
    match function {
        Function::SamlValidator => FunctionContract {
            function: "saml-validator",
            environment,
            role_operations: concat(&[
                dynamodb::OPERATIONS,
                kms::SEALER_OPERATIONS,
                lambda::OPERATIONS,
                ssm::OPERATIONS,
            ]),
            user_operations: Vec::new(),
            unsigned_operations: sts::UNSIGNED_OPERATIONS.to_vec(),
        },
        Function::Presign => FunctionContract {
            function: "presign",
            environment,
            role_operations: concat(&[
                sagemaker::OPERATIONS,
                emr::OPERATIONS,
                kms::VERIFIER_OPERATIONS,
                ssm::OPERATIONS,
            ]),
            user_operations: concat(&[
                sagemaker::USER_OPERATIONS,
                sts::USER_OPERATIONS,
                federation::USER_OPERATIONS,
            ]),
            unsigned_operations: Vec::new(),
        },
    }
}

/// Every function's contract.
pub fn all() -> Vec<FunctionContract> {
    vec![of(Function::SamlValidator), of(Function::Presign)]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SDK operations an adapter's source calls: `client.op()`, `admin.op()`,
    /// `Client::from_conf(..).op()`, as IAM action names (`sagemaker:DescribeUserProfile`).
    fn called(service: &str, source: &str) -> Vec<String> {
        let compact: String = source.split_whitespace().collect();
        let mut found = Vec::new();
        for marker in ["client.", "admin.", "from_conf(config)."] {
            for (at, _) in compact.match_indices(marker) {
                let rest = &compact[at + marker.len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !name.is_empty() && rest[name.len()..].starts_with("()") {
                    found.push(format!("{service}:{}", iam_action(&name)));
                }
            }
        }
        found.sort();
        found.dedup();
        found
    }

    /// `describe_user_profile` → `DescribeUserProfile`; Lambda's `invoke` is `InvokeFunction` in IAM.
    fn iam_action(snake: &str) -> String {
        match snake {
            "invoke" => "InvokeFunction".into(),
            "assume_role_with_saml" => "AssumeRoleWithSAML".into(),
            _ => snake
                .split('_')
                .map(|word| {
                    let mut chars = word.chars();
                    chars
                        .next()
                        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                        .unwrap_or_default()
                })
                .collect(),
        }
    }

    fn listed(lists: &[&[&str]], service: &str) -> Vec<String> {
        let mut all: Vec<String> = lists
            .concat()
            .into_iter()
            .filter(|op| op.starts_with(&format!("{service}:")))
            .map(str::to_owned)
            .collect();
        all.sort();
        all
    }

    #[test]
    fn every_adapter_calls_exactly_the_operations_it_lists() {
        let adapters: [(&str, &str, Vec<String>); 7] = [
            (
                "sagemaker",
                include_str!("sagemaker.rs"),
                listed(
                    &[sagemaker::OPERATIONS, sagemaker::USER_OPERATIONS],
                    "sagemaker",
                ),
            ),
            (
                "elasticmapreduce",
                include_str!("emr.rs"),
                listed(&[emr::OPERATIONS], "elasticmapreduce"),
            ),
            (
                "dynamodb",
                include_str!("dynamodb.rs"),
                listed(&[dynamodb::OPERATIONS], "dynamodb"),
            ),
            (
                "kms",
                include_str!("kms.rs"),
                listed(&[kms::SEALER_OPERATIONS, kms::VERIFIER_OPERATIONS], "kms"),
            ),
            (
                "lambda",
                include_str!("lambda.rs"),
                listed(&[lambda::OPERATIONS], "lambda"),
            ),
            (
                "ssm",
                include_str!("ssm.rs"),
                listed(&[ssm::OPERATIONS], "ssm"),
            ),
            (
                "sts",
                include_str!("sts.rs"),
                listed(&[sts::USER_OPERATIONS, sts::UNSIGNED_OPERATIONS], "sts"),
            ),
        ];
        for (service, source, listed) in adapters {
            // Test modules inside an adapter may build clients too; only the product code counts.
            let product = source.split("#[cfg(test)]").next().unwrap_or(source);
            assert_eq!(
                called(service, product),
                listed,
                "{service}: calls versus OPERATIONS"
            );
        }
    }

    #[test]
    fn an_adapter_calling_an_unlisted_operation_is_caught() {
        let extended = format!(
            "{}\nasync fn purge(&self) {{ self.client.delete_table().send().await; }}",
            include_str!("dynamodb.rs")
        );
        assert_ne!(
            called("dynamodb", &extended),
            listed(&[dynamodb::OPERATIONS], "dynamodb"),
            "DeleteTable is not listed, so the check must fail"
        );
    }

    #[test]
    fn the_scanner_finds_calls_however_they_are_wrapped() {
        let source = "let x = self\n    .admin\n    .describe_user_profile()\n; aws_sdk_sts::Client::from_conf(config)\n.get_caller_identity()";
        assert_eq!(
            called("sagemaker", source),
            vec![
                "sagemaker:DescribeUserProfile",
                "sagemaker:GetCallerIdentity"
            ]
        );
    }

    #[test]
    fn each_function_reads_its_own_variables_and_calls_as_its_role_what_its_role_must_grant() {
        let acs = of(Function::SamlValidator);
        assert!(acs.environment.contains(&"STUDIOGATE_REPLAY_TABLE"));
        assert_eq!(
            acs.role_operations,
            vec![
                "dynamodb:PutItem",
                "kms:GenerateMac",
                "lambda:InvokeFunction",
                "ssm:GetParameter"
            ]
        );
        let presign = of(Function::Presign);
        assert!(presign.role_operations.contains(&"iam:PassRole"));
        assert!(presign.role_operations.contains(&"kms:VerifyMac"));
        assert!(
            !presign.role_operations.contains(&"kms:GenerateMac"),
            "presign checks seals, it never makes them"
        );
        assert!(
            !presign
                .role_operations
                .contains(&"sagemaker:CreatePresignedDomainUrl"),
            "the user's role grants it"
        );
    }
}
