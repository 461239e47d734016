"""SageMaker Studio: domains, user profiles, spaces, tags, studio lifecycle configurations and
presigned domain URLs, with AWS's parameter ranges, status transitions and error codes (apps:
apps.py). Who may call
each operation is decided before it gets here (iam.py); a presigned URL remembers who signed it,
because SageMaker authorizes every later Studio request as that principal's CreatePresignedDomainUrl."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
import time
from dataclasses import dataclass, field

from .apps import SPACE_APP_TYPES, App, Apps
from .protocol import AwsCall, AwsError

PROFILE_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
APP_SETTINGS = ("JupyterLabAppSettings", "JupyterServerAppSettings", "CodeEditorAppSettings", "KernelGatewayAppSettings")
SHARING_TYPES = ("Private", "Shared")
EBS_GB = (5, 16384)  # EbsStorageSettings.EbsVolumeSizeInGb (SageMaker API reference)


HUB_ACCOUNT = "123456789012"


def domain_id_for(name: str, account_id: str = HUB_ACCOUNT) -> str:
    """Deterministic, so a local configuration can name the seeded domain: by name in the hub
    account (d-7ac2bcf8fc16), by account and name in another (domain IDs are unique across accounts)."""
    key = name if account_id == HUB_ACCOUNT else f"{account_id}/{name}"
    return "d-" + hashlib.sha256(key.encode()).hexdigest()[:12]


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


@dataclass
class Space:
    domain_id: str
    name: str
    arn: str
    display_name: str | None
    settings: dict
    ownership: dict | None   # OwnershipSettings {"OwnerUserProfileName"}
    sharing: dict | None     # SpaceSharingSettings {"SharingType"}
    url: str
    created: float
    modified: float
    status: str  # as Profile: settled status, transitions computed from `until`
    until: float = 0.0
    next_status: str | None = None

    @property
    def owner(self) -> str | None:
        return (self.ownership or {}).get("OwnerUserProfileName")

    @property
    def sharing_type(self) -> str | None:
        return (self.sharing or {}).get("SharingType")


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
    account_id: str = HUB_ACCOUNT  # the domain's account (the signer's)


# ResourceSpec.SageMakerImageVersionArn's pattern (SageMaker API reference): a version, or None,
# which clears it.
TRAINING_PLAN_ARN = re.compile(r"(arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:training-plan/.*|None)")
IMAGE_VERSION_ARN = re.compile(r"(arn:aws(-[\w]+)*:sagemaker:.+:[0-9]{12}:image-version/[a-z0-9]([-.]?[a-z0-9])*/[0-9]+|None)")


class SageMaker(Apps):
    """State and operations. `delay` is how long Pending/Updating/Deleting last (seconds)."""

    def __init__(self, account_id: str = HUB_ACCOUNT) -> None:
        self.account_id = account_id
        self.delay = 0.5
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.domains: dict[str, Domain] = {}
            self.profiles: dict[tuple[str, str], Profile] = {}
            self.spaces: dict[tuple[str, str], Space] = {}
            self.apps: list[App] = []
            self.lifecycle_configs: dict[str, dict] = {}
            self.tags: dict[str, list] = {}
            self.urls: dict[str, PresignedUrl] = {}

    # ----- helpers
    def _settle(self, resource: Profile | Space) -> None:
        if resource.next_status and time.time() >= resource.until:
            if resource.next_status == "Deleted":
                store = self.spaces if isinstance(resource, Space) else self.profiles
                store.pop((resource.domain_id, resource.name), None)
                self.tags.pop(resource.arn, None)
            resource.status, resource.next_status = resource.next_status, None

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

    def _space(self, domain_id: str, name: str) -> Space:
        self._domain(domain_id)
        space = self.spaces.get((domain_id, name))
        if space is not None:
            self._settle(space)
        space = self.spaces.get((domain_id, name))
        if space is None:
            raise _not_found(f"Space {name} does not exist in domain {domain_id}")
        return space

    def _domain_status(self, domain: Domain) -> str:
        return "InService" if time.time() >= domain.ready_at else "Pending"

    def _transition(self, resource: Profile | Space, now_status: str, then: str) -> None:
        resource.status, resource.next_status, resource.until = now_status, then, time.time() + self.delay

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
        domain_id = domain_id_for(p.get("DomainName", ""), self.account_id)
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

    def _check_settings(self, settings: dict, listed: bool = True) -> None:
        """listed: the app settings list their LifecycleConfigArns (a profile's, a domain's) and the
        default must be one of them; a space's app settings have only the default (DefaultResourceSpec)."""
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
            if listed and default and default not in app.get("LifecycleConfigArns", []):
                raise _validation("DefaultResourceSpec.LifecycleConfigArn must be one of LifecycleConfigArns")
            version = (app.get("DefaultResourceSpec") or {}).get("SageMakerImageVersionArn")
            if version is not None and not IMAGE_VERSION_ARN.fullmatch(version):
                raise _validation(f"1 validation error detected: Value '{version}' at 'SageMakerImageVersionArn' "
                                  f"failed to satisfy constraint: Member must satisfy regular expression pattern: "
                                  f"{IMAGE_VERSION_ARN.pattern}")
            plan = (app.get("DefaultResourceSpec") or {}).get("TrainingPlanArn")
            if plan is not None and not TRAINING_PLAN_ARN.fullmatch(plan):
                raise _validation(f"1 validation error detected: Value '{plan}' at 'TrainingPlanArn' failed to satisfy "
                                  f"constraint: Member must satisfy regular expression pattern: {TRAINING_PLAN_ARN.pattern}")
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
        # Apps run until they are Deleted (or Failed): a Deleting app still holds the old role.
        if new_role and new_role != profile.settings.get("ExecutionRole") and self._live_apps(profile.domain_id, profile=profile.name):
            raise _validation("Unable to update the execution role of the user profile while apps are running. Delete the apps and try again.")
        merged = dict(profile.settings)
        merged.update(settings)
        profile.settings = merged
        profile.modified = time.time()
        self._transition(profile, "Updating", "InService")
        return {"UserProfileArn": profile.arn}

    def op_DeleteUserProfile(self, p: dict, **_) -> dict:
        """"All apps launched by a user profile and all spaces owned by the user profile must be
        deleted to delete the user profile" (Developer Guide, Remove user profiles): an app that is
        neither Deleted nor Failed, or an owned space in any status until it is gone, is ResourceInUse."""
        profile = self._profile(p.get("DomainId"), p.get("UserProfileName"))
        if self._live_apps(profile.domain_id, profile=profile.name):
            raise AwsError("ResourceInUse", f"Unable to delete UserProfile [{profile.arn}] because App(s) are associated with it")
        for space in list(self.spaces.values()):
            self._settle(space)
        if any(s.domain_id == profile.domain_id and s.owner == profile.name for s in self.spaces.values()):
            raise AwsError("ResourceInUse", f"Unable to delete UserProfile [{profile.arn}] because Space(s) are associated with it")
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

    # ----- spaces
    def _check_space_settings(self, settings: dict) -> None:
        app_type = settings.get("AppType")
        if app_type is not None and app_type not in SPACE_APP_TYPES:
            raise _validation(f"1 validation error detected: Value '{app_type}' at 'spaceSettings.appType' failed to satisfy "
                              f"constraint: Member must satisfy enum value set: [{', '.join(SPACE_APP_TYPES)}]")
        ebs = ((settings.get("SpaceStorageSettings") or {}).get("EbsStorageSettings") or {})
        if "EbsVolumeSizeInGb" in ebs:
            size = ebs["EbsVolumeSizeInGb"]
            if not isinstance(size, int) or isinstance(size, bool) or not EBS_GB[0] <= size <= EBS_GB[1]:
                raise _validation(f"1 validation error detected: Value '{size}' at "
                                  "'spaceSettings.spaceStorageSettings.ebsStorageSettings.ebsVolumeSizeInGb' failed to satisfy "
                                  f"constraint: Member must have value between {EBS_GB[0]} and {EBS_GB[1]}")
        self._check_settings(settings, listed=False)

    @staticmethod
    def _resource_spec_updates(before: dict, after: dict) -> None:
        """An app's image version outlives an update that leaves it out, and `None` clears it (the
        API reference, ResourceSpec: the version "always takes precedence" over SageMakerImageArn;
        "to clear the value set for SageMakerImageVersionArn, pass None as the value"); `None`
        clears a TrainingPlanArn too (its pattern takes it)."""
        for app, settings in after.items():
            if not app.endswith("AppSettings") or not isinstance(settings, dict):
                continue
            spec = settings.get("DefaultResourceSpec")
            if spec is None:
                continue
            kept = ((before.get(app) or {}).get("DefaultResourceSpec") or {}).get("SageMakerImageVersionArn")
            spec = dict(spec)
            if "SageMakerImageVersionArn" not in spec and kept:
                spec["SageMakerImageVersionArn"] = kept
            for field in ("SageMakerImageVersionArn", "TrainingPlanArn"):   # both take None to clear
                if spec.get(field) == "None":
                    del spec[field]
            after[app] = {**settings, "DefaultResourceSpec": spec}

    @staticmethod
    def _ebs_gb(settings: dict) -> int | None:
        return ((settings.get("SpaceStorageSettings") or {}).get("EbsStorageSettings") or {}).get("EbsVolumeSizeInGb")

    def _space_url(self, domain_id: str, name: str) -> str:
        # A space has its own Studio host, as on AWS (https://ID.studio.REGION.sagemaker.aws).
        return f"https://{hashlib.sha256(f'{domain_id}/{name}'.encode()).hexdigest()[:15]}.studio.us-east-1.sagemaker.aws"

    def op_CreateSpace(self, p: dict, **_) -> dict:
        domain = self._domain(p.get("DomainId"))
        name = p.get("SpaceName", "")
        if not PROFILE_NAME.match(name):
            raise _validation(f"1 validation error detected: Value '{name}' at 'spaceName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){{0,62}}")
        settings = p.get("SpaceSettings") or {}
        ownership = p.get("OwnershipSettings") or None
        sharing = p.get("SpaceSharingSettings") or None
        sharing_type = (sharing or {}).get("SharingType")
        if sharing is not None and sharing_type not in SHARING_TYPES:
            raise _validation(f"1 validation error detected: Value '{sharing_type}' at 'spaceSharingSettings.sharingType' "
                              f"failed to satisfy constraint: Member must satisfy enum value set: [{', '.join(SHARING_TYPES)}]")
        if sharing_type == "Private" and not (ownership or {}).get("OwnerUserProfileName"):
            raise _validation("OwnershipSettings.OwnerUserProfileName is required for a space whose SharingType is Private")
        self._check_space_settings(settings)
        existing = self.spaces.get((domain.domain_id, name))
        if existing is not None:
            self._settle(existing)
            if (domain.domain_id, name) in self.spaces:
                raise AwsError("ResourceInUse", f"Space {name} already exists")
        if ownership:
            self._profile(domain.domain_id, ownership.get("OwnerUserProfileName", ""))
        arn = f"arn:aws:sagemaker:us-east-1:{self.account_id}:space/{domain.domain_id}/{name}"
        now = time.time()
        space = Space(domain.domain_id, name, arn, p.get("SpaceDisplayName"), settings, ownership, sharing,
                      self._space_url(domain.domain_id, name), now, now, "Pending")
        self._transition(space, "Pending", "InService")
        self.spaces[(domain.domain_id, name)] = space
        self.tags[arn] = list(p.get("Tags", []))
        return {"SpaceArn": arn}

    def _describe_space(self, space: Space) -> dict:
        out = {
            "DomainId": space.domain_id, "SpaceArn": space.arn, "SpaceName": space.name, "Status": space.status,
            "CreationTime": space.created, "LastModifiedTime": space.modified, "SpaceSettings": space.settings,
            "Url": space.url,
        }
        if space.display_name is not None:
            out["SpaceDisplayName"] = space.display_name
        if space.ownership is not None:
            out["OwnershipSettings"] = space.ownership
        if space.sharing is not None:
            out["SpaceSharingSettings"] = space.sharing
        return out

    def op_DescribeSpace(self, p: dict, **_) -> dict:
        return self._describe_space(self._space(p.get("DomainId"), p.get("SpaceName")))

    def op_UpdateSpace(self, p: dict, **_) -> dict:
        space = self._space(p.get("DomainId"), p.get("SpaceName"))
        if space.status != "InService":
            raise AwsError("ResourceInUse", f"Space {space.name} is {space.status}; it cannot be updated now")
        settings = p.get("SpaceSettings") or {}
        self._check_space_settings(settings)
        if "AppType" in settings and settings["AppType"] != space.settings.get("AppType"):
            raise _validation(f"The AppType of space {space.name} cannot be changed "
                              f"(from {space.settings.get('AppType')} to {settings['AppType']})")
        size, current = self._ebs_gb(settings), self._ebs_gb(space.settings)
        if size is not None and current is not None and size < current:
            raise _validation(f"EbsVolumeSizeInGb of space {space.name} cannot be decreased (from {current} to {size})")
        merged = dict(space.settings)
        merged.update(settings)
        self._resource_spec_updates(space.settings, merged)
        space.settings = merged
        if "SpaceDisplayName" in p:
            space.display_name = p["SpaceDisplayName"]
        space.modified = time.time()
        self._transition(space, "Updating", "InService")
        return {"SpaceArn": space.arn}

    def op_DeleteSpace(self, p: dict, **_) -> dict:
        space = self._space(p.get("DomainId"), p.get("SpaceName"))
        # A space's apps go first: one that is neither Deleted nor Failed holds it.
        if self._live_apps(space.domain_id, space=space.name):
            raise AwsError("ResourceInUse", f"Unable to delete Space [{space.arn}] because App(s) are associated with it")
        self._transition(space, "Deleting", "Deleted")
        return {}

    def op_ListSpaces(self, p: dict, **_) -> dict:
        """Filtered by DomainIdEquals and SpaceNameContains, sorted by SortBy (CreationTime,
        LastModifiedTime) in SortOrder (Ascending by default), as AWS does."""
        for space in list(self.spaces.values()):
            self._settle(space)
        if p.get("SortBy", "CreationTime") not in ("CreationTime", "LastModifiedTime"):
            raise _validation("SortBy must be CreationTime or LastModifiedTime")
        if p.get("SortOrder", "Ascending") not in ("Ascending", "Descending"):
            raise _validation("SortOrder must be Ascending or Descending")
        spaces = [s for s in self.spaces.values()
                  if (not p.get("DomainIdEquals") or s.domain_id == p["DomainIdEquals"])
                  and (not p.get("SpaceNameContains") or p["SpaceNameContains"] in s.name)]
        by = "modified" if p.get("SortBy") == "LastModifiedTime" else "created"
        spaces.sort(key=lambda s: getattr(s, by), reverse=p.get("SortOrder") == "Descending")
        out = []
        for space in spaces:
            summary = {"DomainId": space.domain_id, "SpaceName": space.name, "Status": space.status,
                       "CreationTime": space.created, "LastModifiedTime": space.modified}
            if space.display_name is not None:
                summary["SpaceDisplayName"] = space.display_name
            settings = {k: space.settings[k] for k in ("AppType", "SpaceStorageSettings") if k in space.settings}
            summary["SpaceSettingsSummary"] = settings
            if space.sharing is not None:
                summary["SpaceSharingSettingsSummary"] = {"SharingType": space.sharing_type}
            if space.ownership is not None:
                summary["OwnershipSettingsSummary"] = {"OwnerUserProfileName": space.owner}
            out.append(summary)
        return {"Spaces": out}

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
        if p.get("SpaceName") is not None:
            space = self._space(domain.domain_id, p["SpaceName"])
            if space.status != "InService":
                raise _validation(f"Space {space.name} is {space.status}, not InService")
            if space.sharing_type == "Private" and space.owner != profile.name:
                raise _validation(f"Space {space.name} is private to another user profile; "
                                  f"user profile {profile.name} cannot open it")
        token = secrets.token_urlsafe(32)
        self.urls[token] = PresignedUrl(
            token, domain.domain_id, profile.name, p.get("SpaceName"), p.get("LandingUri"), session,
            time.time() + expires, signer.describe() if signer else None,
            signer_key=getattr(signer, "access_key_id", None) or getattr(getattr(signer, "creds", None), "access_key_id", None),
            network=network, account_id=self.account_id,
        )
        return {"AuthorizedUrl": f"{studio_base.format(domain_id=domain.domain_id)}/auth?token={token}"}

    # ----- emulator-only
    def force_status(self, domain_id: str, name: str, status: str) -> None:
        """Puts a profile into any status (AWS can leave profiles Failed or Update_Failed)."""
        with self._lock:
            profile = self._profile(domain_id, name)
            profile.status, profile.next_status = status, None

    def force_space_status(self, domain_id: str, name: str, status: str) -> None:
        """Puts a space into any status (AWS can leave spaces Failed or Update_Failed)."""
        with self._lock:
            space = self._space(domain_id, name)
            space.status, space.next_status = status, None

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
                "account_id": url.account_id,
            }
