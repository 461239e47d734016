"""SageMaker operations as IAM requests (a mixin of operations.Mapper).

A SageMaker call acts in the account of its signer's credentials (`call.account_id`): SageMaker
resolves a DomainId in the caller's own account, so the resource ARN names that account, and the
tags read for `aws:ResourceTag/*` are that account's (the emulator's SageMaker state per account,
accounts.py). A resource ARN given in the request (AddTags, ListTags) names its own account.
"""

from __future__ import annotations

from .iamrequest import IamRequest, request_tags as _request_tags, tags_of as _tags_of
from .protocol import AwsCall


class SageMakerRequests:
    """The `_sagemaker_*` mappings; the Mapper provides `arn`, `pass_role`, `account` and `state`."""

    def sm_arn(self, call: AwsCall, resource: str) -> str:
        """A SageMaker ARN in the account the call acts in (its signer's)."""
        return self.arn("sagemaker", resource, call.region, call.account_id or self.account)

    def _sm_tags(self, arn: str) -> dict:
        """The tags of a SageMaker resource, from the state of the account its ARN names."""
        return _tags_of(self.state.sagemakers.tags_of(arn))

    def _profile(self, call: AwsCall, action: str) -> IamRequest:
        p = call.params
        arn = self.sm_arn(call, f"user-profile/{p.get('DomainId')}/{p.get('UserProfileName')}")
        return IamRequest(action, arn, "user-profile", {}, self._sm_tags(arn))

    def _profile_settings_keys(self, settings: dict) -> dict:
        keys: dict = {}
        arns, types = [], []
        for app in ("JupyterLabAppSettings", "JupyterServerAppSettings", "CodeEditorAppSettings", "KernelGatewayAppSettings"):
            app_settings = settings.get(app) or {}
            arns += list(app_settings.get("LifecycleConfigArns", []))
            spec = app_settings.get("DefaultResourceSpec") or {}
            if spec.get("LifecycleConfigArn"):
                arns.append(spec["LifecycleConfigArn"])
            if spec.get("InstanceType"):
                types.append(spec["InstanceType"])
        if arns:
            keys["sagemaker:StudioLifecycleConfigArns"] = sorted(set(arns))
        if types:
            keys["sagemaker:InstanceTypes"] = sorted(set(types))
        return keys

    def _sagemaker_CreateDomain(self, call: AwsCall) -> list[IamRequest]:
        from .sagemaker import domain_id_for

        p = call.params
        arn = self.sm_arn(call, f"domain/{domain_id_for(p.get('DomainName', ''), call.account_id or self.account)}")
        keys = {**_request_tags(_tags_of(p.get("Tags"))), **self._profile_settings_keys(p.get("DefaultUserSettings") or {})}
        if p.get("AuthMode"):
            keys["sagemaker:AuthMode"] = p["AuthMode"]
        if p.get("SubnetIds"):
            keys["sagemaker:VpcSubnets"] = list(p["SubnetIds"])
        out = [IamRequest("sagemaker:CreateDomain", arn, "domain", keys)]
        role = (p.get("DefaultUserSettings") or {}).get("ExecutionRole")
        if role:
            out.append(self.pass_role(role, "sagemaker.amazonaws.com", "passes DefaultUserSettings.ExecutionRole"))
        return out

    def _sagemaker_DescribeDomain(self, call: AwsCall) -> list[IamRequest]:
        arn = self.sm_arn(call, f"domain/{call.params.get('DomainId')}")
        return [IamRequest("sagemaker:DescribeDomain", arn, "domain", {}, self._sm_tags(arn))]

    def _sagemaker_CreateUserProfile(self, call: AwsCall) -> list[IamRequest]:
        request = self._profile(call, "sagemaker:CreateUserProfile")
        request.resource_tags = {}  # a new resource has no tags yet
        settings = call.params.get("UserSettings") or {}
        request.keys = {**_request_tags(_tags_of(call.params.get("Tags"))), **self._profile_settings_keys(settings)}
        out = [request]
        if settings.get("ExecutionRole"):
            out.append(self.pass_role(settings["ExecutionRole"], "sagemaker.amazonaws.com", "passes UserSettings.ExecutionRole"))
        return out

    def _sagemaker_UpdateUserProfile(self, call: AwsCall) -> list[IamRequest]:
        request = self._profile(call, "sagemaker:UpdateUserProfile")
        settings = call.params.get("UserSettings") or {}
        request.keys = self._profile_settings_keys(settings)
        out = [request]
        if settings.get("ExecutionRole"):
            out.append(self.pass_role(settings["ExecutionRole"], "sagemaker.amazonaws.com", "passes UserSettings.ExecutionRole"))
        return out

    def _sagemaker_DescribeUserProfile(self, call: AwsCall) -> list[IamRequest]:
        return [self._profile(call, "sagemaker:DescribeUserProfile")]

    def _sagemaker_DeleteUserProfile(self, call: AwsCall) -> list[IamRequest]:
        return [self._profile(call, "sagemaker:DeleteUserProfile")]

    # Spaces (resource type `space`, space/DOMAIN/NAME). Keys as the Service Authorization Reference
    # lists them (iam-data actions/sagemaker.json): CreateSpace and UpdateSpace take the settings'
    # keys (sagemaker:InstanceTypes, ImageArns, ImageVersionArns, StudioLifecycleConfigArns,
    # RemoteAccess) and sagemaker:OwnerUserProfileArn / sagemaker:SpaceSharingType, which describe
    # "the space in the request": the request's for CreateSpace, the space's own for UpdateSpace and
    # DeleteSpace (whose requests cannot change them); DescribeSpace none; ListSpaces has no resource.
    def _space(self, call: AwsCall, action: str) -> IamRequest:
        p = call.params
        arn = self.sm_arn(call, f"space/{p.get('DomainId')}/{p.get('SpaceName')}")
        return IamRequest(action, arn, "space", {}, self._sm_tags(arn))

    def _space_settings_keys(self, settings: dict) -> dict:
        keys = self._profile_settings_keys(settings)
        images, versions = [], []
        for app in ("JupyterLabAppSettings", "JupyterServerAppSettings", "CodeEditorAppSettings", "KernelGatewayAppSettings"):
            spec = (settings.get(app) or {}).get("DefaultResourceSpec") or {}
            if spec.get("SageMakerImageArn"):
                images.append(spec["SageMakerImageArn"])
            if spec.get("SageMakerImageVersionArn"):
                versions.append(spec["SageMakerImageVersionArn"])
        if images:
            keys["sagemaker:ImageArns"] = sorted(set(images))
        if versions:
            keys["sagemaker:ImageVersionArns"] = sorted(set(versions))
        if settings.get("RemoteAccess"):
            keys["sagemaker:RemoteAccess"] = settings["RemoteAccess"]
        return keys

    def _space_owner_keys(self, call: AwsCall, domain_id, ownership: dict | None, sharing: dict | None) -> dict:
        keys = {}
        owner = (ownership or {}).get("OwnerUserProfileName")
        if owner:
            keys["sagemaker:OwnerUserProfileArn"] = self.sm_arn(call, f"user-profile/{domain_id}/{owner}")
        if (sharing or {}).get("SharingType"):
            keys["sagemaker:SpaceSharingType"] = sharing["SharingType"]
        return keys

    def _existing_space_keys(self, call: AwsCall) -> dict:
        state = self.state.sagemakers.of(call.account_id or self.account)
        space = state.spaces.get((call.params.get("DomainId"), call.params.get("SpaceName")))
        if space is None:  # no such space (or a Classic app's request, which names none)
            return {}
        return self._space_owner_keys(call, space.domain_id, space.ownership, space.sharing)

    def _sagemaker_CreateSpace(self, call: AwsCall) -> list[IamRequest]:
        p = call.params
        request = self._space(call, "sagemaker:CreateSpace")
        request.resource_tags = {}  # a new resource has no tags yet
        tags = _tags_of(p.get("Tags"))
        request.keys = {**_request_tags(tags), **self._space_settings_keys(p.get("SpaceSettings") or {}),
                        **self._space_owner_keys(call, p.get("DomainId"), p.get("OwnershipSettings"), p.get("SpaceSharingSettings"))}
        out = [request]
        if tags:
            # Tags on create are authorized as sagemaker:AddTags on the new resource, with
            # sagemaker:TaggingAction naming the create operation (SageMaker Developer Guide,
            # "Provide permissions for tagging SageMaker AI resources").
            out.append(IamRequest("sagemaker:AddTags", request.resource, "space",
                                  {**_request_tags(tags), "sagemaker:TaggingAction": "CreateSpace"},
                                  why="tags the new space (CreateSpace Tags)"))
        return out

    def _sagemaker_UpdateSpace(self, call: AwsCall) -> list[IamRequest]:
        request = self._space(call, "sagemaker:UpdateSpace")
        request.keys = {**self._space_settings_keys(call.params.get("SpaceSettings") or {}), **self._existing_space_keys(call)}
        return [request]

    def _sagemaker_DescribeSpace(self, call: AwsCall) -> list[IamRequest]:
        return [self._space(call, "sagemaker:DescribeSpace")]

    def _sagemaker_DeleteSpace(self, call: AwsCall) -> list[IamRequest]:
        request = self._space(call, "sagemaker:DeleteSpace")
        request.keys = self._existing_space_keys(call)
        return [request]

    # Apps (resource type `app`): app/DOMAIN/SPACE-OR-PROFILE/TYPE/NAME, the type in lower case, the
    # space's name for an app in a space, the profile's for a Classic app. DeleteApp takes
    # sagemaker:OwnerUserProfileArn and sagemaker:SpaceSharingType, the space's own (iam-data
    # actions/sagemaker.json); DescribeApp none. Apps are not tagged here (no CreateApp), so no
    # resource tags. A request naming neither space nor profile is refused by SageMaker's validation
    # before any policy applies (and has no ARN to evaluate).
    def _app(self, call: AwsCall, action: str) -> IamRequest:
        p = call.params
        owner = p.get("SpaceName") or p.get("UserProfileName")
        arn = self.sm_arn(call, f"app/{p.get('DomainId')}/{owner}/{str(p.get('AppType') or '').lower()}/{p.get('AppName')}")
        request = IamRequest(action, arn, "app", {}, self._sm_tags(arn))
        if not owner:
            request.not_evaluated = "neither SpaceName nor UserProfileName: SageMaker answers ValidationException first"
        return request

    def _sagemaker_DeleteApp(self, call: AwsCall) -> list[IamRequest]:
        request = self._app(call, "sagemaker:DeleteApp")
        if call.params.get("SpaceName"):
            request.keys = self._existing_space_keys(call)
        return [request]

    def _sagemaker_DescribeApp(self, call: AwsCall) -> list[IamRequest]:
        return [self._app(call, "sagemaker:DescribeApp")]

    def _sagemaker_CreatePresignedDomainUrl(self, call: AwsCall) -> list[IamRequest]:
        return [self._profile(call, "sagemaker:CreatePresignedDomainUrl")]

    def _tagging(self, call: AwsCall, action: str, keys: dict) -> list[IamRequest]:
        arn = call.params.get("ResourceArn", "")
        kind = arn.split(":", 5)[5].split("/", 1)[0] if arn.count(":") >= 5 else None
        return [IamRequest(action, arn, kind, keys, self._sm_tags(arn))]

    def _sagemaker_AddTags(self, call: AwsCall) -> list[IamRequest]:
        return self._tagging(call, "sagemaker:AddTags", _request_tags(_tags_of(call.params.get("Tags"))))

    def _sagemaker_DeleteTags(self, call: AwsCall) -> list[IamRequest]:
        keys = {"aws:TagKeys": list(call.params.get("TagKeys") or [])} if call.params.get("TagKeys") else {}
        return self._tagging(call, "sagemaker:DeleteTags", keys)

    def _sagemaker_ListTags(self, call: AwsCall) -> list[IamRequest]:
        return self._tagging(call, "sagemaker:ListTags", {})

    def _sagemaker_CreateStudioLifecycleConfig(self, call: AwsCall) -> list[IamRequest]:
        arn = self.sm_arn(call, f"studio-lifecycle-config/{call.params.get('StudioLifecycleConfigName')}")
        return [IamRequest("sagemaker:CreateStudioLifecycleConfig", arn, "studio-lifecycle-config",
                           _request_tags(_tags_of(call.params.get("Tags"))))]

    def _sagemaker_DescribeStudioLifecycleConfig(self, call: AwsCall) -> list[IamRequest]:
        arn = self.sm_arn(call, f"studio-lifecycle-config/{call.params.get('StudioLifecycleConfigName')}")
        return [IamRequest("sagemaker:DescribeStudioLifecycleConfig", arn, "studio-lifecycle-config", {}, self._sm_tags(arn))]

