"""Named parameter sets for rendering template.yaml: LOCAL (the local stack's world) and a matrix.

LOCAL uses the IDs the local stack already uses (examples/local/studiogate.toml and
tests/emulator/worlds/default.json, whose IDs are deterministic): account 123456789012 in us-east-1,
the SageMaker domain d-7ac2bcf8fc16, the two EMR Studios, the execution roles, the federated role
StudioUser, and the emulator's VPC. Its overrides give the resources the local world already has
under its own names (the SAML provider, the replay table, the two functions) those names.

MATRIX flips one choice of LOCAL at a time (existing endpoints instead of created ones, the HTTP API
front door, no EMR Studios, an SP decryption key, additional SAML audiences, the AWS sign-in Recipient, existing SSM parameters,
internet egress, no scheduled offboarding) and then all of them at once, so each branch of every Fn::If is rendered.
"""

from __future__ import annotations

import dataclasses
import functools
import pathlib
from dataclasses import dataclass, field

from .render import TEMPLATE, RenderedStack, render

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
STACK_NAME = "studiogate"


@dataclass(frozen=True)
class ParameterSet:
    """Parameter values plus the pseudo parameters and overrides of one rendering."""

    name: str
    parameters: dict
    account_id: str = ACCOUNT_ID
    region: str = REGION
    stack_name: str = STACK_NAME
    partition: str = "aws"
    overrides: dict = field(default_factory=dict)

    def render(self, overrides: dict | None = None, template: str | pathlib.Path | dict = TEMPLATE) -> RenderedStack:
        merged = {**self.overrides}
        for logical, values in (overrides or {}).items():
            merged[logical] = {**merged.get(logical, {}), **values}
        return render(self.parameters, account_id=self.account_id, region=self.region, stack_name=self.stack_name,
                      partition=self.partition, overrides=merged, template=template)

    def with_parameters(self, name: str, **changes: object) -> "ParameterSet":
        return dataclasses.replace(self, name=name, parameters={**self.parameters, **changes})


LOCAL = ParameterSet(
    name="local",
    parameters={
        "IdpMetadata": '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
                       'entityID="https://idp.example.test/saml"/>',
        "SageMakerDomainIds": ["d-7ac2bcf8fc16"],
        "ExecutionRoleArns": ["arn:aws:iam::123456789012:role/SageMakerExecutionDefault",
                              "arn:aws:iam::123456789012:role/SageMakerExecutionML"],
        "EmrStudioIds": ["es-25C3E24A5EDE06C04004999A8", "es-B2283EC9EFEAE14EAF53BA4F0"],
        "StudioUserRoleName": "StudioUser",
        "IdentityStoreId": "d-9067c0ffee",
        "StudioUserMaxSessionSeconds": 43200,
        "VpcId": "vpc-0studiogate0local",
        "VpcCidrs": ["10.0.0.0/16"],
        "SubnetIds": ["subnet-0studiogate0a", "subnet-0studiogate0b"],
        "PresignRouteTableIds": ["rtb-0studiogate0a"],
        # DynamoDB's prefix list in us-east-1 (describe-managed-prefix-lists); a placeholder here.
        "DynamoDbPrefixListId": "pl-02cd2c6b",
        # The local stack has the scheduled offboard function (and its role, which tests act as).
        "OffboardInactiveDays": 90,
    },
    overrides={
        "SamlProvider": {"Ref": f"arn:aws:iam::{ACCOUNT_ID}:saml-provider/studiogate-test-idp"},
        "ReplayTable": {"Ref": "studiogate-replay"},
        "PresignFunction": {"Ref": "presign"},
        "SamlValidatorFunction": {"Ref": "saml-validator"},
        "OffboardFunction": {"Ref": "offboard"},
    },
)

