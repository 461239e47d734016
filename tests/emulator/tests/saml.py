"""The tests' SAML helper: the emulator package's test IdP."""

from studiogate_emulator.testidp import *  # noqa: F401,F403
from studiogate_emulator.testidp import KEYS, assume, response  # noqa: F401
