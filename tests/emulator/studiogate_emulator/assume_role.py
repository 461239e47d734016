"""STS AssumeRole, as the hub's presign uses it to act in a spoke (template-spoke.yaml's
provisioning role, with the spoke's external ID).

What STS does (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html), in its order:
- validation: RoleArn, RoleSessionName (2-64 of [\\w+=,.@-]), ExternalId (2-1224 of [\\w+=,.@:/-]),
  DurationSeconds (900-43200), a Policy that is JSON: `ValidationError`;
- authorization, one IAM request `sts:AssumeRole` on the role, evaluated by the simulator with the
  caller's identity policies and the role's trust policy as the resource policy, with `sts:ExternalId`
  and `sts:RoleSessionName`. In one account either policy may grant it (when the trust policy names
  the role or session itself); across accounts both must ("Cross-account policy evaluation logic",
  IAM User Guide), and a trust policy naming the account (`:root`) delegates to that account's
  identity policies. iam-simulate's STS rules decide it, not the emulator. A denial, or a role that
  does not exist, is AccessDenied "User: CALLER is not authorized to perform: sts:AssumeRole on
  resource: ROLE" (STS gives no reason, and does not tell a missing role from a refusal);
- the session length: at most the role's MaxSessionDuration, and at most one hour when the caller is
  itself a role session ("role chaining", IAM User Guide, "Methods to assume a role").

The credentials are issued as for AssumeRoleWithSAML (sts.IssuedCredentials), for
`assumed-role/ROLE/RoleSessionName` in the role's own account: calls signed with them are evaluated
with that role's policies in that account (iam.Session reads them from that account's IAM). The
caller's SourceIdentity carries over (it persists through role chaining); session tags, PolicyArns
and SourceIdentity parameters are not modelled and fail loudly.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from urllib.parse import unquote

from .iamrequest import IamRequest, NoMapping, tags_of
from .protocol import AwsCall, AwsError, xml_escape
from .sts import SESSION_NAME, STS_NS, CredentialStore, IssuedCredentials, _iso, _parse_arn

EXTERNAL_ID = re.compile(r"^[\w+=,.@:/-]{2,1224}$")
DURATION = (900, 43200)
ROLE_CHAINING_SECONDS = 3600
_NOT_MODELLED = ("Tags.member.", "TransitiveTagKeys.member.", "PolicyArns.member.", "SourceIdentity", "SerialNumber",
                 "TokenCode", "ProvidedContexts.member.")


def _invalid(member: str, value: str, constraint: str) -> AwsError:
    return AwsError("ValidationError", f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
                                       f"constraint: {constraint}")


def denial(role_arn: str) -> str:
    """STS's message (the caller's ARN fills `{principal}`): no reason, and the same for a missing role."""
    return "User: {principal} is not authorized to perform: sts:AssumeRole on resource: " + role_arn


def validate(params: dict) -> None:
    """STS's parameter checks, made before any policy is read."""
    for name in params:
        if name.startswith(_NOT_MODELLED):
            raise NoMapping(f"sts:AssumeRole with {name.split('.', 1)[0]} is not modelled by the emulator "
                            "(session tags, managed session policies, SourceIdentity, MFA)")
    _parse_arn(params.get("RoleArn", ""), "role")
    name = params.get("RoleSessionName", "")
    if not SESSION_NAME.match(name):
        raise _invalid("roleSessionName", name, "Member must satisfy regular expression pattern: [\\w+=,.@-]* "
                                                "and have length between 2 and 64")
    if "ExternalId" in params and not EXTERNAL_ID.match(params["ExternalId"]):
        raise _invalid("externalId", params["ExternalId"], "Member must satisfy regular expression pattern: "
                                                           "[\\w+=,./@:-]* and have length between 2 and 1224")
    if params.get("DurationSeconds"):
        seconds = params["DurationSeconds"]
        if not seconds.isdigit() or not DURATION[0] <= int(seconds) <= DURATION[1]:
            raise _invalid("durationSeconds", seconds, f"Member must have value between {DURATION[0]} and {DURATION[1]}")
    if params.get("Policy"):
        try:
            json.loads(params["Policy"])
        except ValueError:
            raise AwsError("MalformedPolicyDocument", "The policy is not in the valid JSON format.") from None


