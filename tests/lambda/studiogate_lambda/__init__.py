"""A local AWS Lambda service: runs prebuilt function binaries as Lambda does (the Runtime API, one
process per execution environment, cold starts, concurrency, timeouts) behind Lambda's own
interfaces (Invoke, function URLs). See tests/lambda/README.md."""

from .environment import Invocation
from .frontdoor import serve
from .service import FunctionSpec, LambdaService, SpecError, Throttled

__all__ = ["FunctionSpec", "Invocation", "LambdaService", "SpecError", "Throttled", "serve"]
