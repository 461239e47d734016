"""Deterministic physical IDs, ARNs and attributes of AWS's real shape, per resource type.

A deployed stack has IDs CloudFormation or the service chose; a rendering needs stand-ins that look
the same (a policy may match on their shape: `vpce-` IDs, `key/UUID` ARNs, `log-group:NAME:*`). Each
is derived from sha256(stack name, logical ID), so one rendering equals the next.

The caller may override any value: `{"SageMakerApiEndpoint": {"Ref": "vpce-0123..."}}` makes the
primary ID that one, and the attributes derived from it follow (Id, DnsEntries); any attribute may
be given itself. The local emulator creates resources with IDs of its own and passes them here.

Attribute names are CloudFormation's return values (Fn::GetAtt), e.g. https://docs.aws.amazon.com/
AWSCloudFormation/latest/UserGuide/aws-resource-ec2-vpcendpoint.html#aws-resource-ec2-vpcendpoint-return-values.
A type without a model here has no physical values: a Ref or GetAtt on it raises RenderError.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any, Callable

_ALNUM_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_ALNUM_LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True)
class Place:
    """Where the stack is deployed: the pseudo parameters a physical value depends on."""

    account_id: str
    region: str
    partition: str
    stack_name: str
    url_suffix: str


class Ids:
    """Stable stand-ins for one resource, from sha256(stack, logical ID, purpose)."""

    def __init__(self, stack: str, logical_id: str):
        self.stack, self.logical_id = stack, logical_id

    def _bytes(self, purpose: str) -> bytes:
        return hashlib.sha256(f"{self.stack}\0{self.logical_id}\0{purpose}".encode()).digest() * 4

    def hex(self, length: int, purpose: str = "id") -> str:
        return self._bytes(purpose).hex()[:length]

    def chars(self, alphabet: str, length: int, purpose: str = "id") -> str:
        return "".join(alphabet[b % len(alphabet)] for b in self._bytes(purpose)[:length])

    def uuid(self, purpose: str = "id") -> str:
        return str(uuid.UUID(bytes=self._bytes(purpose)[:16], version=4))

    def generated_name(self, limit: int = 64) -> str:
        """CloudFormation's name for an unnamed resource: STACK-LOGICALID-RANDOM, cut to the limit."""
        suffix = "-" + self.chars(_ALNUM_UPPER, 12, "name")
        prefix = f"{self.stack}-{self.logical_id}"
        return prefix[: limit - len(suffix)] + suffix


def _arn(place: Place, service: str, resource: str, region: bool = True, account: bool = True) -> str:
    return (f"arn:{place.partition}:{service}:{place.region if region else ''}:"
            f"{place.account_id if account else ''}:{resource}")


Prop = Callable[[str], Any]  # resolves one property of the resource (None when absent)


def _role(ids: Ids, place: Place, prop: Prop, primary: str | None) -> dict:
    name = primary or prop("RoleName") or ids.generated_name(64)
    path = prop("Path") or "/"
    return {"Ref": name, "Arn": _arn(place, "iam", f"role{path}{name}", region=False),
            "RoleId": "AROA" + ids.chars(_ALNUM_UPPER, 17, "role-id")}


def _managed_policy(ids: Ids, place: Place, prop: Prop, primary: str | None) -> dict:
    arn = primary or _arn(place, "iam", f"policy{prop('Path') or '/'}{prop('ManagedPolicyName') or ids.generated_name(128)}",
                          region=False)
    return {"Ref": arn, "PolicyArn": arn}


def _saml_provider(ids: Ids, place: Place, prop: Prop, primary: str | None) -> dict:
    arn = primary or _arn(place, "iam", f"saml-provider/{prop('Name') or ids.generated_name(128)}", region=False)
    return {"Ref": arn, "Arn": arn}


def _ssm_parameter(ids: Ids, place: Place, prop: Prop, primary: str | None) -> dict:
    name = primary or prop("Name") or f"CFN-{ids.logical_id}-{ids.chars(_ALNUM_UPPER, 12)}"
    return {"Ref": name, "Type": prop("Type"), "Value": prop("Value")}


