"""template.yaml against the code and against the security rules, over the parsed template (cfn-lint's
own decoder, so the tags and Fn::ForEach read the way CloudFormation reads them).

The contract comes from the code: `studiogate contract` prints, per function, the environment it reads
and the AWS operations it calls as its own role, as the user, or unsigned.
"""

from __future__ import annotations

import json
import re
import pathlib
import subprocess
import sys

import pytest
from cfnlint.decode import decode

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "local"))
from studiogate_local.functions import binaries_dir  # noqa: E402  (where cargo puts the CLI)

TEMPLATE_FILE = REPO / "template.yaml"

# What the Lambda runtime itself needs, beyond what the code calls (granted to every function).
RUNTIME = {"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords"}
# A function in a VPC: Lambda attaches it with these.
VPC_ATTACHMENT = {"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets", "ec2:CreateNetworkInterface",
                  "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"}
# Implied by operations the code calls: SecureString reads decrypt through KMS (only via SSM), and
# EMR's Create/DeleteStudioSessionMapping look the identity up in IAM Identity Center as the caller
# (Amazon EMR Management Guide, "Permissions required to manage an EMR Studio": assigning needs
# sso:AssociateProfile, removing sso:DisassociateProfile).
IDENTITY_CENTER_LOOKUPS = {"sso:GetManagedApplicationInstance", "sso:GetProfile", "sso:ListDirectoryAssociations",
                           "sso:ListProfiles", "sso-directory:SearchUsers", "sso-directory:SearchGroups",
                           "sso-directory:DescribeUser", "sso-directory:DescribeGroup"}
IMPLIED = {
    # A Parameter Store reference to a secret (the SP key) is authorized on the secret too.
    "ssm:GetParameter": {"kms:Decrypt", "secretsmanager:GetSecretValue"},
    "elasticmapreduce:CreateStudioSessionMapping": IDENTITY_CENTER_LOOKUPS | {"sso:AssociateProfile"},
    "elasticmapreduce:DeleteStudioSessionMapping": IDENTITY_CENTER_LOOKUPS | {"sso:DisassociateProfile"},
}


def binary() -> pathlib.Path:
    """The CLI, built from this checkout (a no-op when it is fresh; never a stale binary)."""
    # The same selection as scripts/test-all.sh builds, so no other feature set is compiled.
    subprocess.run(["cargo", "build", "-q", "--workspace", "--bins"], cwd=REPO, check=True)
    return binaries_dir() / "studiogate"


@pytest.fixture(scope="module")
def contract() -> dict:
    answer = subprocess.run([str(binary()), "contract"], check=True, capture_output=True, text=True)
    return {entry["function"]: entry for entry in json.loads(answer.stdout)}


@pytest.fixture(scope="module")
def template() -> dict:
    parsed, matches = decode(str(TEMPLATE_FILE))
    assert not matches, matches
    return parsed


def resources(template: dict) -> dict:
    """Every resource, with the Fn::ForEach bodies expanded once (their logical IDs as templates)."""
    found = {}
    for key, value in template["Resources"].items():
        if key.startswith("Fn::ForEach::"):
            _, _, body = value
            found.update(body)
        else:
            found[key] = value
    return found


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def statements_of_role(template: dict, role: str) -> list[dict]:
    """The role's inline policies and every AWS::IAM::RolePolicy attached to it (If branches unwrapped)."""
    out = []
    everything = resources(template)
    documents = [p["PolicyDocument"] for p in everything[role]["Properties"].get("Policies", [])]
    documents += [r["Properties"]["PolicyDocument"] for r in everything.values()
                  if r["Type"] == "AWS::IAM::RolePolicy" and r["Properties"]["RoleName"] == {"Ref": role}]
    for document in documents:
        for statement in document["Statement"]:
            if isinstance(statement, dict) and "Fn::If" in statement:
                statement = statement["Fn::If"][1]
            out.append(statement)
    return out


def allowed_actions(template: dict, role: str) -> set[str]:
    return {a for s in statements_of_role(template, role) if s["Effect"] == "Allow" for a in as_list(s["Action"])}


def function(template: dict, binary_name: str) -> dict:
    (found,) = [r for r in resources(template).values()
                if r["Type"] == "AWS::Serverless::Function" and r["Metadata"]["BuildProperties"]["Binary"] == binary_name]
    return found


