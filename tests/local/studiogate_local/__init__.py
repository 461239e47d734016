"""The local stack (the IAM-enforcing emulator, both functions on the local Lambda service, a pysaml2
IdP) and its tools."""

import warnings

# pysaml2 7.5 imports a cipher mode that cryptography has moved; harmless, and noise in every run.
warnings.filterwarnings("ignore", message="CFB has been moved", module="saml2")
