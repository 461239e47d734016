"""SageMaker apps, with AWS's life cycle and the rules that make offboarding an ordered job.

An app runs in a space (JupyterLab, Code Editor: the Studio of today) or, in Studio Classic, for a
user profile (JupyterServer, KernelGateway...). DeleteApp moves it Deleting -> Deleted, and ListApps
keeps listing Deleted apps (AWS does so for a while; here until a reset), so a client has to skip
them. A space cannot be deleted while an app in it is neither Deleted nor Failed, and a profile not
while an app it launched is (sagemaker.py asks `_live_apps`).

Nothing launches apps through the API here (no CreateApp): the control API does
(`POST /_emulator/sagemaker/apps`, `set_apps_running`). Its default app, one JupyterLab app named
"default", runs in the profile's private space *as it is when read* (PROFILE-private while it owns
none), so a test may start the app before it makes the space.

A mixin of sagemaker.SageMaker, whose state (`apps`, `spaces`, `delay`, `account_id`) and helpers it
uses; kept apart so that neither module grows past reading size."""

from __future__ import annotations

import time
from dataclasses import dataclass

from .protocol import AwsError

SPACE_APP_TYPES = ("JupyterLab", "CodeEditor")  # apps that run in a space (and a space's AppType)
# AppType, as the SageMaker API reference enumerates it.
APP_TYPES = ("JupyterServer", "KernelGateway", "DetailedProfiler", "TensorBoard", "CodeEditor", "JupyterLab",
             "RStudioServerPro", "RSessionGateway", "Canvas")
SETTLED = ("Deleted", "Failed")   # an app in either status holds nothing (AWS's delete rules)
FORCEABLE = ("InService", "Pending", "Failed")


@dataclass
class App:
    domain_id: str
    app_type: str
    name: str
    profile: str | None        # the user profile that launched it
    space: str | None          # the space it runs in; None for a Classic app or a private-space one
    created: float
    status: str                # settled status; a transition is computed from `until`, as for spaces
    until: float = 0.0
    next_status: str | None = None
    private_space: bool = False  # runs in its profile's private space, whichever that is when read