def _document(text: str) -> dict:
    # As iam.py reads it: moto may keep a policy document URL-encoded, as the query API sent it.
    try:
        return json.loads(text)
    except ValueError:
        return json.loads(unquote(text))


def iam_request(call: AwsCall, role) -> IamRequest:
    """The IAM request of an AssumeRole call: sts:AssumeRole on the role, its trust policy as the
    resource policy (none when the role does not exist: then nothing but the caller's own account
    could allow it, and the call is refused after authorization anyway)."""
    validate(call.params)
    role_arn = call.params["RoleArn"]
    keys = {"sts:RoleSessionName": call.params["RoleSessionName"]}
    if "ExternalId" in call.params:
        keys["sts:ExternalId"] = call.params["ExternalId"]
    trust = None
    if role is not None:
        trust = {"name": f"trust policy of {role.name}", "policy": _document(role.assume_role_policy_document)}
    return IamRequest("sts:AssumeRole", role_arn, "role", keys, tags_of(role.tags) if role is not None else {}, trust,
                      denial=denial(role_arn))


def assume_role(call: AwsCall, caller, role, store: CredentialStore, now: float | None = None) -> str:
    """Issues the session once authorized (`caller`: iam.Principal; `role`: moto's, or None) and
    returns the XML response body."""
    now = time.time() if now is None else now
    params = call.params
    role_account, role_name = _parse_arn(params["RoleArn"], "role")
    if role is None or role.arn != params["RoleArn"]:
        raise AwsError("AccessDenied", denial(params["RoleArn"]).format(principal=caller.arn), 403)
    chained = getattr(caller, "creds", None) is not None
    duration = int(params.get("DurationSeconds") or 3600)
    if duration > int(role.max_session_duration or 3600):
        raise AwsError("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    if chained and duration > ROLE_CHAINING_SECONDS:
        raise AwsError("ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles "
                                          "assumed by role chaining.")
    creds = IssuedCredentials(
        access_key_id="ASIA" + secrets.token_hex(8).upper(),
        secret_access_key=secrets.token_urlsafe(30),
        session_token=secrets.token_urlsafe(96),
        expiration=now + duration,
        issued_at=now,
        account_id=role_account,
        role_name=role_name,
        role_id=role.id,
        session_name=params["RoleSessionName"],
        source_identity=caller.creds.source_identity if chained else None,
        principal_tags={},
        principal="assumed",
        role_path=role.path or "/",
        session_policy=json.loads(params["Policy"]) if params.get("Policy") else None,
    )
    store.add(creds)
    source = f"<SourceIdentity>{xml_escape(creds.source_identity)}</SourceIdentity>" if creds.source_identity else ""
    return (
        f'<AssumeRoleResponse xmlns="{STS_NS}"><AssumeRoleResult>{source}'
        f"<AssumedRoleUser><AssumedRoleId>{creds.role_id}:{xml_escape(creds.session_name)}</AssumedRoleId>"
        f"<Arn>{xml_escape(creds.assumed_role_arn)}</Arn></AssumedRoleUser>"
        f"<Credentials><AccessKeyId>{creds.access_key_id}</AccessKeyId><SecretAccessKey>{creds.secret_access_key}</SecretAccessKey>"
        f"<SessionToken>{creds.session_token}</SessionToken><Expiration>{_iso(creds.expiration)}</Expiration></Credentials>"
        f"<PackedPolicySize>0</PackedPolicySize></AssumeRoleResult>"
        f"<ResponseMetadata><RequestId>{call.request_id}</RequestId></ResponseMetadata></AssumeRoleResponse>"
    )
