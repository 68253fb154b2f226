"""newapi-contract: a contract-test suite for new-api's token management API."""

__all__ = ["__version__"]
__version__ = "0.1.0"
