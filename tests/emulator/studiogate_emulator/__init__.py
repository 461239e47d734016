"""studiogate's local AWS: moto in server mode, extended in-process with what moto lacks.

The real aws-sdk-rust clients reach it through the standard AWS_ENDPOINT_URL variables. It adds a
strict STS AssumeRoleWithSAML, SageMaker Studio domains / user profiles / lifecycle configurations /
presigned domain URLs, EMR Studio and session mappings, the AWS console federation endpoint, fault
injection and a call log, all switchable over an HTTP control API under /_emulator/.
"""

__version__ = "0.1.0"
