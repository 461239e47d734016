"""SageMaker state per account: the hub's (123456789012, the stack's) and any other a world seeds
(a spoke, template-spoke.yaml).

SageMaker serves a request in the account of the credentials that signed it: a DomainId is looked
up among that account's domains, and the ARNs it writes name that account ("Amazon Resource Names"
in the IAM User Guide: the account is the owner's). A domain of another account is therefore not
found (ResourceNotFound), and, since IAM is asked first with the ARN in the caller's account, a
role whose policies name only its own domains gets AccessDeniedException before that. Cross-account
work happens as AWS documents it: with the other account's credentials, from sts:AssumeRole.

Presigned URLs are redeemed without credentials (the token is all a browser has), so the tokens of
every account are looked up here; each URL remembers its account, whose policies authorize it.
"""

from __future__ import annotations

import threading

from .sagemaker import HUB_ACCOUNT, PresignedUrl, SageMaker


class SageMakerAccounts:
    """One sagemaker.SageMaker per account; the hub's always exists, others are made on first use."""

    def __init__(self, hub_account: str = HUB_ACCOUNT) -> None:
        self.hub_account = hub_account
        self._lock = threading.Lock()
        self._delay = 0.5
        self._by_account: dict[str, SageMaker] = {hub_account: SageMaker(hub_account)}

    @property
    def hub(self) -> SageMaker:
        return self._by_account[self.hub_account]

    def of(self, account_id: str | None) -> SageMaker:
        """The state of `account_id` (the hub's for None)."""
        account_id = account_id or self.hub_account
        with self._lock:
            found = self._by_account.get(account_id)
            if found is None:
                found = self._by_account[account_id] = SageMaker(account_id)
                found.delay = self._delay
            return found

    def accounts(self) -> list[SageMaker]:
        with self._lock:
            return list(self._by_account.values())

    @property
    def delay(self) -> float:
        """How long Pending/Updating/Deleting last, in every account."""
        return self._delay

    @delay.setter
    def delay(self, seconds: float) -> None:
        self._delay = seconds
        for state in self.accounts():
            state.delay = seconds

    def reset(self) -> None:
        """Back to the hub's empty state (other accounts come back when a world seeds them)."""
        with self._lock:
            self._by_account = {self.hub_account: self._by_account[self.hub_account]}
        self.hub.reset()

    def tags_of(self, arn: str) -> list:
        """A resource's tags, from the account its ARN names ([] when it has none or is unknown)."""
        parts = arn.split(":", 5)
        if len(parts) < 6:
            return []
        with self._lock:
            state = self._by_account.get(parts[4])
        return list(state.tags.get(arn, [])) if state is not None else []

    # ----- presigned URLs, across accounts
    def redeem(self, token: str) -> tuple[PresignedUrl | None, str]:
        """As SageMaker.redeem, in whichever account issued the token."""
        for state in self.accounts():
            url, outcome = state.redeem(token)
            if outcome != "unknown":
                return url, outcome
        return None, "unknown"

    def resolve(self, token: str) -> dict | None:
        for state in self.accounts():
            found = state.resolve(token)
            if found is not None:
                return found
        return None

    def issued_tokens(self) -> list[str]:
        return [token for state in self.accounts() for token in state.issued_tokens()]
