"""Each emulated operation as the IAM request(s) AWS authorizes for it.

An operation maps to one or more `IamRequest`s: the action (the Service Authorization Reference's
name, which is not always the operation's: Lambda `Invoke` is `lambda:InvokeFunction`), the
resource ARN of the resource type the reference lists for that action (computed from the request:
`user-profile/DOMAIN/NAME`, `space/DOMAIN/NAME`, `app/DOMAIN/SPACE-OR-PROFILE/TYPE/NAME`, `table/NAME`,
`key/ID` with aliases resolved, `parameter/NAME`, `function:NAME`...), the request's own condition keys (tags in the request, `kms:MacAlgorithm`,
`iam:PassedToService`...), the resource's current tags, and its resource policy where it has one
(a KMS key policy, a Lambda function policy). A second request where AWS makes one: `iam:PassRole`
when an execution or service role is passed, `kms:CreateAlias` on both the alias and the key,
`sagemaker:AddTags` (with `sagemaker:TaggingAction`) on a space created with tags.

Which keys of `keys` the reference lists for the action is decided later (iam.py); here each
mapping says what the request carries. An operation without a mapping is not guessed: the call
fails loudly (iam.py answers HTTP 500 naming it), so a new operation gets its mapping written.
"""

from __future__ import annotations

import json
from typing import Callable

from . import assume_role
from .iamrequest import IamRequest, NoMapping, request_tags as _request_tags, tags_of as _tags_of
from .protocol import AwsCall
from .sagemaker_requests import SageMakerRequests

__all__ = ["IamRequest", "Mapper", "NoMapping"]


