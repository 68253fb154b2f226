"""Every format Apifox writes is read, told apart by content: YAML exports, Markdown doc pages."""

from __future__ import annotations

import json
import textwrap

import pytest
import yaml
from apifox_docs import native_project, rules
from openapi_spec_validator import validate

from newapi_contract.apifox import convert_text
from newapi_contract.errors import InputError

# An operation as Apifox's OpenAPI export writes it (3.0, with its editor fields).
EXPORT_30 = {
    "openapi": "3.0.1",
    "info": {"title": "", "description": "", "version": "1.0.0"},
    "paths": {
        "/api/token/": {
            "get": {
                "summary": "获取所有令牌",
                "tags": ["令牌管理"],
                "parameters": [
                    {"name": "p", "in": "query", "required": False, "schema": {"type": "integer"}}
                ],
                "responses": {
                    "200": {
                        "description": "成功",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"note": {"type": "string", "nullable": True}},
                                },
                                "example": {"note": "2024-01-01"},
                            }
                        },
                        "x-apifox-name": "成功",
                    }
                },
                "security": [{"bearer": []}],
                "x-apifox-folder": "令牌管理",
                "x-apifox-status": "released",
                "x-run-in-apifox": "https://app.apifox.com/web/project/1/apis/api-42-run",
            }
        }
    },
    "components": {"schemas": {}, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "servers": [],
}


