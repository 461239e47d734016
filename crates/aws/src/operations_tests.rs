//! Each adapter calls exactly the AWS operations its port lists (the lists `studiogate contract`
//! prints and `tests/template` holds `template.yaml` to), read from the adapters' own sources.

use studiogate::config::deployment::PARAMETER_OPERATIONS;
use studiogate::login::ports as login;
use studiogate::provision::ports as provision;
use studiogate::targets::{emr, sagemaker};

/// The SDK operations an adapter's source calls: `client.op()`, `admin.op()`, `presigner.op()`,
/// as IAM action names (`sagemaker:DescribeUserProfile`).
fn called(service: &str, source: &str) -> Vec<String> {
    let compact: String = source.split_whitespace().collect();
    let mut found = Vec::new();
    for marker in ["client.", "admin.", "presigner."] {
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
    all.dedup();
    all
}

#[test]
fn every_adapter_calls_exactly_the_operations_its_port_lists() {
    let adapters: [(&str, &str, Vec<String>); 8] = [
        (
            "sagemaker",
            concat!(
                include_str!("sagemaker/mod.rs"),
                include_str!("sagemaker/space.rs"),
                // Last: its test module ends the product code.
                include_str!("sagemaker/offboard.rs")
            ),
            listed(
                &[
                    sagemaker::port::OPERATIONS,
                    sagemaker::port::USER_OPERATIONS,
                    studiogate::offboard::port::OPERATIONS,
                ],
                "sagemaker",
            ),
        ),
        (
            "elasticmapreduce",
            include_str!("emr.rs"),
            listed(&[emr::port::OPERATIONS], "elasticmapreduce"),
        ),
        (
            "identitystore",
            include_str!("identitystore.rs"),
            listed(&[emr::port::OPERATIONS], "identitystore"),
        ),
        (
            "dynamodb",
            include_str!("dynamodb.rs"),
            listed(&[login::REPLAY_OPERATIONS], "dynamodb"),
        ),
        (
            "kms",
            include_str!("kms.rs"),
            listed(&[login::SEAL_OPERATIONS, provision::SEAL_OPERATIONS], "kms"),
        ),
        (
            "lambda",
            include_str!("lambda.rs"),
            listed(&[login::INVOKE_OPERATIONS], "lambda"),
        ),
        (
            "ssm",
            include_str!("ssm.rs"),
            listed(&[PARAMETER_OPERATIONS], "ssm"),
        ),
        (
            "sts",
            include_str!("sts.rs"),
            listed(
                &[provision::IDENTITY_OPERATIONS, login::STS_OPERATIONS],
                "sts",
            ),
        ),
    ];
    for (service, source, listed) in adapters {
        // Test modules inside an adapter may build clients too; only the product code counts.
        let product = source.split("#[cfg(test)]").next().unwrap_or(source);
        assert_eq!(
            called(service, product),
            listed,
            "{service}: calls versus the port's list"
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
        listed(&[login::REPLAY_OPERATIONS], "dynamodb"),
        "DeleteTable is not listed, so the check must fail"
    );
}

#[test]
fn the_scanner_finds_calls_however_they_are_wrapped() {
    let source = "let x = self\n    .admin\n    .describe_user_profile()\n; self.presigner\n.get_caller_identity()";
    assert_eq!(
        called("sagemaker", source),
        vec![
            "sagemaker:DescribeUserProfile",
            "sagemaker:GetCallerIdentity"
        ]
    );
}
