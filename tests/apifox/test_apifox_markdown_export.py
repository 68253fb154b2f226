"""Apifox's "export as Markdown" of a whole project: what its tables and code blocks state.

The export below is written for this test in the layout Apifox's exporter
(widdershins) uses: front matter, `# folder`, `## METHOD summary`, `METHOD /path`,
`> Body 请求参数` with a fenced example, `### 请求参数`, `> 返回示例`, `### 返回结果`,
`### 返回数据结构`, and a `# 数据模型` section.
"""

from __future__ import annotations

import pytest
from apifox_docs import rules

from newapi_contract.apifox import convert_text
from newapi_contract.apifox.document import validate
from newapi_contract.errors import InputError

FENCE = "```"
EXPORT = f"""---
title: 示例项目
generator: "@tarslib/widdershins v4.0.30"
---

# 示例项目

> v2.1.0

Base URLs:

* <a href="https://api.example.com">正式环境: https://api.example.com</a>

# Authentication

# 课程

## POST 创建课程

POST /api/courses

创建一门课程。

> Body 请求参数

{FENCE}json
{{
  "title": "导论",
  "capacity": 60
}}
{FENCE}

### 请求参数

|名称|位置|类型|必选|说明|
|---|---|---|---|---|
|Authorization|header|string| 是 |none|
|dry_run|query|boolean| 否 |只校验|
|body|body|object| 是 |none|
|» title|body|string| 是 |课程名|
|» capacity|body|integer| 否 |none|

> 返回示例

> 201 Response

{FENCE}json
{{"code": 0, "data": {{"id": "c1"}}}}
{FENCE}

### 返回结果

|状态码|状态码含义|说明|数据模型|
|---|---|---|---|
|201|[Created](https://tools.ietf.org/html/rfc7231#section-6.3.2)|none|Inline|
|404|[Not Found](https://tools.ietf.org/html/rfc7231#section-6.5.4)|课程不存在|Inline|

### 返回数据结构

状态码 **201**

|名称|类型|必选|约束|中文名|说明|
|---|---|---|---|---|---|
|» code|integer|true|none||none|
|» data|object|true|none||none|
|»» id|string|true|none|编号|none|

## GET 查询课程

GET /api/courses/{{id}}

### 请求参数

|名称|位置|类型|必选|说明|
|---|---|---|---|---|
|id|path|string| 是 |none|

### 返回结果

|状态码|状态码含义|说明|数据模型|
|---|---|---|---|
|200|[OK](https://tools.ietf.org/html/rfc7231#section-6.3.1)|none|Inline|

# 数据模型

<h2 id="tocS_Course">Course</h2>
"""


def test_operations_parameters_bodies_and_responses_are_read_from_the_tables() -> None:
    conversion = convert_text(EXPORT, "export.md")
    doc = conversion.document
    validate(doc, "export.md")
    assert doc["info"] == {"title": "示例项目", "version": "v2.1.0"}
    assert doc["servers"] == [{"url": "https://api.example.com"}]
    create = doc["paths"]["/api/courses"]["post"]
    assert (create["summary"], create["description"]) == ("创建课程", "创建一门课程。")
    assert create["tags"] == ["课程"]
    assert [(p["name"], p["in"]) for p in create["parameters"]] == [("dry_run", "query")]
    assert create["security"] == [{"AccessToken": []}]  # the Authorization header
    body = create["requestBody"]
    assert body["required"] is True
    media = body["content"]["application/json"]
    assert media["schema"]["required"] == ["title"]
    assert media["schema"]["properties"]["capacity"]["type"] == "integer"
    assert media["example"] == {"title": "导论", "capacity": 60}
    created = create["responses"]["201"]["content"]["application/json"]
    assert created["schema"]["properties"]["data"]["properties"]["id"]["title"] == "编号"
    assert created["examples"]["201 Response"]["value"] == {"code": 0, "data": {"id": "c1"}}
    assert create["responses"]["404"]["description"] == "课程不存在"
    read = doc["paths"]["/api/courses/{id}"]["get"]
    assert read["parameters"][0]["name"] == "id" and read["parameters"][0]["required"] is True


def test_each_operation_says_the_line_it_was_read_from() -> None:
    conversion = convert_text(EXPORT, "export.md")
    read = [f for f in conversion.findings if f.rule == "markdown-export-read"]
    lines = EXPORT.splitlines()
    for finding in read:
        line = int(finding.where.rsplit(":", 1)[1])
        assert lines[line - 1].startswith("## ")
    assert len(read) == 2
    assert (
        conversion.document["paths"]["/api/courses"]["post"]["x-source"]["line"]
        == lines.index("## POST 创建课程") + 1
    )
    assert "markdown-block-skipped" in rules(conversion)  # the 数据模型 section


def test_an_export_without_a_readable_operation_is_refused_in_one_line() -> None:
    text = EXPORT.replace("POST /api/courses\n", "").replace("GET /api/courses/{id}\n", "")
    text = text.replace("## POST 创建课程", "## 创建课程").replace("## GET 查询课程", "## 查询课程")
    with pytest.raises(InputError) as refused:
        convert_text(text, "export.md")
    assert "\n" not in str(refused.value) and "Markdown export without an operation" in str(refused.value)
