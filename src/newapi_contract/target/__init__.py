"""target room of newapi-contract (see ARCHITECTURE.md)."""
