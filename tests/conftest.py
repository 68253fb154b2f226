"""The harness's own tests: deterministic hypothesis settings (profile in the root conftest)."""

from hypothesis import settings

settings.load_profile("harness")