def role_of(fn: dict) -> str:
    return fn["Properties"]["Role"]["Fn::GetAtt"][0]


# ------------------------------------------------------------------ the contract with the code
@pytest.mark.parametrize("name", ["saml-validator", "presign", "offboard"])
def test_each_function_gets_exactly_the_environment_its_code_reads(template, contract, name):
    variables = set(function(template, name)["Properties"]["Environment"]["Variables"])
    assert variables == set(contract[name]["environment"])


@pytest.mark.parametrize("name", ["saml-validator", "presign", "offboard"])
def test_each_function_role_grants_what_its_code_calls_and_nothing_more(template, contract, name):
    fn = function(template, name)
    granted = allowed_actions(template, role_of(fn))
    needed = set(contract[name]["role_operations"])
    assert needed <= granted, f"not granted: {needed - granted}"
    allowed = needed | RUNTIME | set().union(*(IMPLIED.get(op, set()) for op in needed))
    if "VpcConfig" in fn["Properties"]:
        allowed |= VPC_ATTACHMENT
    assert granted <= allowed, f"granted but never called: {granted - allowed}"


def test_the_user_role_grants_what_presign_calls_with_the_users_credentials(template, contract):
    granted = allowed_actions(template, "StudioUserRole")
    needs_permission = {op for op in contract["presign"]["user_operations"]
                        if op not in ("sts:GetCallerIdentity", "signin:GetSigninToken")}
    assert needs_permission <= granted
    assert "elasticmapreduce:CreateStudioPresignedUrl" in granted, "opens EMR Studios (an IAM permission, not an API)"


def test_presign_can_be_invoked_only_by_saml_validator(template):
    everything = resources(template)
    invokers = [s for s in statements_of_role(template, "SamlValidatorRole") if "lambda:InvokeFunction" in as_list(s["Action"])]
    assert [s["Resource"] for s in invokers] == [{"Fn::GetAtt": ["PresignFunction", "Arn"]}]
    permissions = [r for r in everything.values() if r["Type"] == "AWS::Lambda::Permission"
                   and r["Properties"]["FunctionName"] == {"Ref": "PresignFunction"}]
    assert permissions == [], "no resource policy opens presign to anyone"
    presign = function(template, "presign")["Properties"]
    assert "FunctionUrlConfig" not in presign and "Events" not in presign
    assert presign["VpcConfig"]["SubnetIds"] == {"Ref": "SubnetIds"}


# ------------------------------------------------------------------ the security rules
def test_only_saml_validator_may_seal_presign_requests_and_only_presign_may_check_them(template):
    key = resources(template)["PresignSealKey"]["Properties"]
    assert (key["KeySpec"], key["KeyUsage"]) == ("HMAC_256", "GENERATE_VERIFY_MAC")
    statements = key["KeyPolicy"]["Statement"]
    uses = {"kms:GenerateMac", "kms:VerifyMac"}

    account = {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}

    def who_may(action):
        # The account as principal (KMS checks that named principals exist at CreateKey), narrowed
        # to one role by aws:PrincipalArn.
        found = [s for s in statements if s["Effect"] == "Allow" and action in as_list(s["Action"])]
        assert all(s["Principal"] == account for s in found)
        return [s["Condition"]["ArnEquals"]["aws:PrincipalArn"] for s in found]

    assert who_may("kms:GenerateMac") == [{"Fn::GetAtt": ["SamlValidatorRole", "Arn"]}]
    assert who_may("kms:VerifyMac") == [{"Fn::GetAtt": ["PresignRole", "Arn"]}]
    for statement in statements:
        actions = set(as_list(statement["Action"]))
        assert not any("*" in a for a in actions), "no wildcard can reach the MAC actions"
        if actions & uses:
            assert statement["Condition"]["StringEquals"] == {"kms:MacAlgorithm": "HMAC_SHA_256"}
    (admin,) = [s for s in statements if "Condition" not in s]
    assert not set(as_list(admin["Action"])) & uses, "the account administers the key but IAM policies cannot grant its use"
    assert "kms:PutKeyPolicy" in as_list(admin["Action"]), "and the key never locks its administrators out"
    for name in ("saml-validator", "presign"):
        variables = function(template, name)["Properties"]["Environment"]["Variables"]
        assert variables["STUDIOGATE_PRESIGN_SEAL_KEY"] == {"Fn::GetAtt": ["PresignSealKey", "Arn"]}, name
    assert "kms:GenerateMac" not in allowed_actions(template, "PresignRole")
    assert "kms:VerifyMac" not in allowed_actions(template, "SamlValidatorRole")