def _table(ids: Ids, place: Place, prop: Prop, primary: str | None) -> dict:
    name = primary or prop("TableName") or ids.generated_name(255)
    arn = _arn(place, "dynamodb", f"table/{name}")
    values = {"Ref": name, "Arn": arn}
    if prop("StreamSpecification"):
        values["StreamArn"] = f"{arn}/stream/2024-01-01T00:00:00.000"
    return values


def _security_group(ids: Ids, place: Place, prop: Prop, primary: str | None) -> dict:
    group_id = primary or "sg-" + ids.hex(17)
    return {"Ref": group_id, "GroupId": group_id, "VpcId": prop("VpcId")}


def _security_group_rule(ids: Ids, place: Place, prop: Prop, primary: str | None) -> dict:
    rule_id = primary or "sgr-" + ids.hex(17)
    return {"Ref": rule_id, "Id": rule_id}


def _vpc_endpoint(ids: Ids, place: Place, prop: Prop, primary: str | None) -> dict:
    """DnsEntries as EC2 lists them: regional name, one zonal name per subnet, then the private DNS name."""
    endpoint_id = primary or "vpce-" + ids.hex(17)
    service = prop("ServiceName") or ""
    prefix = f"com.amazonaws.{place.region}."
    short = service[len(prefix):] if service.startswith(prefix) else service
    zone = "Z" + ids.chars(_ALNUM_UPPER, 13, "zone")
    token = ids.chars(_ALNUM_LOWER, 8, "dns")
    suffix = f"{short}.{place.region}.vpce.{place.url_suffix}"
    entries = [f"{zone}:{endpoint_id}-{token}.{suffix}"]
    subnets = prop("SubnetIds") or []
    entries += [f"{zone}:{endpoint_id}-{token}-{place.region}{'abcdef'[i % 6]}.{suffix}" for i in range(len(subnets))]
    if prop("PrivateDnsEnabled") in (True, "true"):
        private_zone = "Z" + ids.chars(_ALNUM_UPPER, 13, "private-zone")
        entries.append(f"{private_zone}:{'.'.join(reversed(short.split('.')))}.{place.region}.{place.url_suffix}")
    return {"Ref": endpoint_id, "Id": endpoint_id, "DnsEntries": entries,
            "NetworkInterfaceIds": ["eni-" + ids.hex(17, f"eni-{i}") for i in range(len(subnets))],
            "CreationTimestamp": "2024-01-01T00:00:00.000Z"}


def _kms_key(ids: Ids, place: Place, prop: Prop, primary: str | None) -> dict:
    key_id = primary or ids.uuid()
    return {"Ref": key_id, "KeyId": key_id, "Arn": _arn(place, "kms", f"key/{key_id}")}


def _function(ids: Ids, place: Place, prop: Prop, primary: str | None) -> dict:
    name = primary or prop("FunctionName") or ids.generated_name(64)
    return {"Ref": name, "Arn": _arn(place, "lambda", f"function:{name}")}


def _function_url(ids: Ids, place: Place, prop: Prop, primary: str | None) -> dict:
    return {"FunctionUrl": f"https://{ids.chars(_ALNUM_LOWER, 32)}.lambda-url.{place.region}.on.aws/",
            "FunctionArn": prop("TargetFunctionArn")}


def _permission(ids: Ids, place: Place, prop: Prop, primary: str | None) -> dict:
    # CloudFormation names the statement it adds STACK-LOGICALID-RANDOM: it becomes the policy's Sid.
    return {"Ref": primary or ids.generated_name(100)}


def _http_api(ids: Ids, place: Place, prop: Prop, primary: str | None) -> dict:
    api_id = primary or ids.chars(_ALNUM_LOWER, 10)
    return {"Ref": api_id, "ApiId": api_id, "ApiEndpoint": f"https://{api_id}.execute-api.{place.region}.{place.url_suffix}"}


