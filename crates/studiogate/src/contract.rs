//! What each function needs from its deployment: the environment it reads and the AWS operations
//! it calls, by whose credentials. Each list is written once, beside the port that calls it;
//! `studiogate contract` prints this, `tests/template` checks `template.yaml` grants exactly it,
//! and `studiogate-aws` checks its adapters call nothing else.

use crate::config::deployment::{Function, PARAMETER_OPERATIONS};
use crate::login::ports as login;
use crate::offboard;
use crate::provision::ports as provision;
use crate::targets::{emr, sagemaker};
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
                login::REPLAY_OPERATIONS,
                login::SEAL_OPERATIONS,
                login::INVOKE_OPERATIONS,
                PARAMETER_OPERATIONS,
            ]),
            user_operations: Vec::new(),
            unsigned_operations: login::STS_OPERATIONS.to_vec(),
        },
        Function::Presign => FunctionContract {
            function: "presign",
            environment,
            role_operations: concat(&[
                sagemaker::port::OPERATIONS,
                sagemaker::port::SPOKE_OPERATIONS,
                emr::port::OPERATIONS,
                provision::SEAL_OPERATIONS,
                PARAMETER_OPERATIONS,
            ]),
            user_operations: concat(&[
                sagemaker::port::USER_OPERATIONS,
                provision::IDENTITY_OPERATIONS,
                emr::port::USER_OPERATIONS,
            ]),
            unsigned_operations: Vec::new(),
        },
        Function::Offboard => FunctionContract {
            function: "offboard",
            environment,
            role_operations: concat(&[
                offboard::port::OPERATIONS,
                offboard::port::EMR_OPERATIONS,
                PARAMETER_OPERATIONS,
            ]),
            user_operations: Vec::new(),
            unsigned_operations: Vec::new(),
        },
    }
}

/// Every function's contract.
pub fn all() -> Vec<FunctionContract> {
    vec![
        of(Function::SamlValidator),
        of(Function::Presign),
        of(Function::Offboard),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(acs.unsigned_operations, vec!["sts:AssumeRoleWithSAML"]);
        let presign = of(Function::Presign);
        assert!(
            !presign
                .environment
                .contains(&"STUDIOGATE_IDP_METADATA_PARAMETER"),
            "presign validates no assertion"
        );
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
        assert_eq!(
            presign.user_operations,
            vec![
                "sagemaker:CreatePresignedDomainUrl",
                "sts:GetCallerIdentity",
                "signin:GetSigninToken"
            ]
        );
    }
}