def test_the_studio_network_is_one_deny_whatever_the_mode(template):
    """Which networks it admits per StudioNetworkMode is evaluated by the IAM simulator (tests/iam:
    "presigning only from the allowed networks", "alice's browser ..."); here, its shape."""
    denies = [s for s in statements_of_role(template, "StudioUserRole")
              if s["Effect"] == "Deny" and "sagemaker:CreatePresignedDomainUrl" in as_list(s["Action"])]
    assert len(denies) == 1, "a Deny, so no Allow elsewhere can widen it"
    deny = denies[0]
    assert deny["Resource"] == "*" and deny["Sid"] == "OnlyFromTheAllowedNetworks"
    assert resources(template)["StudioUserNetworkGuard"]["Condition"] == "GuardStudioNetwork"
    condition, corporate, vpc = deny["Condition"]["Fn::If"]
    assert condition == "AllowCorporateIps" and vpc["StringNotEquals"] == corporate["StringNotEquals"]
    assert corporate["NotIpAddress"] == {"aws:SourceIp": {"Ref": "CorporateCidrs"}}
    allows = [s for s in statements_of_role(template, "StudioUserRole")
              if s["Effect"] == "Allow" and "sagemaker:CreatePresignedDomainUrl" in as_list(s["Action"])]
    assert allows and all(
        s["Condition"]["StringEquals"]["sagemaker:ResourceTag/studiouserid"] == "${aws:PrincipalTag/studiouserid}"
        for s in allows), "only profiles the user owns"


def test_the_user_role_trusts_only_the_saml_provider_for_the_brokers_acs_url_and_opted_in_audiences(template):
    trust, source_identity = resources(template)["StudioUserRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == source_identity["Principal"] == {"Federated": {"Ref": "SamlProvider"}}
    assert as_list(trust["Action"]) == ["sts:AssumeRoleWithSAML", "sts:TagSession"]
    assert as_list(source_identity["Action"]) == ["sts:SetSourceIdentity"]
    assert trust["Condition"]["StringLike"] == {"aws:RequestTag/studiouserid": "?*"}, "no session without its owner"
    assert sorted(trust["Condition"]) == ["StringEquals", "StringLike"]
    audiences = trust["Condition"]["StringEquals"]["SAML:aud"]
    assert source_identity["Condition"]["StringEquals"]["SAML:aud"] == audiences
    acs_url = resources(template)["AcsUrlParameter"]["Properties"]["Value"]
    assert acs_url == template["Outputs"]["AcsUrl"]["Value"], "one ACS URL: the parameter, the output, the trust"
    separator, (joined_by, (acs, sign_in, additional)) = audiences["Fn::Split"][0], audiences["Fn::Split"][1]["Fn::Join"]
    assert (separator, joined_by) == (",", ",")
    assert acs == acs_url, "the broker's ACS URL, always"
    assert sign_in == {"Fn::If": ["AcceptAwsSignIn", {"Fn::Sub": "https://signin.aws.amazon.com/saml,https://${AWS::Region}.signin.aws.amazon.com/saml"},
                                  {"Ref": "AWS::NoValue"}]}, "the AWS sign-in endpoints only when opted in"
    assert additional == {"Fn::If": ["HasAdditionalSamlAudiences", {"Fn::Join": [",", {"Ref": "AdditionalSamlAudiences"}]},
                                     {"Ref": "AWS::NoValue"}]}
    assert template["Parameters"]["AcceptAwsSignInRecipient"]["Default"] == "false"
    assert template["Parameters"]["AdditionalSamlAudiences"]["Default"] == ""


def unwrap_if(node) -> list:
    """Both branches of an Fn::If (AWS::NoValue dropped), recursively; anything else as it is."""
    if isinstance(node, dict) and list(node) == ["Fn::If"]:
        _, yes, no = node["Fn::If"]
        return [leaf for branch in (yes, no) for leaf in unwrap_if(branch)
                if leaf != {"Ref": "AWS::NoValue"}]
    return [node]


def all_statements(template: dict) -> list[tuple[str, dict]]:
    """Every IAM statement anywhere in the template, whatever holds it (a role's inline or trust
    policy, an AWS::IAM::RolePolicy, Policy or ManagedPolicy, a SAM function's Policies, a key or
    bucket policy), both branches of each Fn::If: the security rules below see them all."""
    found = []

    def walk(node, where):
        if isinstance(node, dict):
            if isinstance(node.get("Statement"), list):
                for item in node["Statement"]:
                    for statement in unwrap_if(item):
                        found.append((where, statement))
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}[{i}]")

    for name, resource in resources(template).items():
        walk(resource, name)
    return found