class Mapper(SageMakerRequests):
    """Builds the IAM requests of a call from the request and the emulator's state."""

    def __init__(self, state) -> None:
        # state: the Emulator (account_id, sagemaker, emr, functions) and moto's backends.
        self.state = state

    @property
    def account(self) -> str:
        return self.state.account_id

    def requests(self, call: AwsCall) -> list[IamRequest]:
        handler: Callable | None = getattr(self, f"_{call.service}_{call.operation}".replace("-", "_"), None)
        if handler is None:
            handler = _GENERIC.get((call.service, call.operation))
            if handler is None:
                raise NoMapping(f"the emulator has no IAM mapping for {call.service}:{call.operation} "
                                f"(add it to studiogate_emulator/operations.py)")
            return handler(self, call)
        return handler(call)

    # ------------------------------------------------------------------ helpers
    def arn(self, service: str, resource: str, region: str = "us-east-1", account: str | None = None) -> str:
        return f"arn:aws:{service}:{region}:{self.account if account is None else account}:{resource}"

    def pass_role(self, role_arn: str, service: str, why: str) -> IamRequest:
        """iam:PassRole, which AWS authorizes when a call hands a role to a service
        (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html)."""
        return IamRequest("iam:PassRole", role_arn, "role", {"iam:PassedToService": service},
                          self._role_tags(role_arn), why=why)

    def _role_tags(self, role_arn: str) -> dict:
        role = self.state.moto_role(role_arn)
        return _tags_of(role.tags) if role is not None else {}

    # ------------------------------------------------------------------ EMR (ours)
    def studio_request(self, action: str, studio_id: str | None, region: str = "us-east-1") -> IamRequest:
        arn = self.arn("elasticmapreduce", f"studio/{studio_id}", region)
        studio = self.state.emr.studios.get(studio_id or "")
        return IamRequest(action, arn, "studio", {}, _tags_of(studio.get("Tags")) if studio else {})

    def _elasticmapreduce_CreateStudio(self, call: AwsCall) -> list[IamRequest]:
        p = call.params
        tags = _tags_of(p.get("Tags"))
        keys = {**_request_tags(tags), **{f"elasticmapreduce:RequestTag/{k}": v for k, v in tags.items()}}
        out = [IamRequest("elasticmapreduce:CreateStudio", "*", None, keys)]
        for role_param in ("ServiceRole", "UserRole"):
            if p.get(role_param):
                out.append(self.pass_role(p[role_param], "elasticmapreduce.amazonaws.com", f"passes {role_param}"))
        return out

    # ------------------------------------------------------------------ DynamoDB (moto)
    def _table(self, call: AwsCall, action: str, name: str | None = None) -> IamRequest:
        name = name or call.params.get("TableName", "")
        if name.startswith("arn:"):
            arn = name
        else:
            arn = self.arn("dynamodb", f"table/{name}", call.region)
        return IamRequest(action, arn, "table")

    def _item(self, call: AwsCall, action: str, item_param: str) -> list[IamRequest]:
        request = self._table(call, action)
        item = call.params.get(item_param) or {}
        hash_key = self.state.dynamodb_hash_key(call.params.get("TableName", ""), call.region)
        if hash_key and hash_key in item:
            value = next(iter(item[hash_key].values()), None)
            if value is not None:
                request.keys["dynamodb:LeadingKeys"] = [str(value)]
        for key in ("ReturnValues", "ReturnConsumedCapacity"):
            if call.params.get(key):
                request.keys[f"dynamodb:{key}"] = call.params[key]
        return [request]

    def _dynamodb_PutItem(self, call: AwsCall) -> list[IamRequest]:
        return self._item(call, "dynamodb:PutItem", "Item")

    def _dynamodb_GetItem(self, call: AwsCall) -> list[IamRequest]:
        return self._item(call, "dynamodb:GetItem", "Key")

    def _dynamodb_DeleteItem(self, call: AwsCall) -> list[IamRequest]:
        return self._item(call, "dynamodb:DeleteItem", "Key")

    def _dynamodb_UpdateItem(self, call: AwsCall) -> list[IamRequest]:
        return self._item(call, "dynamodb:UpdateItem", "Key")

    def _dynamodb_CreateTable(self, call: AwsCall) -> list[IamRequest]:
        request = self._table(call, "dynamodb:CreateTable")
        request.keys = _request_tags(_tags_of(call.params.get("Tags")))
        return [request]

    def _dynamodb_ListTagsOfResource(self, call: AwsCall) -> list[IamRequest]:
        return [self._table(call, "dynamodb:ListTagsOfResource", call.params.get("ResourceArn", ""))]

    # ------------------------------------------------------------------ SSM (moto)
    def parameter_arn(self, name: str, region: str) -> str:
        if name.startswith("arn:"):
            return name
        return self.arn("ssm", "parameter/" + name.lstrip("/"), region)

    def _ssm_GetParameters(self, call: AwsCall) -> list[IamRequest]:
        # AWS authorizes each named parameter.
        return [IamRequest("ssm:GetParameters", self.parameter_arn(n, call.region), "parameter")
                for n in call.params.get("Names") or []] or [IamRequest("ssm:GetParameters", "*", None)]

    def _ssm_PutParameter(self, call: AwsCall) -> list[IamRequest]:
        keys = _request_tags(_tags_of(call.params.get("Tags")))
        if "Overwrite" in call.params:
            keys["ssm:Overwrite"] = "true" if call.params["Overwrite"] else "false"
        return [IamRequest("ssm:PutParameter", self.parameter_arn(call.params.get("Name", ""), call.region), "parameter", keys)]

    def _ssm_GetParametersByPath(self, call: AwsCall) -> list[IamRequest]:
        return [IamRequest("ssm:GetParametersByPath", self.parameter_arn(call.params.get("Path", "/"), call.region), "parameter")]

    # ------------------------------------------------------------------ Secrets Manager (moto)
    def secret_request(self, action: str, secret_id: str, region: str) -> IamRequest:
        """A request on a secret named by name or ARN: its ARN as moto made it (name plus a random
        six-character suffix, as Secrets Manager does), or the name's for one that does not exist."""
        arn = secret_id if secret_id.startswith("arn:") else None
        if arn is None:
            found = self.state.secret(secret_id, region)
            arn = found.arn if found is not None else self.arn("secretsmanager", f"secret:{secret_id}", region)
        return IamRequest(action, arn, "Secret")

    # ------------------------------------------------------------------ KMS (moto)
    def key_request(self, action: str, key_ref: str, region: str, keys: dict | None = None) -> IamRequest:
        """A request on a KMS key: its ARN (an alias resolved to its key), its key policy, its tags,
        and kms:RequestAlias when the request named the key by an alias."""
        found = self.state.kms_key(key_ref, region)
        keys = dict(keys or {})
        if key_ref.startswith("alias/") or ":alias/" in key_ref:
            keys["kms:RequestAlias"] = key_ref if key_ref.startswith("alias/") else key_ref.split(":", 5)[5]
        if found is None:
            return IamRequest(action, self.arn("kms", f"key/{key_ref}", region), "key", keys,
                              not_evaluated=f"no KMS key {key_ref}: KMS answers NotFoundException before any policy applies")
        key, tags = found
        return IamRequest(action, key.arn, "key", keys, tags,
                          {"name": f"key policy of {key.arn}", "policy": json.loads(key.policy)})

    def _key(self, call: AwsCall, action: str, keys: dict | None = None) -> list[IamRequest]:
        return [self.key_request(action, call.params.get("KeyId", ""), call.region, keys)]

    def _kms_GenerateMac(self, call: AwsCall) -> list[IamRequest]:
        return self._key(call, "kms:GenerateMac", {"kms:MacAlgorithm": call.params.get("MacAlgorithm", "")})

    def _kms_VerifyMac(self, call: AwsCall) -> list[IamRequest]:
        return self._key(call, "kms:VerifyMac", {"kms:MacAlgorithm": call.params.get("MacAlgorithm", "")})

    def _kms_Encrypt(self, call: AwsCall) -> list[IamRequest]:
        return self._key(call, "kms:Encrypt", self._encryption_context(call))

    def _kms_Decrypt(self, call: AwsCall) -> list[IamRequest]:
        if not call.params.get("KeyId"):
            raise NoMapping("kms:Decrypt without KeyId: the emulator cannot tell the key from moto's ciphertext; give KeyId")
        return self._key(call, "kms:Decrypt", self._encryption_context(call))

    @staticmethod
    def _encryption_context(call: AwsCall) -> dict:
        context = call.params.get("EncryptionContext") or {}
        keys = {f"kms:EncryptionContext:{k}": v for k, v in context.items()}
        if context:
            keys["kms:EncryptionContextKeys"] = list(context)
        return keys

    def _kms_CreateKey(self, call: AwsCall) -> list[IamRequest]:
        p = call.params
        keys = {**_request_tags(_tags_of(p.get("Tags"))), "kms:KeySpec": p.get("KeySpec") or p.get("CustomerMasterKeySpec") or "SYMMETRIC_DEFAULT",
                "kms:KeyUsage": p.get("KeyUsage") or "ENCRYPT_DECRYPT", "kms:KeyOrigin": p.get("Origin") or "AWS_KMS",
                "kms:MultiRegion": "true" if p.get("MultiRegion") else "false"}
        if "BypassPolicyLockoutSafetyCheck" in p:
            keys["kms:BypassPolicyLockoutSafetyCheck"] = "true" if p["BypassPolicyLockoutSafetyCheck"] else "false"
        return [IamRequest("kms:CreateKey", "*", None, keys)]

    def _kms_CreateAlias(self, call: AwsCall) -> list[IamRequest]:
        # CreateAlias is authorized on the alias (IAM policies) and on the key (its key policy):
        # https://docs.aws.amazon.com/kms/latest/developerguide/alias-access.html
        alias = call.params.get("AliasName", "")
        alias_arn = self.arn("kms", alias, call.region)
        return [IamRequest("kms:CreateAlias", alias_arn, "alias"),
                self.key_request("kms:CreateAlias", call.params.get("TargetKeyId", ""), call.region)]

    def _kms_PutKeyPolicy(self, call: AwsCall) -> list[IamRequest]:
        keys = {}
        if "BypassPolicyLockoutSafetyCheck" in call.params:
            keys["kms:BypassPolicyLockoutSafetyCheck"] = "true" if call.params["BypassPolicyLockoutSafetyCheck"] else "false"
        return self._key(call, "kms:PutKeyPolicy", keys)

    # ------------------------------------------------------------------ IAM (moto)
    def role_arn(self, name: str, path: str | None = None) -> str:
        if path is None:
            role = self.state.moto_role(name)
            path = role.path if role is not None else "/"
        return f"arn:aws:iam::{self.account}:role{path}{name}"

    def _role(self, call: AwsCall, action: str, keys: dict | None = None) -> list[IamRequest]:
        name = call.params.get("RoleName", "")
        return [IamRequest(action, self.role_arn(name), "role", keys or {}, self._role_tags(name))]

    def _iam_CreateRole(self, call: AwsCall) -> list[IamRequest]:
        p = call.params
        tags = {p[k]: p.get(k.replace(".Key", ".Value"), "") for k in p if k.startswith("Tags.member.") and k.endswith(".Key")}
        keys = _request_tags(tags)
        if p.get("PermissionsBoundary"):
            keys["iam:PermissionsBoundary"] = p["PermissionsBoundary"]
        return [IamRequest("iam:CreateRole", self.role_arn(p.get("RoleName", ""), p.get("Path") or "/"), "role", keys)]

    def _iam_AttachRolePolicy(self, call: AwsCall) -> list[IamRequest]:
        return self._role(call, "iam:AttachRolePolicy", {"iam:PolicyARN": call.params.get("PolicyArn", "")})

    def _iam_DetachRolePolicy(self, call: AwsCall) -> list[IamRequest]:
        return self._role(call, "iam:DetachRolePolicy", {"iam:PolicyARN": call.params.get("PolicyArn", "")})

    def _saml_provider(self, call: AwsCall, action: str) -> list[IamRequest]:
        arn = call.params.get("SAMLProviderArn") or f"arn:aws:iam::{self.account}:saml-provider/{call.params.get('Name', '')}"
        return [IamRequest(action, arn, "saml-provider")]

    def _iam_CreateSAMLProvider(self, call: AwsCall) -> list[IamRequest]:
        return self._saml_provider(call, "iam:CreateSAMLProvider")

    def _iam_GetSAMLProvider(self, call: AwsCall) -> list[IamRequest]:
        return self._saml_provider(call, "iam:GetSAMLProvider")

    def _iam_DeleteSAMLProvider(self, call: AwsCall) -> list[IamRequest]:
        return self._saml_provider(call, "iam:DeleteSAMLProvider")

    def _iam_UpdateSAMLProvider(self, call: AwsCall) -> list[IamRequest]:
        return self._saml_provider(call, "iam:UpdateSAMLProvider")

    def _iam_CreatePolicy(self, call: AwsCall) -> list[IamRequest]:
        arn = f"arn:aws:iam::{self.account}:policy{call.params.get('Path') or '/'}{call.params.get('PolicyName', '')}"
        return [IamRequest("iam:CreatePolicy", arn, "policy")]

    def _iam_GetPolicy(self, call: AwsCall) -> list[IamRequest]:
        return [IamRequest("iam:GetPolicy", call.params.get("PolicyArn", ""), "policy")]

    # ------------------------------------------------------------------ Lambda (invocations forwarded)
    def _lambda_Invoke(self, call: AwsCall) -> list[IamRequest]:
        reference = call.params.get("FunctionName", "")
        function = self.state.function(reference)
        name = function["name"] if function else reference.rsplit(":", 1)[-1]
        arn = function["arn"] if function else self.arn("lambda", f"function:{name}", call.region)
        if call.params.get("Qualifier"):
            arn += f":{call.params['Qualifier']}"
        policy = function.get("policy") if function else None
        return [IamRequest("lambda:InvokeFunction", arn, "function", {}, {},
                           {"name": f"function policy of {name}", "policy": policy} if policy else None)]

    # ------------------------------------------------------------------ STS
    def _sts_AssumeRole(self, call: AwsCall) -> list[IamRequest]:
        # sts:AssumeRole on the role with its trust policy (assume_role.py); any account's role.
        return [assume_role.iam_request(call, self.state.moto_role(call.params.get("RoleArn", "")))]

    def _sts_GetCallerIdentity(self, call: AwsCall) -> list[IamRequest]:
        # Needs no permission (AWS documents it); the simulator says so too.
        return [IamRequest("sts:GetCallerIdentity", "*", None)]


