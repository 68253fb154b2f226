"""compare room of newapi-contract: the release check, a candidate beside a baseline (see
ARCHITECTURE.md). Importing it imports nothing else: `tools/upstream` reads only `normalise`."""