def test_every_kind_of_policy_in_the_template_is_seen_by_the_rules(template):
    holders = {where.split(".")[0] for where, _ in all_statements(template)}
    roles = {k for k, r in resources(template).items() if r["Type"] == "AWS::IAM::Role"}
    assert roles <= holders, "every role's policies are scanned"
    assert all("Effect" in s for _, s in all_statements(template)), "only statements are collected"
    # Function permissions come only from the named roles, which the contract test checks.
    for name in ("saml-validator", "presign", "offboard"):
        assert "Policies" not in function(template, name)["Properties"], name


def wildcard_actions(template: dict) -> list[str]:
    """Statements whose actions are `*`-shaped, or an Allow with NotAction."""
    found = []
    for where, statement in all_statements(template):
        if statement["Effect"] == "Allow" and "NotAction" in statement:
            found.append(f"{where}: an Allow with NotAction grants almost everything")
        for action in as_list(statement.get("Action", [])):
            if "*" in action:
                found.append(f"{where}: {action}")
    return found


def unconditioned_wildcard_resources(template: dict) -> list[str]:
    """Allowed actions on Resource '*' with no condition and no reason in the template's Metadata."""
    reasons = template.get("Metadata", {}).get("studiogate:WildcardResourceExceptions", {})
    everything = resources(template)
    found = []
    for where, statement in all_statements(template):
        if statement["Effect"] != "Allow" or "*" not in as_list(statement.get("Resource", [])) or "Condition" in statement:
            continue
        if everything[where.split(".")[0]]["Type"] == "AWS::KMS::Key":
            continue  # in a key policy, "*" is the key itself
        found += [f"{where}: {action}" for action in as_list(statement.get("Action", [])) if action not in reasons]
    return found


def test_no_action_is_a_wildcard(template):
    assert wildcard_actions(template) == []


def test_nothing_is_allowed_on_every_resource_without_a_condition_or_a_reason(template):
    assert unconditioned_wildcard_resources(template) == []


def test_the_policy_rules_catch_what_they_are_for():
    """The rules fail on the shapes they exist to refuse, wherever those hide."""
    hidden = {"Resources": {
        "Extra": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement": [
            {"Fn::If": ["C", {"Ref": "AWS::NoValue"},
                        {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}]}}},
        "Fn": {"Type": "AWS::Serverless::Function", "Properties": {"Policies": [{"Statement": [
            {"Effect": "Allow", "NotAction": "iam:PassRole", "Resource": "*"},
            {"Effect": "Allow", "Action": "iam:CreateRole", "Resource": "*"}]}]}},
    }}
    assert wildcard_actions(hidden) == [
        "Extra.Properties.PolicyDocument: s3:*",
        "Fn.Properties.Policies[0]: an Allow with NotAction grants almost everything",
    ]
    assert unconditioned_wildcard_resources(hidden) == [
        "Extra.Properties.PolicyDocument: s3:*", "Fn.Properties.Policies[0]: iam:CreateRole"]


def test_pass_role_is_limited_to_the_mapped_execution_roles_and_to_sagemaker(template):
    (statement,) = [s for s in statements_of_role(template, "PresignRole") if "iam:PassRole" in as_list(s["Action"])]
    assert statement["Resource"] == {"Ref": "ExecutionRoleArns"}
    assert statement["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}


def test_the_replay_table_keeps_encryption_ttl_recovery_and_on_demand(template):
    table = resources(template)["ReplayTable"]["Properties"]
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]


