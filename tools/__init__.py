"""Developer tools of the repository (not shipped in the package, not run by .ci/run)."""