def yaml_text(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


@pytest.mark.parametrize("version", ["3.0.1", "3.1.0"])
def test_yaml_export_converts_like_the_json_one(version: str) -> None:
    data = {**EXPORT_30, "openapi": version}
    from_yaml = convert_text(yaml_text(data), "api.yaml")
    from_json = convert_text(json.dumps(data), "api.json")
    validate(from_yaml.document)
    assert from_yaml.document["paths"] == from_json.document["paths"]
    assert ("openapi-version-upgraded" in rules(from_yaml)) is version.startswith("3.0")
    operation = from_yaml.document["paths"]["/api/token/"]["get"]
    assert operation["x-source"] == {
        "pointer": "/paths/~1api~1token~1/get",
        "folder": "令牌管理",
        "status": "released",
        "api-id": "42",
    }


def test_yaml_is_read_as_json_would_be_not_as_yaml_1_1() -> None:
    text = textwrap.dedent(
        """\
        openapi: 3.0.1
        info: {title: t, version: 1.0}
        paths:
          /x:
            get:
              responses:
                200:
                  description: ok
                  content:
                    application/json:
                      schema: {type: object, properties: {at: {type: string}, on: {type: string}}}
                      example: {at: 2024-01-01, on: yes}
        """
    )
    doc = convert_text(text, "t.yaml").document
    response = doc["paths"]["/x"]["get"]["responses"]["200"]  # the key 200 is the status "200"
    assert response["content"]["application/json"]["example"] == {"at": "2024-01-01", "on": "yes"}
    assert doc["info"]["version"] == "1.0"  # a string, as OpenAPI wants, not the float 1.0


def test_a_repeated_yaml_key_is_a_finding_with_its_line() -> None:
    text = "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths: {}\ninfo: {title: u, version: '2'}\n"
    conversion = convert_text(text, "t.yaml")
    (finding,) = [f for f in conversion.findings if f.rule == "yaml-duplicate-key"]
    assert finding.where == "t.yaml:4" and "'info'" in finding.message
    assert conversion.document["info"]["title"] == "u"


def test_malformed_yaml_is_one_line_with_its_line_number() -> None:
    with pytest.raises(InputError, match=r"^t\.yaml: malformed YAML at line 3: ") as raised:
        convert_text("openapi: 3.1.0\npaths:\n  /x: [get\n", "t.yaml")
    assert "\n" not in str(raised.value)


def test_native_project_in_yaml_and_detection_by_content_not_name() -> None:
    data = json.loads(native_project({"method": "get", "path": "/x"}))
    assert convert_text(yaml_text(data), "project.json").document["x-source"]["format"] == "apifox-project"
    assert convert_text(yaml_text(EXPORT_30), "export.txt").document["x-source"]["format"] == "apifox-openapi"


def page(*blocks: dict, prose: str = "") -> str:
    """A Markdown page as an Apifox documentation site serves it (`<page>.md`)."""
    parts = [
        "# 获取所有令牌",
        "",
        prose or "GET /api/token/ lists the tokens.",
        "",
        "```bash",
        "curl -s x",
        "```",
        "",
    ]
    for block in blocks:
        parts += ["## OpenAPI Specification", "", "```yaml", yaml_text(block).rstrip(), "```", ""]
    return "\n".join(parts)


def test_doc_site_page_converts_and_locates_findings_by_line() -> None:
    text = page(EXPORT_30)
    conversion = convert_text(text, "token.md")
    doc = conversion.document
    validate(doc)
    assert doc["info"]["title"] == "获取所有令牌"  # the page's title: the block's is empty
    assert doc["x-source"]["format"] == "apifox-markdown"
    block_line = text.splitlines().index("```yaml", 8) + 2
    operation = doc["paths"]["/api/token/"]["get"]
    assert operation["x-source"]["line"] == block_line
    noise = [f for f in conversion.findings if f.rule == "apifox-noise-dropped"]
    assert noise and all(f.where.startswith(f"token.md:{block_line}: /paths/") for f in noise)


def test_a_spec_block_inside_details_counts_and_other_code_does_not() -> None:
    text = "\n".join(
        [
            "# Page",
            "```json",
            '{"code": 0, "data": {}}',
            "```",
            "<details>",
            "<summary>Spec</summary>",
            "",
            "```yaml",
            yaml_text(EXPORT_30),
            "```",
            "",
            "</details>",
        ]
    )
    assert "/api/token/" in convert_text(text, "p.md").document["paths"]


def test_blocks_of_one_page_are_merged_each_keeping_its_own_security() -> None:
    other = json.loads(json.dumps(EXPORT_30))
    other["paths"] = {
        "/api/status": {"get": {"summary": "状态", "responses": {"200": {"description": "ok"}}}}
    }
    other["security"] = []  # this block's operations need no auth
    other["components"]["schemas"] = {"Shared": {"type": "string"}}
    first = {**EXPORT_30, "security": [{"bearer": []}], "components": {**EXPORT_30["components"]}}
    first["components"]["schemas"] = {"Shared": {"type": "integer"}}
    conversion = convert_text(page(first, other), "llms-full.md")
    doc = conversion.document
    assert set(doc["paths"]) == {"/api/token/", "/api/status"}
    assert doc["paths"]["/api/status"]["get"]["security"] == []
    assert "security" not in doc  # each block's default went to its own operations
    (conflict,) = [f for f in conversion.findings if f.rule == "component-conflict"]
    assert "'Shared'" in conflict.message and doc["components"]["schemas"]["Shared"] == {"type": "integer"}


def test_a_broken_spec_block_is_skipped_with_a_finding() -> None:
    text = page(EXPORT_30) + "\n```yaml\nopenapi: 3.0.1\npaths: [\n```\n"
    conversion = convert_text(text, "p.md")
    (skipped,) = [f for f in conversion.findings if f.rule == "markdown-block-skipped"]
    assert skipped.message.startswith("malformed YAML at line") and skipped.where.startswith("p.md:")


def test_a_page_whose_only_spec_block_is_broken_is_refused_in_one_line() -> None:
    with pytest.raises(InputError, match="Markdown page without a readable spec block") as raised:
        convert_text("# T\n\n```yaml\nopenapi: 3.0.1\npaths: [\n```\n", "p.md")
    assert "\n" not in str(raised.value)


def test_a_page_holding_a_native_project_converts_it() -> None:
    project = native_project({"method": "post", "path": "/api/generate"})
    text = f"# Ollama\n\n```json\n{project}\n```\n"
    conversion = convert_text(text, "ollama.md")
    assert list(conversion.document["paths"]) == ["/api/generate"]
    assert conversion.document["x-source"]["format"] == "apifox-project"


def test_a_page_without_any_spec_is_an_unknown_format() -> None:
    with pytest.raises(InputError, match="unknown format"):
        convert_text("# Notes\n\nJust prose.\n\n```python\nprint(1)\n```\n", "notes.md")


@pytest.mark.parametrize("as_yaml", [False, True])
def test_an_export_whose_header_was_cut_off_is_read_as_openapi_and_says_so(as_yaml: bool) -> None:
    # A real Apidog export ("Default module.openapi.json") held only `paths`: it was
    # refused as an unknown format, its 11 operations lost.
    data = {"paths": EXPORT_30["paths"]}
    text = yaml_text(data) if as_yaml else json.dumps(data)
    conversion = convert_text(text, "cut.json")
    validate(conversion.document)
    assert list(conversion.document["paths"]) == ["/api/token/"]
    assert conversion.document["info"] == {"title": "cut.json", "version": "1.0.0"}
    completed = [f for f in conversion.findings if f.rule == "openapi-header-completed"]
    assert [f.message.split(":")[0] for f in completed] == [
        "no `openapi` version",
        "`info` without title and version",
    ]
    assert "read as OpenAPI 3.0.1" in completed[0].message  # Apifox's default export


def test_a_cut_export_that_uses_what_only_31_has_is_read_as_31() -> None:
    get = {
        "responses": {
            "200": {
                "description": "d",
                "content": {"application/json": {"schema": {"type": ["string", "null"]}}},
            }
        }
    }
    conversion = convert_text(
        json.dumps({"info": {"title": "t", "version": "2"}, "paths": {"/a": {"get": get}}}), "c.json"
    )
    assert [f.message for f in conversion.findings] == ["no `openapi` version: read as OpenAPI 3.1.0"]


@pytest.mark.parametrize(
    "data", [{"paths": {}}, {"paths": {"/a": {"summary": "no operation"}}}, {"paths": []}]
)
def test_paths_without_any_operation_are_still_no_known_format(data: dict) -> None:
    with pytest.raises(InputError, match="unknown format"):
        convert_text(json.dumps(data), "p.json")


def test_an_info_without_its_version_says_only_that() -> None:
    data = {**EXPORT_30, "info": {"title": "默认模块", "version": ""}}
    conversion = convert_text(json.dumps(data), "v.json")
    assert conversion.document["info"]["version"] == "1.0.0"
    (completed,) = [f for f in conversion.findings if f.rule == "openapi-header-completed"]
    assert (completed.message, completed.where) == (
        "`info` without version: the version is 1.0.0",
        "v.json: /info",
    )


def _html_export(spec: object) -> str:
    # The shape of Apidog's HTML export (Swagger UI's static bundle, the spec inline), minus its
    # 2 MB of inlined CSS and JavaScript.
    return (
        '<!-- HTML for static distribution bundle build -->\n<!DOCTYPE html>\n<html lang="en-US">\n'
        "  <head><title>API Documentation - Apidog</title>\n"
        "    <script>var x = {spec: {broken};</script></head>\n"  # not the spec: skipped
        '  <body><div id="swagger-ui"></div>\n    <script>\n      window.onload = function() {\n'
        "        const ui = SwaggerUIBundle({\n"
        f"          spec: {json.dumps(spec, ensure_ascii=False)},\n"
        "          dom_id: '#swagger-ui',\n        })\n      }\n    </script>\n  </body>\n</html>\n"
    )


def test_an_html_export_is_read_through_the_spec_it_holds_inline() -> None:
    # Apidog (and Apifox) export HTML too; two real ones (244 and 25 operations) were refused
    # as an unknown format.
    conversion = convert_text(_html_export(EXPORT_30), "Default module.html")
    validate(conversion.document)
    assert list(conversion.document["paths"]) == ["/api/token/"]
    first = conversion.findings[0]
    assert (first.rule, first.where) == ("html-export-read", "Default module.html:10")


def test_an_html_page_without_an_inline_spec_is_refused_in_one_line() -> None:
    with pytest.raises(InputError, match="an HTML page without an inline OpenAPI spec"):
        convert_text(
            "<!DOCTYPE html>\n<html><body>SwaggerUIBundle({url: 'a.json'})</body></html>\n", "a.html"
        )
