"""presign, the Python way: for the benchmark only (tests/perf), not product code. Checks the seal
(KMS VerifyMac), spends it once (DynamoDB PutItem, conditional), finds the user's SageMaker profile
(DescribeUserProfile) or creates it with the tags and execution role of the user's groups and waits
until it is in service, then presigns with the user's own credentials through the SageMaker API
endpoint (CreatePresignedDomainUrl), as the Rust function does."""

from __future__ import annotations

import base64
import json
import time

from botocore.exceptions import ClientError

from common import CONFIG, client

PRESIGN = CONFIG["presign"]
KMS = client("kms")
DYNAMODB = client("dynamodb")
SAGEMAKER = client("sagemaker")


def _settings(target: dict, groups: list[str]) -> dict:
    chosen = next((rule for rule in target.get("rules", []) if rule["group"] in groups), target["default"])
    return {"ExecutionRole": chosen["execution_role"]}


def _profile_status(domain: str, user: str) -> str | None:
    """The profile's status (None: no such profile). For a profile in service, its tags too
    (ListTags), as the Rust function reads them to keep the profile in line with the rules."""
    try:
        profile = SAGEMAKER.describe_user_profile(DomainId=domain, UserProfileName=user)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFound":
            raise
        return None
    if profile["Status"] == "InService":
        tags = {t["Key"]: t["Value"] for t in SAGEMAKER.list_tags(ResourceArn=profile["UserProfileArn"])["Tags"]}
        if tags.get("studiouserid") != user:
            raise RuntimeError("a profile studiogate did not create")
    return profile["Status"]


def handler(event, context):
    if "request" not in event:
        return {"refused": "not a sealed request"}
    request, mac = event["request"], base64.b64decode(event["mac"])
    valid = KMS.verify_mac(KeyId=PRESIGN["seal_key"], MacAlgorithm="HMAC_SHA_256", Message=request.encode(), Mac=mac)
    if not valid["MacValid"]:
        raise RuntimeError("seal")
    facts = json.loads(request)
    DYNAMODB.put_item(TableName=PRESIGN["seal_ledger_table"],
                      Item={"pk": {"S": "seal#" + facts["nonce"]}, "expires_at": {"N": str(int(time.time()) + 300)}},
                      ConditionExpression="attribute_not_exists(pk)")
    target = CONFIG["targets"][facts["target"]]
    domain, user = facts["domain_id"], facts["user"]
    credentials = facts["credentials"]
    as_user = {"aws_access_key_id": credentials["AccessKeyId"], "aws_secret_access_key": credentials["SecretAccessKey"],
               "aws_session_token": credentials["SessionToken"]}
    # The credentials must belong to this user (STS GetCallerIdentity, as the Rust function checks).
    arn = client("sts", **as_user).get_caller_identity()["Arn"]
    if arn.rsplit("/", 1)[-1] != user:
        raise RuntimeError("credentials of another session")
    status = _profile_status(domain, user)
    if status is None:
        tags = [{"Key": "studiouserid", "Value": user}] + [{"Key": k, "Value": v} for k, v in target.get("static_tags", {}).items()]
        try:
            SAGEMAKER.create_user_profile(DomainId=domain, UserProfileName=user, Tags=tags,
                                          UserSettings=_settings(target, facts["groups"]))
        except ClientError as error:   # the same user's other login created it first
            if error.response["Error"]["Code"] != "ResourceInUse":
                raise
    # A profile this login or another one just created is Pending for a while. Wait until shortly
    # before the invocation's own deadline (the Rust function answers "being prepared" after
    # profile_ready_seconds instead; the reference keeps it simple).
    deadline = time.monotonic() + context.get_remaining_time_in_millis() / 1000 - 2
    while status != "InService":
        if time.monotonic() > deadline:
            raise RuntimeError("profile not ready")
        if status is not None:
            time.sleep(0.2)
        status = _profile_status(domain, user)
    # A client of the user's own session, from the environment's boto3 session (its loaded service
    # models are reused: a new boto3 Session per login would read them again).
    url = client("sagemaker", endpoint_url=PRESIGN["sagemaker_endpoint_url"], **as_user) \
        .create_presigned_domain_url(DomainId=domain, UserProfileName=user, SessionExpirationDurationInSeconds=43200,
                                     ExpiresInSeconds=60)["AuthorizedUrl"]
    return {"url": url}
