"""What an IAM request is (operations.py builds them, iam.py evaluates them), and the tag helpers
the mappings share."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class IamRequest:
    """One IAM request: what the simulator is asked, besides the principal and the network."""

    action: str
    resource: str                      # an ARN, or "*" for an action without resource types
    resource_type: str | None          # the reference's resource type name (None for "*")
    keys: dict = field(default_factory=dict)            # service keys the request carries
    resource_tags: dict = field(default_factory=dict)   # the resource's tags (aws:ResourceTag/...)
    resource_policy: dict | None = None                 # {"name", "policy"}
    why: str | None = None             # for a second request: what it is for ("passes ExecutionRole")
    resource_account: str | None = None  # for an ARN without an account (identitystore:::user/*)
    not_evaluated: str | None = None   # the resource does not exist and the service answers first
    denial: str | None = None          # AWS's message for its denial where it has its own ({principal}: the caller's ARN)


class NoMapping(Exception):
    """The emulator does not know which IAM request an operation is."""


def tags_of(items) -> dict:
    """Tags as [{"Key", "Value"}] (most services) or {"k": "v"} (some), as a dict."""
    if isinstance(items, dict):
        return {str(k): str(v) for k, v in items.items()}
    return {str(t.get("Key", t.get("key", t.get("TagKey")))): str(t.get("Value", t.get("value", t.get("TagValue", ""))))
            for t in items or []}


def request_tags(tags: dict) -> dict:
    if not tags:
        return {}
    return {**{f"aws:RequestTag/{k}": v for k, v in tags.items()}, "aws:TagKeys": list(tags)}

