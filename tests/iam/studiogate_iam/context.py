"""The request context AWS sets, for the principals studiogate has: role sessions, a SAML assertion
presented to STS, a service, and an anonymous caller.

Which global keys are present when (https://docs.aws.amazon.com/IAM/latest/UserGuide/
reference_policies_condition-keys.html, "Availability" of each key):
- always: aws:PrincipalArn (for a role session the ROLE's ARN, not the session's), aws:PrincipalAccount,
  aws:PrincipalType, aws:RequestedRegion, aws:SecureTransport, aws:CurrentTime, aws:EpochTime;
- signed requests: aws:userid (for a role session `ROLE-ID:SESSION-NAME`); never aws:username for roles;
- temporary credentials: aws:TokenIssueTime, aws:MultiFactorAuthPresent;
- aws:PrincipalTag/KEY for the role's tags and the session tags; aws:SourceIdentity when one was set;
- aws:SourceIp except when the request comes through a VPC endpoint; aws:SourceVpce, aws:SourceVpc
  and aws:VpcSourceIp only then.
Service keys come from the Service Authorization Reference row of the action (for_action()).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
from dataclasses import dataclass, field

from .simulator import Simulator

SIGNIN_AUDIENCE = "https://signin.aws.amazon.com/saml"


def _times(now: datetime.datetime | None) -> dict[str, str]:
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return {"aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "aws:EpochTime": str(int(now.timestamp()))}


def network(*, source_ip: str | None = None, source_vpce: str | None = None, source_vpc: str | None = None,
            vpc_source_ip: str | None = None) -> dict[str, str]:
    """The network keys of one request: from the internet (source_ip) or through an endpoint."""
    if source_vpce is not None:
        if source_ip is not None:
            raise ValueError("AWS sets no aws:SourceIp on a request through a VPC endpoint; give vpc_source_ip")
        if source_vpc is None:
            raise ValueError("a request through a VPC endpoint has aws:SourceVpc too")
        keys = {"aws:SourceVpce": source_vpce, "aws:SourceVpc": source_vpc}
        if vpc_source_ip is not None:
            keys["aws:VpcSourceIp"] = vpc_source_ip
        return keys
    if source_vpc is not None or vpc_source_ip is not None:
        raise ValueError("aws:SourceVpc and aws:VpcSourceIp exist only with aws:SourceVpce")
    return {"aws:SourceIp": source_ip} if source_ip is not None else {}


@dataclass(frozen=True)
class RoleSession:
    """A session of an IAM role (AssumeRole, AssumeRoleWithSAML, or Lambda running with the role)."""

    role_arn: str
    session_name: str
    role_id: str = "AROAEXAMPLEROLEID0001"
    session_tags: dict = field(default_factory=dict)
    role_tags: dict = field(default_factory=dict)
    source_identity: str | None = None

    @property
    def account_id(self) -> str:
        return self.role_arn.split(":")[4]

    @property
    def arn(self) -> str:
        """arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/SESSION (the role's path is not part of it)."""
        partition = self.role_arn.split(":")[1]
        name = self.role_arn.split(":", 5)[5].rsplit("/", 1)[1]
        return f"arn:{partition}:sts::{self.account_id}:assumed-role/{name}/{self.session_name}"

    def context(self, *, region: str, secure_transport: bool = True, now: datetime.datetime | None = None,
                **network_keys: str | None) -> dict[str, str]:
        """The global keys of a request this session signs; network_keys as network() takes them."""
        keys = {"aws:PrincipalArn": self.role_arn, "aws:PrincipalAccount": self.account_id,
                "aws:PrincipalType": "AssumedRole", "aws:userid": f"{self.role_id}:{self.session_name}",
                "aws:RequestedRegion": region, "aws:SecureTransport": "true" if secure_transport else "false",
                "aws:MultiFactorAuthPresent": "false", **_times(now)}
        keys["aws:TokenIssueTime"] = keys["aws:CurrentTime"]
        # Session tags override role tags of the same key (https://docs.aws.amazon.com/IAM/latest/
        # UserGuide/id_session-tags.html#id_session-tags_role-tags).
        for key, value in {**self.role_tags, **self.session_tags}.items():
            keys[f"aws:PrincipalTag/{key}"] = value
        if self.source_identity is not None:
            keys["aws:SourceIdentity"] = self.source_identity
        keys.update(network(**network_keys))
        return keys


@dataclass(frozen=True)
class SamlAssertion:
    """What STS reads from a SAML response for AssumeRoleWithSAML (https://docs.aws.amazon.com/IAM/
    latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-saml)."""

    provider_arn: str
    issuer: str
    subject: str
    audience: str = SIGNIN_AUDIENCE     # the SubjectConfirmationData Recipient: SAML:aud
    subject_type: str = "persistent"
    session_name: str | None = None
    session_tags: dict = field(default_factory=dict)
    transitive_tag_keys: tuple = ()
    source_identity: str | None = None

    @property
    def doc(self) -> str:
        """SAML:doc, ACCOUNT/PROVIDER-NAME."""
        return f"{self.provider_arn.split(':')[4]}/{self.provider_arn.rsplit('/', 1)[1]}"

    @property
    def name_qualifier(self) -> str:
        """SAML:namequalifier: BASE64(SHA1(issuer + account ID + "/" + provider name)), as
        https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_saml.html documents it."""
        return base64.b64encode(hashlib.sha1((self.issuer + self.doc).encode()).digest()).decode()

    def context(self, action: str, *, region: str, source_ip: str | None = None, secure_transport: bool = True,
                now: datetime.datetime | None = None) -> dict:
        """The keys STS authorizes `action` (AssumeRoleWithSAML, TagSession or SetSourceIdentity) with.

        Per the Service Authorization Reference rows of the three actions (https://docs.aws.amazon.com/
        service-authorization/latest/reference/list_awssecuritytokenservice.html): the SAML keys only for
        AssumeRoleWithSAML (TagSession gets SAML:aud), the tags for AssumeRoleWithSAML and TagSession,
        sts:SourceIdentity for AssumeRoleWithSAML and SetSourceIdentity.
        """
        keys: dict = {"aws:RequestedRegion": region, "aws:SecureTransport": "true" if secure_transport else "false",
                      **_times(now), **network(source_ip=source_ip)}
        tags = {f"aws:RequestTag/{k}": v for k, v in self.session_tags.items()}
        if self.session_tags:
            tags["aws:TagKeys"] = list(self.session_tags)
        if self.transitive_tag_keys:
            tags["sts:TransitiveTagKeys"] = list(self.transitive_tag_keys)
        name = action.split(":", 1)[1].lower()
        if name == "assumerolewithsaml":
            keys.update({"SAML:aud": self.audience, "SAML:iss": self.issuer, "SAML:sub": self.subject,
                         "SAML:sub_type": self.subject_type, "SAML:doc": self.doc,
                         "SAML:namequalifier": self.name_qualifier, **tags})
            if self.session_name is not None:
                keys["sts:RoleSessionName"] = self.session_name
            if self.source_identity is not None:
                keys["sts:SourceIdentity"] = self.source_identity
        elif name == "tagsession":
            keys.update({"SAML:aud": self.audience, **tags})
        elif name == "setsourceidentity":
            if self.source_identity is None:
                raise ValueError("SetSourceIdentity is authorized only when the assertion sets a SourceIdentity")
            keys["sts:SourceIdentity"] = self.source_identity
        else:
            raise ValueError(f"{action} is not part of AssumeRoleWithSAML")
        return keys


def service_context(service: str, *, region: str, source_arn: str | None = None, source_account: str | None = None,
                    now: datetime.datetime | None = None) -> dict:
    """An AWS service principal calling on behalf of a resource (API Gateway invoking Lambda):
    aws:SourceArn and aws:SourceAccount name that resource (present only on such calls)."""
    keys = {"aws:PrincipalServiceName": service, "aws:PrincipalIsAWSService": "true", "aws:RequestedRegion": region,
            "aws:SecureTransport": "true", **_times(now)}
    if source_arn is not None:
        keys["aws:SourceArn"] = source_arn
    if source_account is not None:
        keys["aws:SourceAccount"] = source_account
    return keys


def anonymous_context(*, region: str, source_ip: str, now: datetime.datetime | None = None) -> dict:
    """An unsigned request (a public function URL): no principal keys at all."""
    return {"aws:RequestedRegion": region, "aws:SecureTransport": "true", "aws:SourceIp": source_ip, **_times(now)}


def for_action(simulator: Simulator, action: str, resource_type: str, known: dict) -> dict:
    """The service keys of `known` that the Service Authorization Reference lists for the action on
    that resource type (the action's row), plus the resource type's ResourceTag keys: tags of an
    existing resource are in every request on it (aws:ResourceTag availability, above). Global
    `aws:` keys pass. What the action's row does not list, AWS does not set for it.
    """
    row = simulator.describe(action)
    listed = {key.lower() for key in row["conditionKeys"]}
    for rt in row["resourceTypes"]:
        if rt["name"] == resource_type:
            listed |= {key.lower() for key in rt["conditionKeys"]}
            listed |= {key.lower() for key in rt["resourceTypeConditionKeys"] if "resourcetag/" in key.lower()}
            break
    else:
        raise ValueError(f"{action} has no resource type {resource_type}")
    prefixes = {key.split("${", 1)[0] for key in listed if "${" in key}
    return {key: value for key, value in known.items()
            if key.lower().startswith("aws:") or key.lower() in listed
            or any(key.lower().startswith(prefix) for prefix in prefixes)}