def test_functions_are_arm64_custom_runtime_traced_json_logging_with_retention(template):
    globals_ = template["Globals"]["Function"]
    assert (globals_["Runtime"], globals_["Architectures"], globals_["Tracing"]) == ("provided.al2023", ["arm64"], "Active")
    for name in ("saml-validator", "presign", "offboard"):
        fn = function(template, name)
        assert fn["Metadata"]["BuildMethod"] == "rust-cargolambda"
        logging = fn["Properties"]["LoggingConfig"]
        assert logging["LogFormat"] == "JSON"
        group = resources(template)[logging["LogGroup"]["Ref"]]
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_the_acs_answers_before_api_gateways_30_seconds(template):
    assert function(template, "saml-validator")["Properties"]["Timeout"] <= 29
    # presign.budget_seconds defaults to 20: its timeout leaves room for a cold start.
    assert 20 < function(template, "presign")["Properties"]["Timeout"] <= 29


def test_outputs_give_the_idp_administrator_what_to_configure(template):
    outputs = template["Outputs"]
    for name in ("AcsUrl", "MetadataUrl", "SamlProviderArn", "RoleAttributeValue", "SageMakerApiEndpointId", "StsEndpointId",
                 "KmsEndpointId", "PresignSealKeyArn"):
        assert name in outputs, name
    assert outputs["RoleAttributeValue"]["Value"] == {"Fn::Sub": "${StudioUserRole.Arn},${SamlProvider}"}


def strings_in(node):
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from strings_in(value)


def test_parameter_arns_join_names_that_start_with_a_slash(template):
    """SSM parameter names are full names (/a/b): the ARN is parameter + name, no second slash."""
    arns = [s for s in strings_in(template["Resources"]) if ":parameter" in s]
    assert arns, "the roles name their parameters"
    for arn in arns:
        assert (":parameter${" in arn or arn.endswith(":parameter/*") or ":parameter/studiogate/${AWS::StackName}/" in arn
                or ":parameter/aws/reference/secretsmanager/${" in arn), arn
    for name in ("AcsUrlParameter", "IdpMetadataParameter"):
        assert resources(template)[name]["Properties"]["Name"]["Fn::Sub"].startswith("/studiogate/${AWS::StackName}/")
    for name in ("ConfigParameterName", "ExistingIdpMetadataParameter"):
        assert template["Parameters"][name]["AllowedPattern"] == "^$|^(/[\\w.-]+)+$", name


def test_presign_talks_https_only_and_the_endpoints_serve_every_cidr_of_the_vpc(template):
    everything = resources(template)
    (egress,) = everything["PresignSecurityGroup"]["Properties"]["SecurityGroupEgress"]
    condition, internet, none = egress["Fn::If"]
    assert (condition, internet["IpProtocol"], internet["FromPort"], internet["ToPort"]) == ("AllowInternetEgress", "tcp", 443, 443)
    assert (none["IpProtocol"], none["CidrIp"]) == ("-1", "127.0.0.1/32"), "no default allow-all egress"
    for loop, logical, group in (("PresignReachesTheEndpoints", "PresignEgressTo&{Cidr}", "PresignSecurityGroup"),
                                 ("TheVpcReachesTheEndpoints", "EndpointIngressFrom&{Cidr}", "EndpointSecurityGroup"),
                                 ("TheVpcReachesStudio", "StudioEndpointFromVpc&{Cidr}", "StudioEndpointSecurityGroup")):
        variable, collection, body = template["Resources"][f"Fn::ForEach::{loop}"]
        assert (variable, collection) == ("Cidr", {"Ref": "VpcCidrs"}), loop
        rule = body[logical]["Properties"]
        assert (rule["GroupId"], rule["IpProtocol"], rule["FromPort"], rule["ToPort"], rule["CidrIp"]) == (
            {"Ref": group}, "tcp", 443, 443, {"Ref": "Cidr"}), loop
    for endpoint in ("SageMakerApiEndpoint", "StsEndpoint", "SsmEndpoint", "KmsEndpoint"):
        properties = everything[endpoint]["Properties"]
        assert properties["PrivateDnsEnabled"] is True and properties["VpcEndpointType"] == "Interface", endpoint


def test_a_shared_vpc_takes_its_owners_endpoints_and_creates_none(template):
    """Only a VPC's owner may create interface and Resolver endpoints in it (Amazon VPC User Guide,
    "Responsibilities and permissions for owners and participants")."""
    rule = template["Rules"]["SharedVpcUsesTheOwnersEndpoints"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "SharedVpc"}, "true"]}
    described = " ".join(a["AssertDescription"] for a in rule["Assertions"])
    for needed in ("ExistingSageMakerApiEndpointId", "ExistingStsEndpointId", "ExistingSsmEndpointId",
                   "ExistingKmsEndpointId", "ExistingSageMakerStudioEndpointId", "CreateStudioDnsResolver"):
        assert needed in described, needed