EXISTING_ENDPOINTS = {
    "ExistingSageMakerApiEndpointId": "vpce-0a1b2c3d4e5f60718",
    "ExistingStsEndpointId": "vpce-0b1c2d3e4f5a60718",
    "ExistingSsmEndpointId": "vpce-0c1d2e3f4a5b60718",
    "ExistingKmsEndpointId": "vpce-0d1e2f3a4b5c60718",
    "ExistingSageMakerStudioEndpointId": "vpce-0e1f2a3b4c5d60718",
    "ExistingDynamoDbEndpointId": "vpce-0f1a2b3c4d5e60718",
}
# A custom domain in front of the ACS (AdditionalSamlAudiences).
CUSTOM_DOMAIN_ACS_URL = "https://sso.example.com/saml/acs"

_VARIANTS = {
    "existing-endpoints": EXISTING_ENDPOINTS,
    "http-api": {"FrontDoor": "HttpApi"},
    # The stack's own custom domain: the user role must trust its ACS URL (and only it).
    "custom-domain": {"FrontDoor": "HttpApi", "CustomDomainName": "login.example.org",
                      "CustomDomainCertificateArn": f"arn:aws:acm:us-east-1:{ACCOUNT_ID}:certificate/0c0ffee0-0000-4000-8000-000000000001"},
    "operations": {"FrontDoor": "HttpApi", "AcsRateLimit": 50, "AcsReservedConcurrency": "20",
                   "AlarmTopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT_ID}:studiogate-alarms"},
    "no-emr-studios": {"EmrStudioIds": ""},
    "sp-decryption-key": {"SpDecryptionKeySecret": "studiogate/sp-key"},
    "additional-audiences": {"AdditionalSamlAudiences": [CUSTOM_DOMAIN_ACS_URL]},
    "aws-sign-in-recipient": {"AcceptAwsSignInRecipient": "true"},
    "existing-ssm-parameters": {"IdpMetadata": "", "ConfigParameterName": "/corp/studiogate/config",
                                "ExistingIdpMetadataParameter": "/corp/studiogate/idp-metadata"},
    "secondary-vpc-cidr": {"VpcCidrs": ["10.0.0.0/16", "100.64.0.0/16"]},
    "shared-vpc": {"SharedVpc": "true", **EXISTING_ENDPOINTS},
    "default-role-name": {"StudioUserRoleName": ""},
    "internet-egress": {"PresignInternetEgress": "true"},
    "corporate-ip": {"StudioNetworkMode": "corporate-ip", "CorporateCidrs": ["198.51.100.0/24"]},
    "open-network": {"StudioNetworkMode": "open"},
    "studio-dns-resolver": {"CreateStudioDnsResolver": "true", "CorporateCidrs": ["10.20.0.0/16"]},
    # The template's default: no scheduled offboarding (no offboard role, function or schedule).
    "no-offboarding": {"OffboardInactiveDays": 0},
}

MATRIX = [LOCAL.with_parameters(name, **changes) for name, changes in _VARIANTS.items()]
# Every other choice flipped at once (open-network and the resolver are exclusive with corporate-ip;
# the offboard function stays, so its role is rendered with every other choice flipped too).
_ALL = {k: v for name, changes in _VARIANTS.items() if name not in ("open-network", "studio-dns-resolver", "no-offboarding")
        for k, v in changes.items()}
MATRIX.append(LOCAL.with_parameters("all-flipped", **_ALL))
ALL = [LOCAL, *MATRIX]
BY_NAME = {parameter_set.name: parameter_set for parameter_set in ALL}


@functools.lru_cache(maxsize=None)
def rendered(name: str) -> RenderedStack:
    """The rendering of a named parameter set, made once; change only a copy() of it."""
    return BY_NAME[name].render()


# ------------------------------------------------------------------ hub and spoke (template-spoke.yaml)
# Appended after the matrix (this section came later): LOCAL's presign may assume the local spoke's
# provisioning role, so LOCAL and the matrix are made again below with SpokeProvisioningRoleArns,
# and one variant renders the template's default (no spokes, the HasSpokes branch off).
from .physical import Ids, Place, physical_values  # noqa: E402
from .render import REPO  # noqa: E402

