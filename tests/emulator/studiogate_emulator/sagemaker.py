"""SageMaker Studio: domains, user profiles, tags, studio lifecycle configurations and presigned
domain URLs, with AWS's parameter ranges, status transitions and error codes. Who may call each
operation is decided before it gets here (iam.py); a presigned URL remembers who signed it, because
SageMaker authorizes every later Studio request as that principal's CreatePresignedDomainUrl."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
import time
from dataclasses import dataclass, field

from .protocol import AwsCall, AwsError

PROFILE_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
APP_SETTINGS = ("JupyterLabAppSettings", "JupyterServerAppSettings", "CodeEditorAppSettings", "KernelGatewayAppSettings")


def domain_id_for(name: str) -> str:
    """Deterministic per name, so a local configuration can name the seeded domain."""
    return "d-" + hashlib.sha256(name.encode()).hexdigest()[:12]


def _validation(message: str) -> AwsError:
    return AwsError("ValidationException", message)


def _not_found(message: str) -> AwsError:
    return AwsError("ResourceNotFound", message)


@dataclass
class Domain:
    domain_id: str
    name: str
    auth_mode: str
    arn: str
    url: str
    default_user_settings: dict
    created: float
    ready_at: float
    tags: list = field(default_factory=list)


@dataclass
class Profile:
    domain_id: str
    name: str
    arn: str
    settings: dict
    tags: list
    created: float
    modified: float
    status: str  # settled status; transitions are computed from `until`
    until: float = 0.0
    next_status: str | None = None
    apps_running: bool = False


@dataclass
class PresignedUrl:
    token: str
    domain_id: str
    profile: str
    space: str | None
    landing_uri: str | None
    session_seconds: int
    expires_at: float
    signer: dict | None
    signer_key: str | None = None  # the access key that signed CreatePresignedDomainUrl (never logged)
    network: str | None = None     # the listener the CreatePresignedDomainUrl call came in on
    used: bool = False


class SageMaker:
    """State and operations. `delay` is how long Pending/Updating/Deleting last (seconds)."""

    def __init__(self, account_id: str = "123456789012") -> None:
        self.account_id = account_id
        self.delay = 0.5
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.domains: dict[str, Domain] = {}
            self.profiles: dict[tuple[str, str], Profile] = {}
            self.lifecycle_configs: dict[str, dict] = {}
            self.tags: dict[str, list] = {}
            self.urls: dict[str, PresignedUrl] = {}

    # ----- helpers
    def _settle(self, profile: Profile) -> None:
        if profile.next_status and time.time() >= profile.until:
            if profile.next_status == "Deleted":
                self.profiles.pop((profile.domain_id, profile.name), None)
                self.tags.pop(profile.arn, None)
            profile.status, profile.next_status = profile.next_status, None

    def _domain(self, domain_id: str) -> Domain:
        domain = self.domains.get(domain_id or "")
        if domain is None:
            raise _not_found(f"Domain {domain_id} does not exist")
        return domain

    def _profile(self, domain_id: str, name: str) -> Profile:
        self._domain(domain_id)
        profile = self.profiles.get((domain_id, name))
        if profile is not None:
            self._settle(profile)
        profile = self.profiles.get((domain_id, name))
        if profile is None:
            raise _not_found(f"User profile {name} does not exist in domain {domain_id}")
        return profile

    def _domain_status(self, domain: Domain) -> str:
        return "InService" if time.time() >= domain.ready_at else "Pending"

    def _transition(self, profile: Profile, now_status: str, then: str) -> None:
        profile.status, profile.next_status, profile.until = now_status, then, time.time() + self.delay

    # ----- operations
    def handle(self, call: AwsCall, signer, studio_base: str, network: str | None = None) -> dict:
        """signer: the authenticated principal (iam.Principal)."""
        handler = getattr(self, "op_" + call.operation, None)
        if handler is None:
            raise AwsError("UnknownOperationException", f"{call.operation} is not emulated")
        with self._lock:
            return handler(call.params, call=call, signer=signer, studio_base=studio_base, network=network)

    def op_CreateDomain(self, p: dict, **_) -> dict:
        if p.get("AuthMode") not in ("IAM", "SSO"):
            raise _validation("AuthMode must be IAM or SSO")
        domain_id = domain_id_for(p.get("DomainName", ""))
        if domain_id in self.domains:
            raise AwsError("ResourceInUse", f"Domain {p.get('DomainName')} already exists")
        arn = f"arn:aws:sagemaker:us-east-1:{self.account_id}:domain/{domain_id}"
        now = time.time()
        self.domains[domain_id] = Domain(
            domain_id, p.get("DomainName", ""), p["AuthMode"], arn,
            f"https://{domain_id}.studio.us-east-1.sagemaker.aws", p.get("DefaultUserSettings", {}), now, now + self.delay,
        )
        self.tags[arn] = list(p.get("Tags", []))
        return {"DomainArn": arn, "DomainId": domain_id, "Url": self.domains[domain_id].url}

    def op_DescribeDomain(self, p: dict, **_) -> dict:
        d = self._domain(p.get("DomainId"))
        return {
            "DomainId": d.domain_id, "DomainArn": d.arn, "DomainName": d.name, "Status": self._domain_status(d),
            "AuthMode": d.auth_mode, "Url": d.url, "DefaultUserSettings": d.default_user_settings,
            "CreationTime": d.created, "LastModifiedTime": d.created,
        }

    def op_ListDomains(self, p: dict, **_) -> dict:
        return {"Domains": [
            {"DomainId": d.domain_id, "DomainArn": d.arn, "DomainName": d.name, "Status": self._domain_status(d), "Url": d.url}
            for d in self.domains.values()
        ]}

    def op_CreateUserProfile(self, p: dict, **_) -> dict:
        domain = self._domain(p.get("DomainId"))
        name = p.get("UserProfileName", "")
        if not PROFILE_NAME.match(name):
            raise _validation(f"1 validation error detected: Value '{name}' at 'userProfileName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){{0,62}}")
        existing = self.profiles.get((domain.domain_id, name))
        if existing is not None:
            self._settle(existing)
            if (domain.domain_id, name) in self.profiles:
                raise AwsError("ResourceInUse", f"User profile {name} already exists")
        self._check_settings(p.get("UserSettings", {}))
        arn = f"arn:aws:sagemaker:us-east-1:{self.account_id}:user-profile/{domain.domain_id}/{name}"
        now = time.time()
        profile = Profile(domain.domain_id, name, arn, p.get("UserSettings", {}), [], now, now, "Pending")
        self._transition(profile, "Pending", "InService")
        self.profiles[(domain.domain_id, name)] = profile
        self.tags[arn] = list(p.get("Tags", []))
        return {"UserProfileArn": arn}

    def _check_settings(self, settings: dict) -> None:
        for key in APP_SETTINGS:
            app = settings.get(key) or {}
            arns = list(app.get("LifecycleConfigArns", []))
            default = (app.get("DefaultResourceSpec") or {}).get("LifecycleConfigArn")
            if default:
                arns.append(default)
            known = {c["StudioLifecycleConfigArn"] for c in self.lifecycle_configs.values()}
            for arn in arns:
                if arn not in known:
                    raise _not_found(f"Studio lifecycle config {arn} does not exist")
            if default and default not in app.get("LifecycleConfigArns", []):
                raise _validation("DefaultResourceSpec.LifecycleConfigArn must be one of LifecycleConfigArns")
            idle = (app.get("AppLifecycleManagement") or {}).get("IdleSettings") or {}
            for field in ("IdleTimeoutInMinutes", "MinIdleTimeoutInMinutes", "MaxIdleTimeoutInMinutes"):
                if field in idle and not 60 <= int(idle[field]) <= 525600:
                    raise _validation(f"{field} must be between 60 and 525600")
            if idle.get("LifecycleManagement", "ENABLED") not in ("ENABLED", "DISABLED"):
                raise _validation("LifecycleManagement must be ENABLED or DISABLED")

    def _describe_profile(self, profile: Profile) -> dict:
        return {
            "DomainId": profile.domain_id, "UserProfileArn": profile.arn, "UserProfileName": profile.name,
            "Status": profile.status, "CreationTime": profile.created, "LastModifiedTime": profile.modified,
            "UserSettings": profile.settings,
        }

    def op_DescribeUserProfile(self, p: dict, **_) -> dict:
        return self._describe_profile(self._profile(p.get("DomainId"), p.get("UserProfileName")))

    def op_UpdateUserProfile(self, p: dict, **_) -> dict:
        profile = self._profile(p.get("DomainId"), p.get("UserProfileName"))
        if profile.status != "InService":
            raise AwsError("ResourceInUse", f"User profile {profile.name} is {profile.status}; it cannot be updated now")
        settings = p.get("UserSettings", {})
        self._check_settings(settings)
        new_role = settings.get("ExecutionRole")
        if new_role and new_role != profile.settings.get("ExecutionRole") and profile.apps_running:
            raise _validation("Unable to update the execution role of the user profile while apps are running. Delete the apps and try again.")
        merged = dict(profile.settings)
        merged.update(settings)
        profile.settings = merged
        profile.modified = time.time()
        self._transition(profile, "Updating", "InService")
        return {"UserProfileArn": profile.arn}

    def op_ListApps(self, p: dict, **_) -> dict:
        """The apps the control API says run (POST /_emulator/sagemaker/apps), one JupyterLab app
        per profile, filtered as AWS filters (DomainIdEquals, UserProfileNameEquals)."""
        apps = []
        for profile in list(self.profiles.values()):
            if not profile.apps_running:
                continue
            if p.get("DomainIdEquals") not in (None, profile.domain_id):
                continue
            if p.get("UserProfileNameEquals") not in (None, profile.name):
                continue
            apps.append({"DomainId": profile.domain_id, "UserProfileName": profile.name, "AppType": "JupyterLab",
                         "AppName": "default", "SpaceName": f"{profile.name}-private", "Status": "InService",
                         "CreationTime": profile.modified})
        return {"Apps": apps}

    def op_DeleteUserProfile(self, p: dict, **_) -> dict:
        profile = self._profile(p.get("DomainId"), p.get("UserProfileName"))
        self._transition(profile, "Deleting", "Deleted")
        return {}

    def op_ListUserProfiles(self, p: dict, **_) -> dict:
        out = []
        for profile in list(self.profiles.values()):
            self._settle(profile)
        for profile in self.profiles.values():
            if p.get("DomainIdEquals") and profile.domain_id != p["DomainIdEquals"]:
                continue
            if p.get("UserProfileNameContains") and p["UserProfileNameContains"] not in profile.name:
                continue
            out.append({"DomainId": profile.domain_id, "UserProfileName": profile.name, "Status": profile.status,
                        "CreationTime": profile.created, "LastModifiedTime": profile.modified})
        return {"UserProfiles": out}

    def op_AddTags(self, p: dict, **_) -> dict:
        arn = p.get("ResourceArn", "")
        if arn not in self.tags:
            raise _not_found(f"Resource {arn} does not exist")
        merged = {t["Key"]: t for t in self.tags[arn]}
        merged.update({t["Key"]: t for t in p.get("Tags", [])})
        self.tags[arn] = list(merged.values())
        return {"Tags": p.get("Tags", [])}

    def op_DeleteTags(self, p: dict, **_) -> dict:
        arn = p.get("ResourceArn", "")
        if arn not in self.tags:
            raise _not_found(f"Resource {arn} does not exist")
        self.tags[arn] = [t for t in self.tags[arn] if t["Key"] not in p.get("TagKeys", [])]
        return {}

    def op_ListTags(self, p: dict, **_) -> dict:
        arn = p.get("ResourceArn", "")
        if arn not in self.tags:
            raise _not_found(f"Resource {arn} does not exist")
        return {"Tags": self.tags[arn]}

    def op_CreateStudioLifecycleConfig(self, p: dict, **_) -> dict:
        name = p.get("StudioLifecycleConfigName", "")
        if name in self.lifecycle_configs:
            raise AwsError("ResourceInUse", f"Studio lifecycle config {name} already exists")
        app_type = p.get("StudioLifecycleConfigAppType")
        if app_type not in ("JupyterServer", "KernelGateway", "CodeEditor", "JupyterLab"):
            raise _validation("StudioLifecycleConfigAppType must be JupyterServer, KernelGateway, CodeEditor or JupyterLab")
        try:
            base64.b64decode(p.get("StudioLifecycleConfigContent", ""), validate=True)
        except ValueError:
            raise _validation("StudioLifecycleConfigContent must be base64") from None
        arn = f"arn:aws:sagemaker:us-east-1:{self.account_id}:studio-lifecycle-config/{name}"
        now = time.time()
        self.lifecycle_configs[name] = {
            "StudioLifecycleConfigArn": arn, "StudioLifecycleConfigName": name, "StudioLifecycleConfigAppType": app_type,
            "StudioLifecycleConfigContent": p.get("StudioLifecycleConfigContent", ""), "CreationTime": now, "LastModifiedTime": now,
        }
        self.tags[arn] = list(p.get("Tags", []))
        return {"StudioLifecycleConfigArn": arn}

    def op_DescribeStudioLifecycleConfig(self, p: dict, **_) -> dict:
        config = self.lifecycle_configs.get(p.get("StudioLifecycleConfigName", ""))
        if config is None:
            raise _not_found(f"Studio lifecycle config {p.get('StudioLifecycleConfigName')} does not exist")
        return dict(config)

    def op_ListStudioLifecycleConfigs(self, p: dict, **_) -> dict:
        configs = [
            {k: v for k, v in c.items() if k != "StudioLifecycleConfigContent"}
            for c in self.lifecycle_configs.values()
            if not p.get("AppTypeEquals") or c["StudioLifecycleConfigAppType"] == p["AppTypeEquals"]
        ]
        return {"StudioLifecycleConfigs": configs}

    def op_CreatePresignedDomainUrl(self, p: dict, signer, studio_base: str, network: str | None = None, **_) -> dict:
        expires = int(p.get("ExpiresInSeconds", 300))
        session = int(p.get("SessionExpirationDurationInSeconds", 43200))
        if not 5 <= expires <= 300:
            raise _validation("1 validation error detected: Value at 'expiresInSeconds' failed to satisfy constraint: Member must have value between 5 and 300")
        if not 1800 <= session <= 43200:
            raise _validation("1 validation error detected: Value at 'sessionExpirationDurationInSeconds' failed to satisfy constraint: Member must have value between 1800 and 43200")
        domain = self._domain(p.get("DomainId"))
        if domain.auth_mode != "IAM":
            raise _validation(f"Domain {domain.domain_id} is not in IAM auth mode; presigned URLs need IAM mode")
        profile = self._profile(domain.domain_id, p.get("UserProfileName"))
        if profile.status != "InService":
            raise _validation(f"User profile {profile.name} is {profile.status}, not InService")
        token = secrets.token_urlsafe(32)
        self.urls[token] = PresignedUrl(
            token, domain.domain_id, profile.name, p.get("SpaceName"), p.get("LandingUri"), session,
            time.time() + expires, signer.describe() if signer else None,
            signer_key=getattr(signer, "access_key_id", None) or getattr(getattr(signer, "creds", None), "access_key_id", None),
            network=network,
        )
        return {"AuthorizedUrl": f"{studio_base.format(domain_id=domain.domain_id)}/auth?token={token}"}

    # ----- emulator-only
    def set_apps_running(self, domain_id: str, name: str, running: bool) -> None:
        with self._lock:
            self._profile(domain_id, name).apps_running = running

    def force_status(self, domain_id: str, name: str, status: str) -> None:
        """Puts a profile into any status (AWS can leave profiles Failed or Update_Failed)."""
        with self._lock:
            profile = self._profile(domain_id, name)
            profile.status, profile.next_status = status, None

    def redeem(self, token: str) -> tuple[PresignedUrl | None, str]:
        """Opens a presigned URL once: (url, "ok" | "used" | "expired" | "unknown")."""
        with self._lock:
            url = self.urls.get(token)
            if url is None:
                return None, "unknown"
            if url.used:
                return url, "used"
            if time.time() > url.expires_at:
                return url, "expired"
            url.used = True
            return url, "ok"

    def issued_tokens(self) -> list[str]:
        with self._lock:
            return list(self.urls)

    def resolve(self, token: str) -> dict | None:
        with self._lock:
            url = self.urls.get(token)
            if url is None:
                return None
            return {
                "domain_id": url.domain_id, "user_profile_name": url.profile, "space_name": url.space,
                "landing_uri": url.landing_uri, "session_expiration_seconds": url.session_seconds,
                "expires_at": url.expires_at, "used": url.used, "signer": url.signer, "presigned_through": url.network,
            }