def test_blank_metadata_is_refused_before_anything_is_created(template):
    assertions = template["Rules"]["ConfigurationIsGiven"]["Assertions"]
    described = " ".join(a["AssertDescription"] for a in assertions)
    assert "IdpMetadata" in described
    assert "BrokerConfig" not in template["Parameters"], "the configuration lives in SSM (studiogate config put)"


def test_the_front_door_is_a_public_function_url_or_an_http_api_never_both(template):
    everything = resources(template)
    assert template["Parameters"]["FrontDoor"]["AllowedValues"] == ["FunctionUrl", "HttpApi"]
    assert template["Conditions"]["UseFunctionUrl"] == {"Fn::Equals": [{"Ref": "FrontDoor"}, "FunctionUrl"]}
    assert template["Conditions"]["UseHttpApi"] == {"Fn::Equals": [{"Ref": "FrontDoor"}, "HttpApi"]}
    url = everything["SamlValidatorUrl"]
    assert url["Condition"] == "UseFunctionUrl"
    assert url["Properties"] == {"TargetFunctionArn": {"Fn::GetAtt": ["SamlValidatorFunction", "Arn"]}, "AuthType": "NONE"}
    for name in ("SamlValidatorUrlPermission", "SamlValidatorUrlInvokePermission"):
        permission = everything[name]
        assert permission["Condition"] == "UseFunctionUrl", name
        assert permission["Properties"]["FunctionName"] == {"Ref": "SamlValidatorFunction"}, "only the ACS is public"
    api = everything["HttpApi"]
    assert api["Condition"] == "UseHttpApi" and api["Properties"]["ProtocolType"] == "HTTP"
    assert api["Properties"]["Target"] == {"Fn::GetAtt": ["SamlValidatorFunction", "Arn"]}
    permission = everything["HttpApiPermission"]["Properties"]
    assert (permission["Principal"], permission["FunctionName"]) == ("apigateway.amazonaws.com", {"Ref": "SamlValidatorFunction"})
    assert permission["SourceArn"]["Fn::Sub"].endswith(":${HttpApi}/*"), "only this API may invoke it"
    acs = template["Outputs"]["AcsUrl"]["Value"]["Fn::If"]
    assert acs[0] == "UseFunctionUrl" and all(branch.endswith("saml/acs") for branch in _branches(acs[1:]))
    # A custom domain replaces the execute-api address: the IdP and the user role name only it.
    assert api["Properties"]["DisableExecuteApiEndpoint"] == {"Fn::If": ["HasCustomDomain", True, False]}
    mapping = everything["AcsApiMapping"]
    assert mapping["Condition"] == "HasCustomDomain"
    assert mapping["Properties"] == {"ApiId": {"Ref": "HttpApi"}, "DomainName": {"Ref": "AcsDomainName"}, "Stage": "$default"}
    assert template["Conditions"]["HasCustomDomain"]["Fn::And"][0] == {"Condition": "UseHttpApi"}


def _branches(values: list) -> list[str]:
    """The Fn::Sub strings of an Fn::If's branches, nested Fn::Ifs flattened."""
    found = []
    for value in values:
        if "Fn::If" in value:
            found.extend(_branches(value["Fn::If"][1:]))
        else:
            found.append(value["Fn::Sub"])
    return found


@pytest.fixture(scope="module")
def metrics() -> dict:
    answer = subprocess.run([str(binary()), "metrics"], check=True, capture_output=True, text=True)
    return json.loads(answer.stdout)


def _alarms(template: dict) -> dict:
    """Every alarm by logical ID, Fn::ForEach expanded for each of its values."""
    found = {}
    for key, value in template["Resources"].items():
        if key.startswith("Fn::ForEach::"):
            identifier, collection, body = value
            for item in collection:
                found.update({name.replace("${" + identifier + "}", item): r for name, r in body.items()})
        else:
            found[key] = value
    return {name: r for name, r in found.items() if r["Type"] == "AWS::CloudWatch::Alarm"}


