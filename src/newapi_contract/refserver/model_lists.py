"""The relay's model routes behind TokenAuth, per generation (upstream `router/relay-router.go`,
`controller/model.go ListModels` and `RetrieveModel`).

The reference server has no channels, so every list is empty; what differs is its shape:
- `GET /v1/models`: `x-api-key` with `anthropic-version` -> Anthropic's list (legacy indexes
  the empty list and panics: HTTP 500); `x-goog-api-key` or `?key=` -> Gemini's list
  (legacy routes that to RetrieveModel with an empty model id: `model_not_found`);
  otherwise OpenAI's `{"data":[],"object":"list","success":true}`.
- `GET /v1/models/<model>`: the model in Anthropic's shape (with `x-api-key` and
  `anthropic-version`) or OpenAI's; an unknown id answers HTTP 200 with an OpenAI error.
- `GET /v1beta/models`: Gemini's list. `GET /v1beta/openai/models`: OpenAI's list.
- late2024 (c6ae8273 `controller/model.go`): `GET /v1/models` answers `{"data":[],"success":true}`
  whatever the headers; a known model comes with its `permission` list; no `/v1beta` routes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response

from newapi_contract.refserver.instance import Instance
from newapi_contract.refserver.pipeline import Call
from newapi_contract.refserver.relay import Relayed, authorize
from newapi_contract.refserver.responses import GinJSON

__all__ = ["gemini_models", "list_models", "openai_compatible_models", "retrieve_model"]

# A model every build knows without a channel (openAIModelsMap, from the adaptors' lists).
_KNOWN_MODELS = {"gpt-4o": 1626777600}
_OWNER = {"legacy": "openai", "current": "advanced_custom"}
_LEGACY_PANIC = (
    "Panic detected, error: runtime error: index out of range [0] with length 0. "
    "Please submit a issue here: https://github.com/Calcium-Ion/new-api"
)


def _openai_list() -> GinJSON:
    return GinJSON({"data": [], "object": "list", "success": True})


def _anthropic(call: Call) -> bool:
    headers = call.request.headers
    return bool(headers.get("x-api-key")) and bool(headers.get("anthropic-version"))


# c6ae8273 controller/model.go getPermission
_LATE2024_PERMISSION = {
    "id": "modelperm-LwHkVFn8AcMItP432fKKDIKJ",
    "object": "model_permission",
    "created": 1626777600,
    "allow_create_engine": True,
    "allow_sampling": True,
    "allow_logprobs": True,
    "allow_search_indices": False,
    "allow_view": True,
    "allow_fine_tuning": False,
    "organization": "*",
    "group": None,
    "is_blocking": False,
}


def _model(inst: Instance, call: Call, model_id: str) -> GinJSON:
    created = _KNOWN_MODELS.get(model_id)
    if inst.late2024 and created is not None:  # dto.OpenAIModels
        return GinJSON(
            {
                "id": model_id,
                "object": "model",
                "created": created,
                "owned_by": "openai",
                "permission": [_LATE2024_PERMISSION],
                "root": model_id,
                "parent": None,
            }
        )
    if created is None:
        error = {
            "message": f"The model '{model_id}' does not exist",
            "type": "invalid_request_error",
            "param": "model",
            "code": "model_not_found",
        }
        return GinJSON({"error": error})
    if _anthropic(call):
        stamp = datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return GinJSON({"id": model_id, "created_at": stamp, "display_name": model_id, "type": "model"})
    body: dict[str, Any] = {
        "id": model_id,
        "object": "model",
        "created": created,
        "owned_by": _OWNER[inst.generation],
        "supported_endpoint_types": None,
    }
    return GinJSON(body)


async def list_models(inst: Instance, call: Call) -> Response:
    relayed = await authorize(inst, call)
    if not isinstance(relayed, Relayed):
        return relayed
    if inst.late2024:
        return GinJSON({"data": [], "success": True})
    headers = call.request.headers
    if _anthropic(call):
        if not inst.current:
            return GinJSON({"error": {"message": _LEGACY_PANIC, "type": "new_api_panic"}}, status_code=500)
        return GinJSON({"data": [], "first_id": "", "has_more": False, "last_id": ""})
    if headers.get("x-goog-api-key") or call.request.query_params.get("key"):
        if not inst.current:
            return _model(inst, call, "")
        return GinJSON({"models": [], "nextPageToken": None})
    return _openai_list()


async def retrieve_model(inst: Instance, call: Call) -> Response:
    relayed = await authorize(inst, call)
    if not isinstance(relayed, Relayed):
        return relayed
    return _model(inst, call, call.request.path_params["model"])


async def gemini_models(inst: Instance, call: Call) -> Response:
    relayed = await authorize(inst, call)
    if not isinstance(relayed, Relayed):
        return relayed
    return GinJSON({"models": [], "nextPageToken": None})


async def openai_compatible_models(inst: Instance, call: Call) -> Response:
    relayed = await authorize(inst, call)
    if not isinstance(relayed, Relayed):
        return relayed
    return _openai_list()