# Operations whose request is "this action on this resource" with nothing else to read: (service,
# operation) -> how the resource ARN is made.
def _wildcard(action: str):
    return lambda mapper, call: [IamRequest(action, "*", None)]


_GENERIC: dict[tuple[str, str], Callable] = {}

for _service, _operation in (
    ("sagemaker", "ListDomains"), ("sagemaker", "ListUserProfiles"), ("sagemaker", "ListStudioLifecycleConfigs"),
    ("sagemaker", "ListApps"), ("sagemaker", "ListSpaces"),
    ("elasticmapreduce", "ListStudios"), ("elasticmapreduce", "ListStudioSessionMappings"),
    ("dynamodb", "ListTables"), ("ssm", "DescribeParameters"), ("kms", "ListKeys"), ("kms", "ListAliases"),
    ("iam", "ListRoles"), ("iam", "ListSAMLProviders"), ("iam", "ListPolicies"), ("iam", "ListUsers"),
):
    _GENERIC[(_service, _operation)] = _wildcard(f"{_service}:{_operation}")

def _identity_store_lookup(action: str, kind: str):
    """GetUserId / GetGroupId: authorized on the Identity Store and on its users (groups), which the
    Service Authorization Reference lists as required resources of both."""
    def requests(mapper, call: AwsCall) -> list[IamRequest]:
        store = call.params.get("IdentityStoreId", "")
        return [IamRequest(action, f"arn:aws:identitystore::{mapper.state.account_id}:identitystore/{store}", "Identitystore"),
                IamRequest(action, f"arn:aws:identitystore:::{kind.lower()}/*", kind,
                           resource_account=mapper.state.account_id)]
    return requests