class Apps:
    """DeleteApp, DescribeApp, ListApps and the control API's apps (mixed into SageMaker)."""

    # ----- helpers
    def _private_space_of(self, domain_id: str, profile: str):
        """The profile's private space (the first it created), if it owns one."""
        owned = [s for s in self.spaces.values()
                 if s.domain_id == domain_id and s.owner == profile and s.sharing_type == "Private"]
        return min(owned, key=lambda s: s.created) if owned else None

    def _private_space_name(self, domain_id: str, profile: str) -> str:
        space = self._private_space_of(domain_id, profile)
        return space.name if space is not None else f"{profile}-private"

    def _space_of(self, app: App) -> str | None:
        return self._private_space_name(app.domain_id, app.profile) if app.private_space else app.space

    def _pin(self, app: App) -> None:
        """An app that stops keeps the space it ran in, even once that space is deleted and the
        profile's private space would resolve to another."""
        app.space, app.private_space = self._space_of(app), False

    def _settle_app(self, app: App) -> App:
        if app.next_status and time.time() >= app.until:
            app.status, app.next_status = app.next_status, None
        return app

    def _app_arn(self, app: App) -> str:
        # app/DOMAIN/USER-PROFILE-OR-SPACE/TYPE/NAME (Service Authorization Reference, resource type
        # "app"), the app type in lower case as AWS writes it.
        owner = self._space_of(app) or app.profile
        return f"arn:aws:sagemaker:us-east-1:{self.account_id}:app/{app.domain_id}/{owner}/{app.app_type.lower()}/{app.name}"

    def _live_apps(self, domain_id: str, profile: str | None = None, space: str | None = None) -> list[App]:
        """The apps of the domain that are neither Deleted nor Failed, launched by `profile` or in `space`."""
        return [app for app in self.apps
                if app.domain_id == domain_id and self._settle_app(app).status not in SETTLED
                and (profile is None or app.profile == profile)
                and (space is None or self._space_of(app) == space)]

    def _find_app(self, p: dict, live: bool) -> App | None:
        """The app a DeleteApp/DescribeApp names: by SpaceName (an app in that space; UserProfileName,
        if given too, must be its launcher), else by UserProfileName (a Classic app, in no space).
        A live app first: an app deleted and launched again shares its identity with the old record."""
        found = []
        for app in self.apps:
            self._settle_app(app)
            if (app.domain_id, app.app_type, app.name) != (p.get("DomainId"), p.get("AppType"), p.get("AppName")):
                continue
            if p.get("SpaceName"):
                if self._space_of(app) != p["SpaceName"] or p.get("UserProfileName") not in (None, app.profile):
                    continue
            elif app.private_space or app.space is not None or app.profile != p.get("UserProfileName"):
                continue
            found.append(app)
        current = [app for app in found if app.status != "Deleted"]
        if current or live:
            return current[-1] if current else None
        return found[-1] if found else None

    def _check_app_request(self, p: dict) -> None:
        for member in ("DomainId", "AppType", "AppName"):
            if not p.get(member):
                raise AwsError("ValidationException", f"1 validation error detected: Value null at '{member[0].lower() + member[1:]}' "
                                                      "failed to satisfy constraint: Member must not be null")
        if p["AppType"] not in APP_TYPES:
            raise AwsError("ValidationException", f"1 validation error detected: Value '{p['AppType']}' at 'appType' failed to "
                                                  f"satisfy constraint: Member must satisfy enum value set: [{', '.join(APP_TYPES)}]")
        if not p.get("SpaceName") and not p.get("UserProfileName"):
            raise AwsError("ValidationException", "Either SpaceName or UserProfileName must be specified")
        self._domain(p["DomainId"])

    def _app_not_found(self, p: dict) -> AwsError:
        owner = p.get("SpaceName") or p.get("UserProfileName")
        return AwsError("ResourceNotFound", f"App [arn:aws:sagemaker:us-east-1:{self.account_id}:app/{p.get('DomainId')}/{owner}/"
                                            f"{str(p.get('AppType')).lower()}/{p.get('AppName')}] does not exist")

    def _summary(self, app: App) -> dict:
        out = {"DomainId": app.domain_id, "AppType": app.app_type, "AppName": app.name, "Status": app.status,
               "CreationTime": app.created}
        if app.profile is not None:
            out["UserProfileName"] = app.profile
        space = self._space_of(app)
        if space is not None:
            out["SpaceName"] = space
        return out

    # ----- operations
    def op_ListApps(self, p: dict, **_) -> dict:
        """Every app, Deleted ones included (AWS lists them for a while), filtered as AWS filters
        (DomainIdEquals, UserProfileNameEquals, SpaceNameEquals), in creation order."""
        if p.get("SortBy", "CreationTime") != "CreationTime":
            raise AwsError("ValidationException", "SortBy must be CreationTime")
        if p.get("SortOrder", "Ascending") not in ("Ascending", "Descending"):
            raise AwsError("ValidationException", "SortOrder must be Ascending or Descending")
        apps = []
        for app in self.apps:
            summary = self._summary(self._settle_app(app))
            if any(p.get(f"{key}Equals") not in (None, summary.get(key)) for key in ("DomainId", "UserProfileName", "SpaceName")):
                continue
            apps.append(summary)
        apps.sort(key=lambda a: a["CreationTime"], reverse=p.get("SortOrder") == "Descending")
        return {"Apps": apps}

    def op_DescribeApp(self, p: dict, **_) -> dict:
        self._check_app_request(p)
        app = self._find_app(p, live=False)
        if app is None:
            raise self._app_not_found(p)
        return {**self._summary(app), "AppArn": self._app_arn(app)}

    def op_DeleteApp(self, p: dict, **_) -> dict:
        """InService (or Pending, Failed) -> Deleting -> Deleted after `delay`. Deleted or absent:
        ResourceNotFound, as AWS answers. An app already Deleting is left as it is and the call
        succeeds (the deletion asked for is under way; an emulator choice)."""
        self._check_app_request(p)
        app = self._find_app(p, live=True)
        if app is None:
            raise self._app_not_found(p)
        if app.status != "Deleting":
            self._pin(app)
            app.status, app.next_status, app.until = "Deleting", "Deleted", time.time() + self.delay
        return {}

    # ----- emulator-only
    def set_apps_running(self, domain_id: str, name: str, running: bool, space: str | None = None,
                         app_type: str | None = None, app_name: str | None = None, status: str | None = None) -> None:
        """running: launches the app (by default JupyterLab "default" in the profile's private
        space; a JupyterLab or CodeEditor app in `space` when given; any other type is a Classic app
        of the profile), or puts the app, if it runs, into `status` (InService, Pending or Failed).
        Not running: forgets the profile's apps (those named, or all), with no trace in ListApps."""
        with self._lock:
            self._profile(domain_id, name)
            if not running:
                self.apps = [app for app in self.apps if not (
                    app.domain_id == domain_id and app.profile == name
                    and space in (None, self._space_of(app)) and app_type in (None, app.app_type) and app_name in (None, app.name))]
                return
            app_type, app_name = app_type or "JupyterLab", app_name or "default"
            if app_type not in APP_TYPES:
                raise AwsError("ValidationException", f"AppType {app_type} is not one of {', '.join(APP_TYPES)}")
            if status is not None and status not in FORCEABLE:
                raise AwsError("ValidationException", f"Status must be one of {', '.join(FORCEABLE)}")
            if space is not None and app_type not in SPACE_APP_TYPES:
                raise AwsError("ValidationException", f"A {app_type} app runs in no space")
            if space is not None:
                self._space(domain_id, space)
            private = space is None and app_type in SPACE_APP_TYPES
            app = self._find_app({"DomainId": domain_id, "AppType": app_type, "AppName": app_name, "UserProfileName": name,
                                  "SpaceName": self._private_space_name(domain_id, name) if private else space}, live=True)
            if app is None or app.status == "Deleting":
                app = App(domain_id, app_type, app_name, name, space, time.time(), "InService", private_space=private)
                self.apps.append(app)
            app.status, app.next_status = status or "InService", None
            if app.status == "Failed":
                self._pin(app)