def _log_group(ids: Ids, place: Place, prop: Prop, primary: str | None) -> dict:
    name = primary or prop("LogGroupName") or ids.generated_name(512)
    return {"Ref": name, "Arn": _arn(place, "logs", f"log-group:{name}:*")}


def _resolver_endpoint(ids: Ids, place: Place, prop: Prop, primary: str | None) -> dict:
    endpoint_id = primary or "rslvr-in-" + ids.hex(17)
    return {"Ref": endpoint_id, "ResolverEndpointId": endpoint_id, "Direction": prop("Direction"),
            "Arn": _arn(place, "route53resolver", f"resolver-endpoint/{endpoint_id}"),
            "IpAddressCount": str(len(prop("IpAddresses") or [])), "Name": prop("Name")}


def _studio_lifecycle_config(ids: Ids, place: Place, prop: Prop, primary: str | None) -> dict:
    name = primary or prop("StudioLifecycleConfigName")
    return {"Ref": name, "StudioLifecycleConfigName": name,
            "StudioLifecycleConfigArn": _arn(place, "sagemaker", f"studio-lifecycle-config/{name}")}


def _alarm(ids: Ids, place: Place, prop: Prop, primary: str | None) -> dict:
    name = primary or prop("AlarmName") or ids.generated_name(255)
    return {"Ref": name, "Arn": _arn(place, "cloudwatch", f"alarm:{name}")}


def _dashboard(ids: Ids, place: Place, prop: Prop, primary: str | None) -> dict:
    return {"Ref": primary or prop("DashboardName") or ids.generated_name(255)}


def _api_domain_name(ids: Ids, place: Place, prop: Prop, primary: str | None) -> dict:
    name = primary or prop("DomainName")
    return {"Ref": name, "RegionalDomainName": f"d-{ids.chars(_ALNUM_LOWER, 10)}.execute-api.{place.region}.{place.url_suffix}",
            "RegionalHostedZoneId": "Z1UJRXOUMOOFQ8"}


def _api_mapping(ids: Ids, place: Place, prop: Prop, primary: str | None) -> dict:
    return {"Ref": primary or ids.chars(_ALNUM_LOWER, 6)}


MODELS: dict[str, Callable[[Ids, Place, Prop, str | None], dict]] = {
    "AWS::IAM::Role": _role,
    "AWS::IAM::ManagedPolicy": _managed_policy,
    "AWS::IAM::SAMLProvider": _saml_provider,
    "AWS::SSM::Parameter": _ssm_parameter,
    "AWS::DynamoDB::Table": _table,
    "AWS::EC2::SecurityGroup": _security_group,
    "AWS::EC2::SecurityGroupIngress": _security_group_rule,
    "AWS::EC2::SecurityGroupEgress": _security_group_rule,
    "AWS::EC2::VPCEndpoint": _vpc_endpoint,
    "AWS::KMS::Key": _kms_key,
    "AWS::Lambda::Function": _function,
    "AWS::Serverless::Function": _function,
    "AWS::Lambda::Url": _function_url,
    "AWS::Lambda::Permission": _permission,
    "AWS::ApiGatewayV2::Api": _http_api,
    "AWS::ApiGatewayV2::DomainName": _api_domain_name,
    "AWS::ApiGatewayV2::ApiMapping": _api_mapping,
    "AWS::CloudWatch::Alarm": _alarm,
    "AWS::CloudWatch::Dashboard": _dashboard,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::SageMaker::StudioLifecycleConfig": _studio_lifecycle_config,
    "AWS::Route53Resolver::ResolverEndpoint": _resolver_endpoint,
}


def physical_values(resource_type: str, ids: Ids, place: Place, prop: Prop, override: dict | None) -> dict | None:
    """Ref and GetAtt values of one resource (overrides applied), or None when the type has no model."""
    override = override or {}
    model = MODELS.get(resource_type)
    if model is None:
        return dict(override) if override else None
    values = model(ids, place, prop, override.get("Ref"))
    values.update(override)
    return values