_GENERIC[("identitystore", "GetUserId")] = _identity_store_lookup("identitystore:GetUserId", "User")
_GENERIC[("identitystore", "GetGroupId")] = _identity_store_lookup("identitystore:GetGroupId", "Group")
for _operation in ("CreateUser", "CreateGroup"):
    _GENERIC[("identitystore", _operation)] = (lambda action: lambda mapper, call: [IamRequest(
        action, f"arn:aws:identitystore::{mapper.state.account_id}:identitystore/{call.params.get('IdentityStoreId', '')}",
        "Identitystore")])(f"identitystore:{_operation}")

for _operation in ("DescribeStudio", "DeleteStudio", "CreateStudioSessionMapping", "GetStudioSessionMapping",
                   "UpdateStudioSessionMapping", "DeleteStudioSessionMapping"):
    _GENERIC[("elasticmapreduce", _operation)] = (
        lambda action: lambda mapper, call: [mapper.studio_request(action, call.params.get("StudioId"), call.region)]
    )(f"elasticmapreduce:{_operation}")

for _operation in ("DescribeTable", "DeleteTable", "UpdateTable", "UpdateTimeToLive", "DescribeTimeToLive",
                   "Query", "Scan", "DescribeContinuousBackups", "UpdateContinuousBackups"):
    _GENERIC[("dynamodb", _operation)] = (lambda action: lambda mapper, call: [mapper._table(call, action)])(f"dynamodb:{_operation}")

