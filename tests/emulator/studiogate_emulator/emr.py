"""EMR Studio: studios (IAM or IAM Identity Center auth) and session mappings, with EMR's errors."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time

from .protocol import AwsCall, AwsError


def _invalid(message: str, code: str = "InvalidRequestException") -> AwsError:
    return AwsError(code, message)


class Emr:
    def __init__(self, account_id: str = "123456789012") -> None:
        self.account_id = account_id
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.studios: dict[str, dict] = {}
            self.mappings: dict[tuple[str, str, str], dict] = {}

    def handle(self, call: AwsCall) -> dict:
        handler = getattr(self, "op_" + call.operation, None)
        if handler is None:
            raise AwsError("UnknownOperationException", f"{call.operation} is not emulated")
        with self._lock:
            return handler(call.params)

    def _studio(self, studio_id: str) -> dict:
        studio = self.studios.get(studio_id or "")
        if studio is None:
            raise _invalid(f"Studio {studio_id} does not exist")
        return studio

    def op_CreateStudio(self, p: dict) -> dict:
        for required in ("Name", "AuthMode", "VpcId", "SubnetIds", "ServiceRole", "WorkspaceSecurityGroupId", "EngineSecurityGroupId", "DefaultS3Location"):
            if not p.get(required):
                raise _invalid(f"{required} is required", "ValidationException")
        if p["AuthMode"] not in ("IAM", "SSO"):
            raise _invalid("AuthMode must be IAM or SSO", "ValidationException")
        if p["AuthMode"] == "SSO" and not p.get("UserRole"):
            raise _invalid("UserRole is required for an IAM Identity Center (SSO) Studio")
        # Deterministic per name, so a local configuration can name the seeded Studios.
        studio_id = "es-" + hashlib.sha256(p["Name"].encode()).hexdigest().upper()[:25]
        if studio_id in self.studios:
            raise _invalid(f"Studio {p['Name']} already exists")
        url = f"https://{studio_id.lower()}.emrstudio-prod.us-east-1.amazonaws.com"
        self.studios[studio_id] = {
            "StudioId": studio_id,
            "StudioArn": f"arn:aws:elasticmapreduce:us-east-1:{self.account_id}:studio/{studio_id}",
            "Name": p["Name"], "Description": p.get("Description", ""), "AuthMode": p["AuthMode"],
            "VpcId": p["VpcId"], "SubnetIds": p["SubnetIds"], "ServiceRole": p["ServiceRole"],
            "UserRole": p.get("UserRole"), "WorkspaceSecurityGroupId": p["WorkspaceSecurityGroupId"],
            "EngineSecurityGroupId": p["EngineSecurityGroupId"], "Url": url,
            "CreationTime": time.time(), "DefaultS3Location": p["DefaultS3Location"], "Tags": p.get("Tags", []),
        }
        return {"StudioId": studio_id, "Url": url}

    def op_DescribeStudio(self, p: dict) -> dict:
        return {"Studio": dict(self._studio(p.get("StudioId")))}

    def op_ListStudios(self, p: dict) -> dict:
        return {"Studios": [
            {k: s[k] for k in ("StudioId", "Name", "VpcId", "Description", "Url", "AuthMode", "CreationTime")}
            for s in self.studios.values()
        ]}

    def op_DeleteStudio(self, p: dict) -> dict:
        studio = self._studio(p.get("StudioId"))
        del self.studios[studio["StudioId"]]
        return {}

    def _identity(self, p: dict, studio_id: str) -> tuple[str, str, str]:
        identity_type = p.get("IdentityType")
        if identity_type not in ("USER", "GROUP"):
            raise _invalid("IdentityType must be USER or GROUP", "ValidationException")
        if not p.get("IdentityId") and not p.get("IdentityName"):
            raise _invalid("Specify IdentityId or IdentityName")
        # The Identity Center store is not emulated: a name maps to a stable synthetic id.
        identity_id = p.get("IdentityId") or hashlib.sha256(f"{identity_type}:{p['IdentityName']}".encode()).hexdigest()[:10]
        return studio_id, identity_type, identity_id

    def _sso_studio(self, p: dict) -> dict:
        studio = self._studio(p.get("StudioId"))
        if studio["AuthMode"] != "SSO":
            raise _invalid(f"Studio {studio['StudioId']} uses IAM authentication; session mappings are for IAM Identity Center studios")
        return studio

    def op_CreateStudioSessionMapping(self, p: dict) -> dict:
        studio = self._sso_studio(p)
        if not p.get("SessionPolicyArn"):
            raise _invalid("SessionPolicyArn is required", "ValidationException")
        key = self._identity(p, studio["StudioId"])
        if key in self.mappings:
            raise _invalid(f"A session mapping for {key[1]} {p.get('IdentityName') or key[2]} already exists in studio {studio['StudioId']}")
        now = time.time()
        self.mappings[key] = {
            "StudioId": studio["StudioId"], "IdentityId": key[2], "IdentityName": p.get("IdentityName", key[2]),
            "IdentityType": key[1], "SessionPolicyArn": p["SessionPolicyArn"], "CreationTime": now, "LastModifiedTime": now,
        }
        return {}

    def _mapping(self, p: dict) -> tuple[tuple[str, str, str], dict]:
        studio = self._sso_studio(p)
        key = self._identity(p, studio["StudioId"])
        mapping = self.mappings.get(key)
        if mapping is None:
            raise _invalid(f"No session mapping for {key[1]} {p.get('IdentityName') or key[2]} in studio {studio['StudioId']}")
        return key, mapping

    def op_GetStudioSessionMapping(self, p: dict) -> dict:
        return {"SessionMapping": dict(self._mapping(p)[1])}

    def op_UpdateStudioSessionMapping(self, p: dict) -> dict:
        if not p.get("SessionPolicyArn"):
            raise _invalid("SessionPolicyArn is required", "ValidationException")
        _, mapping = self._mapping(p)
        mapping["SessionPolicyArn"] = p["SessionPolicyArn"]
        mapping["LastModifiedTime"] = time.time()
        return {}

    def op_DeleteStudioSessionMapping(self, p: dict) -> dict:
        key, _ = self._mapping(p)
        del self.mappings[key]
        return {}

    def op_ListStudioSessionMappings(self, p: dict) -> dict:
        out = [
            {k: m[k] for k in ("StudioId", "IdentityId", "IdentityName", "IdentityType", "SessionPolicyArn", "CreationTime")}
            for m in self.mappings.values()
            if (not p.get("StudioId") or m["StudioId"] == p["StudioId"]) and (not p.get("IdentityType") or m["IdentityType"] == p["IdentityType"])
        ]
        return {"SessionMappings": out}