def test_every_alarm_watches_a_metric_the_code_emits_with_its_dimensions(template, metrics):
    """An alarm on a metric no login emits would never fire: each studiogate alarm names a metric of
    `studiogate metrics` with a dimension set it is published with."""
    emitted = {m["name"]: [sorted(d) for d in m["dimensions"]] for m in metrics["metrics"]}
    alarms = _alarms(template)
    watched = set()
    for name, alarm in alarms.items():
        properties = alarm["Properties"]
        if properties["Namespace"] == "AWS/Lambda":
            assert properties["MetricName"] in ("Throttles", "Errors"), name
            continue
        assert properties["Namespace"] == metrics["namespace"], name
        metric = properties["MetricName"]
        assert metric in emitted, f"{name}: {metric} is not emitted"
        dimensions = sorted(d["Name"] for d in properties.get("Dimensions", []))
        assert dimensions in emitted[metric], f"{name}: {metric} is not published with {dimensions}"
        watched.add(metric)
    failures = {"StsFailures", "PresignFailures", "Unavailable", "Refusals", "LoginLatency"}
    assert failures <= watched, f"no alarm on {failures - watched}"


def test_every_dashboard_widget_names_an_emitted_metric(template, metrics):
    body = template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    widgets = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))["widgets"]
    emitted = {m["name"] for m in metrics["metrics"]}
    named = [row[1] for w in widgets if w["type"] == "metric" for row in w["properties"]["metrics"]
             if isinstance(row[0], str) and row[0] == metrics["namespace"]]
    assert named and set(named) <= emitted, set(named) - emitted
    searched = [row[0]["expression"] for w in widgets if w["type"] == "metric" for row in w["properties"]["metrics"]
                if isinstance(row[0], dict)]
    assert all(f'{{{metrics["namespace"]},Outcome}} MetricName="Logins"' in e for e in searched), searched
    (alarm_widget,) = [w for w in widgets if w["type"] == "alarm"]
    listed = set(re.findall(r"\$\{(\w+)\.Arn\}", body))
    assert listed == set(_alarms(template)), "the dashboard lists every alarm"
    assert len(alarm_widget["properties"]["alarms"]) == len(listed)


def test_every_alarm_has_its_runbook_entry(template):
    """docs/operations.md says, for each alarm, what it means and what to do."""
    runbook = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    for name in _alarms(template):
        entry = re.sub(r"^(SamlValidator|Presign)(?=(Throttles|Errors)Alarm$)", "", name)
        assert f"### {entry}" in runbook, f"docs/operations.md has no section ### {entry}"


def test_every_parameter_is_explained_in_the_deployment_guide(template):
    """docs/deploying.md's parameter table names each parameter of the template, and no other."""
    guide = (REPO / "docs" / "deploying.md").read_text(encoding="utf-8")
    table = guide.split("| parameter | what to give |", 1)[1].split("\n\n", 1)[0]
    named = set(re.findall(r"`([A-Z][A-Za-z]+)`", table))
    parameters = set(template["Parameters"])
    assert parameters - named == set(), "parameters the guide does not explain"
    assert {n for n in named if n not in parameters and not n.isupper()} <= {"FunctionUrl", "HttpApi"}, \
        "the guide names parameters the template does not have"


def test_the_front_door_limits_and_alarm_actions_follow_their_parameters(template):
    everything = resources(template)
    limit = everything["HttpApiRateLimit"]
    assert limit["Condition"] == "LimitAcsRate"
    assert limit["Properties"]["Stage"]["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": {"Ref": "AcsRateLimit"}, "ThrottlingBurstLimit": {"Ref": "AcsRateLimit"}}
    assert template["Conditions"]["LimitAcsRate"]["Fn::And"][0] == {"Condition": "UseHttpApi"}
    reserved = everything["SamlValidatorFunction"]["Properties"]["ReservedConcurrentExecutions"]
    assert reserved == {"Fn::If": ["HasAcsReservedConcurrency", {"Ref": "AcsReservedConcurrency"}, {"Ref": "AWS::NoValue"}]}
    notify = {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}
    for name, alarm in _alarms(template).items():
        assert alarm["Properties"]["AlarmActions"] == notify, name
        assert alarm["Properties"]["OKActions"] == notify, name
        assert alarm["Properties"]["TreatMissingData"] == "notBreaching", f"{name}: no logins is no fault"