for _operation in ("DeleteParameter", "GetParameterHistory", "LabelParameterVersion"):
    _GENERIC[("ssm", _operation)] = (
        lambda action: lambda mapper, call: [IamRequest(action, mapper.parameter_arn(call.params.get("Name", ""), call.region), "parameter")]
    )(f"ssm:{_operation}")

REFERENCE = "/aws/reference/secretsmanager/"


def _ssm_get_parameter(mapper, call: AwsCall) -> list[IamRequest]:
    """ssm:GetParameter; a Parameter Store reference to a Secrets Manager secret is authorized on
    the secret as well ("Parameter Store honors IAM policies attached to Secrets Manager secrets",
    Systems Manager User Guide, Referencing AWS Secrets Manager secrets from Parameter Store)."""
    name = call.params.get("Name", "")
    requests = [IamRequest("ssm:GetParameter", mapper.parameter_arn(name, call.region), "parameter")]
    if name.startswith(REFERENCE):
        requests.append(mapper.secret_request("secretsmanager:GetSecretValue", name[len(REFERENCE):], call.region))
    return requests


_GENERIC[("ssm", "GetParameter")] = _ssm_get_parameter

for _operation in ("CreateSecret", "GetSecretValue", "PutSecretValue", "DescribeSecret", "DeleteSecret", "UpdateSecret"):
    _GENERIC[("secretsmanager", _operation)] = (
        lambda action: lambda mapper, call: [mapper.secret_request(action, call.params.get("SecretId") or call.params.get("Name", ""),
                                                                   call.region)]
    )(f"secretsmanager:{_operation}")

for _operation in ("DescribeKey", "GetKeyPolicy", "ListResourceTags", "TagResource", "UntagResource", "EnableKey",
                   "DisableKey", "ScheduleKeyDeletion", "CancelKeyDeletion", "UpdateKeyDescription", "GetPublicKey",
                   "GenerateDataKey"):
    _GENERIC[("kms", _operation)] = (lambda action: lambda mapper, call: mapper._key(call, action))(f"kms:{_operation}")

for _operation in ("GetRole", "DeleteRole", "PutRolePolicy", "GetRolePolicy", "DeleteRolePolicy", "ListRolePolicies",
                   "ListAttachedRolePolicies", "UpdateAssumeRolePolicy", "UpdateRole", "TagRole", "UntagRole",
                   "ListRoleTags", "PutRolePermissionsBoundary"):
    _GENERIC[("iam", _operation)] = (lambda action: lambda mapper, call: mapper._role(call, action))(f"iam:{_operation}")