SPOKE_TEMPLATE = REPO / "template-spoke.yaml"
SPOKE_ACCOUNT_ID = "222222222222"
SPOKE_STACK_NAME = "studiogate-spoke"
SPOKE_PROVISIONING_ROLE_ARN = f"arn:aws:iam::{SPOKE_ACCOUNT_ID}:role/{SPOKE_STACK_NAME}-provisioning"
SPOKE_EXTERNAL_ID = "studiogate-local-spoke-external-id-0001"
# The local emulator's ID of the spoke's domain "studiogate-spoke-ml" (its domain_id_for, like
# d-7ac2bcf8fc16 for the hub's); a world seeds the domains it creates in its place.
SPOKE_DOMAIN_ID = "d-60c059261bac"

LOCAL = LOCAL.with_parameters("local", SpokeProvisioningRoleArns=[SPOKE_PROVISIONING_ROLE_ARN])
_VARIANTS["no-spokes"] = {"SpokeProvisioningRoleArns": ""}
MATRIX = [LOCAL.with_parameters(name, **changes) for name, changes in _VARIANTS.items()]
MATRIX.append(LOCAL.with_parameters("all-flipped", **_ALL))
ALL = [LOCAL, *MATRIX]


def _hub_value(logical: str, resource_type: str, attribute: str) -> str:
    """A physical value of LOCAL's rendering (the hub's outputs a spoke is deployed with), computed
    as render.py computes it, without rendering: tests/emulator/tests/test_spoke_template.py checks
    that these equal rendered("local").outputs."""
    place = Place(ACCOUNT_ID, REGION, "aws", STACK_NAME, "amazonaws.com")
    values = physical_values(resource_type, Ids(STACK_NAME, logical), place, lambda name: None, LOCAL.overrides.get(logical))
    return values[attribute]


@dataclass(frozen=True)
class SpokeParameterSet(ParameterSet):
    """A parameter set of template-spoke.yaml (rendered from it unless told otherwise)."""

    def render(self, overrides: dict | None = None, template: str | pathlib.Path | dict = SPOKE_TEMPLATE) -> RenderedStack:
        return super().render(overrides, template)


# The local spoke: account 222222222222, deployed with LOCAL's outputs (the emulator's seed gives
# the ones it knows better: the ACS URL the world serves, the domain IDs it created).
LOCAL_SPOKE = SpokeParameterSet(
    name="local-spoke",
    account_id=SPOKE_ACCOUNT_ID,
    stack_name=SPOKE_STACK_NAME,
    parameters={
        "HubAcsUrl": _hub_value("SamlValidatorUrl", "AWS::Lambda::Url", "FunctionUrl") + "saml/acs",
        "HubPresignRoleArn": _hub_value("PresignRole", "AWS::IAM::Role", "Arn"),
        "HubSageMakerApiEndpointId": _hub_value("SageMakerApiEndpoint", "AWS::EC2::VPCEndpoint", "Ref"),
        "HubSageMakerStudioEndpointId": _hub_value("SageMakerStudioEndpoint", "AWS::EC2::VPCEndpoint", "Ref"),
        "ProvisioningExternalId": SPOKE_EXTERNAL_ID,
        "IdpMetadata": LOCAL.parameters["IdpMetadata"],
        "SageMakerDomainIds": [SPOKE_DOMAIN_ID],
        "ExecutionRoleArns": [f"arn:aws:iam::{SPOKE_ACCOUNT_ID}:role/SpokeSageMakerExecution"],
        "StudioUserRoleName": "SpokeStudioUser",
        "StudioNetworkMode": "vpc",
    },
)
SPOKES = [LOCAL_SPOKE]
# template.yaml's sets (ALL) and the spokes' by name; ALL stays template.yaml's only.
BY_NAME = {parameter_set.name: parameter_set for parameter_set in [*ALL, *SPOKES]}
