"""studiogate's IAM policies, from template.yaml, evaluated by a maintained simulator.

render.py renders the template for given parameter values (RenderedStack: roles with their identity
and trust policies, KMS key policies, Lambda resource-based policies, ...); simulator.py evaluates a
request against such policies with @cloud-copilot/iam-simulate (a long-lived Node process);
context.py builds the request context AWS would set; scenarios.py holds the policy-level scenarios
the tests and the mutation check run.
"""

from .intrinsics import RenderError
from .render import RenderedStack, render

__all__ = ["RenderError", "RenderedStack", "render"]
