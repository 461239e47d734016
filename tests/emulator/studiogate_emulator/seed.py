"""Creates a fixture world from a JSON description, through the emulator's own API (boto3).

World file keys (all optional): saml_providers, roles, lifecycle_configs, sagemaker_domains,
emr_studios, dynamodb_tables, ssm_parameters, kms_mac_keys. Paths are relative to the world file. Returns the
ARNs and IDs created, keyed by the names the world file gives.
"""

from __future__ import annotations

import base64
import json
import os
import time

import boto3
from moto.iam.models import iam_backends

VPC = {"VpcId": "vpc-0studiogate0local", "SubnetIds": ["subnet-0studiogate0a"], "SecurityGroupId": "sg-0studiogate0local"}


_CLIENTS: dict = {}


def _client(endpoint: str, service: str):
    # Building a boto3 client costs ~0.2 s; seeding runs before every test, so keep them.
    key = (endpoint, service)
    if key not in _CLIENTS:
        session = boto3.session.Session(aws_access_key_id="seed", aws_secret_access_key="seed", region_name="us-east-1")
        _CLIENTS[key] = session.client(service, endpoint_url=endpoint)
    return _CLIENTS[key]


def _read(base_dir: str, path: str) -> str:
    with open(os.path.join(base_dir, path), encoding="utf-8") as handle:
        return handle.read()


def idp_metadata(entity_id: str, certificate_pem: str) -> str:
    """IdP metadata with one signing certificate, as an IdP would publish it."""
    body = "".join(line for line in certificate_pem.splitlines() if not line.startswith("-----"))
    return (
        f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity_id}">'
        '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        '<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>'
        f"<ds:X509Certificate>{body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
        '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="http://127.0.0.1/sso"/>'
        "</md:IDPSSODescriptor></md:EntityDescriptor>"
    )


def seed(endpoint: str, world: dict, base_dir: str = ".") -> dict:
    iam = _client(endpoint, "iam")
    created: dict = {"saml_providers": {}, "roles": {}, "lifecycle_configs": {}, "sagemaker_domains": {}, "emr_studios": {}, "dynamodb_tables": [], "ssm_parameters": []}

    for provider in world.get("saml_providers", []):
        if "metadata_file" in provider:
            metadata = _read(base_dir, provider["metadata_file"])
        else:
            metadata = idp_metadata(provider["entity_id"], _read(base_dir, provider["certificate_file"]))
        if provider.get("account_id"):
            # Another account: moto keeps one IAM backend per account, reachable in-process.
            made = iam_backends[provider["account_id"]]["global"].create_saml_provider(provider["name"], metadata)
            created["saml_providers"][provider["name"]] = made.arn
            continue
        arn = iam.create_saml_provider(Name=provider["name"], SAMLMetadataDocument=metadata)["SAMLProviderArn"]
        created["saml_providers"][provider["name"]] = arn

    for role in world.get("roles", []):
        if "saml_provider" in role:
            principal = {"Federated": created["saml_providers"][role["saml_provider"]]}
            action = "sts:AssumeRoleWithSAML"
            condition = {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
        else:
            principal = {"Service": role.get("service", "sagemaker.amazonaws.com")}
            action, condition = "sts:AssumeRole", None
        statement = {"Effect": "Allow", "Principal": principal, "Action": [action, "sts:TagSession", "sts:SetSourceIdentity"]}
        if condition:
            statement["Condition"] = condition
        policy = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
        if role.get("account_id"):
            made = iam_backends[role["account_id"]]["global"].create_role(
                role_name=role["name"], assume_role_policy_document=policy, path="/", permissions_boundary=None,
                description="", tags=[], max_session_duration=str(role.get("max_session_duration", 3600)), linked_service=None,
            )
            created["roles"][role["name"]] = made.arn
            continue
        arn = iam.create_role(
            RoleName=role["name"],
            AssumeRolePolicyDocument=policy,
            MaxSessionDuration=int(role.get("max_session_duration", 3600)),
        )["Role"]["Arn"]
        created["roles"][role["name"]] = arn

    sagemaker = _client(endpoint, "sagemaker")
    for config in world.get("lifecycle_configs", []):
        content = config["content"] if "content" in config else _read(base_dir, config["content_file"])
        arn = sagemaker.create_studio_lifecycle_config(
            StudioLifecycleConfigName=config["name"],
            StudioLifecycleConfigContent=base64.b64encode(content.encode()).decode(),
            StudioLifecycleConfigAppType=config["app_type"],
        )["StudioLifecycleConfigArn"]
        created["lifecycle_configs"][config["name"]] = arn

    for domain in world.get("sagemaker_domains", []):
        response = sagemaker.create_domain(
            DomainName=domain["name"],
            AuthMode=domain.get("auth_mode", "IAM"),
            DefaultUserSettings={"ExecutionRole": created["roles"][domain["execution_role"]]},
            SubnetIds=VPC["SubnetIds"],
            VpcId=VPC["VpcId"],
        )
        created["sagemaker_domains"][domain.get("key", domain["name"])] = {"id": response["DomainId"], "url": response["Url"], "arn": response["DomainArn"]}

    emr = _client(endpoint, "emr")
    for studio in world.get("emr_studios", []):
        params = dict(
            Name=studio["name"], AuthMode=studio["auth_mode"], VpcId=VPC["VpcId"], SubnetIds=VPC["SubnetIds"],
            ServiceRole=created["roles"].get(studio.get("service_role", ""), "arn:aws:iam::123456789012:role/EMRStudioService"),
            WorkspaceSecurityGroupId=VPC["SecurityGroupId"], EngineSecurityGroupId=VPC["SecurityGroupId"],
            DefaultS3Location="s3://studiogate-local/emr",
        )
        if studio["auth_mode"] == "SSO":
            params["UserRole"] = created["roles"].get(studio.get("user_role", ""), "arn:aws:iam::123456789012:role/EMRStudioUser")
        response = emr.create_studio(**params)
        created["emr_studios"][studio.get("key", studio["name"])] = {"id": response["StudioId"], "url": response["Url"], "auth_mode": studio["auth_mode"]}

    dynamodb = _client(endpoint, "dynamodb")
    for table in world.get("dynamodb_tables", []):
        dynamodb.create_table(
            TableName=table["name"],
            KeySchema=[{"AttributeName": table.get("key", "pk"), "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": table.get("key", "pk"), "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        if table.get("ttl_attribute"):
            dynamodb.update_time_to_live(TableName=table["name"], TimeToLiveSpecification={"Enabled": True, "AttributeName": table["ttl_attribute"]})
        created["dynamodb_tables"].append(table["name"])

    ssm = _client(endpoint, "ssm")
    for parameter in world.get("ssm_parameters", []):
        value = parameter["value"] if "value" in parameter else _read(base_dir, parameter["value_file"])
        ssm.put_parameter(Name=parameter["name"], Value=value, Type=parameter.get("type", "String"), Overwrite=True)
        created["ssm_parameters"].append(parameter["name"])

    kms = _client(endpoint, "kms")
    created["kms_mac_keys"] = {}
    for key in world.get("kms_mac_keys", []):
        # The HMAC key saml-validator seals presign requests with (presign checks them with it).
        key_id = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC",
                                Description=key.get("description", ""))["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=key["alias"], TargetKeyId=key_id)
        created["kms_mac_keys"][key["alias"]] = key_id

    created["seeded_at"] = time.time()
    return created
