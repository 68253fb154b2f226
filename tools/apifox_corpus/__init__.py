"""Real Apifox/Apidog exports for trying the converter: their sources, a fetcher, a survey.

`sources.yaml` names each document (repository, path, commit, licence); `fetch.py`
downloads them for a local run (they are not committed); `survey.py` converts every
document of a folder and says, per document, what became of it.
"""
