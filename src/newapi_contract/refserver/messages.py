"""The message strings new-api answers with, per language, and how it picks the language.

English by default; Simplified Chinese when the first `Accept-Language` tag is `zh` or
`zh-CN`, Traditional for `zh-TW`/`zh-HK`. Strings upstream never translates (the
`id 或 userId 为空！` of the token model, the 1000-token limit, setup messages, GORM's
`record not found`, Go parse errors) are not in this catalogue: handlers use them as is.
"""

from __future__ import annotations

__all__ = ["EN", "ZH_CN", "ZH_TW", "language", "text"]

EN, ZH_CN, ZH_TW = "en", "zh-CN", "zh-TW"

# key: (English, Simplified, Traditional)
_CATALOGUE: dict[str, tuple[str, str, str]] = {
    "auth.not_logged_in": (
        "Unauthorized, not logged in and no access token provided",
        "无权进行此操作，未登录且未提供 access token",
        "無權進行此操作，未登錄且未提供 access token",
    ),
    "auth.invalid_access_token": (
        "Unauthorized, invalid access token",
        "无权进行此操作，access token 无效",
        "無權進行此操作，access token 無效",
    ),
    "auth.new_api_user_missing": (
        "Unauthorized, New-Api-User header not provided",
        "无权进行此操作，未提供 New-Api-User",
        "無權進行此操作，未提供 New-Api-User",
    ),
    "auth.new_api_user_format": (
        "Unauthorized, New-Api-User header format error",
        "无权进行此操作，New-Api-User 格式错误",
        "無權進行此操作，New-Api-User 格式錯誤",
    ),
    "auth.new_api_user_mismatch": (
        "Unauthorized, New-Api-User does not match logged in user",
        "无权进行此操作，New-Api-User 与登录用户不匹配",
        "無權進行此操作，New-Api-User 與登錄用戶不匹配",
    ),
    "auth.banned": ("User has been banned", "用户已被封禁", "用戶已被封禁"),
    "auth.insufficient": (
        "Unauthorized, insufficient privileges",
        "无权进行此操作，权限不足",
        "無權進行此操作，權限不足",
    ),
    "auth.user_invalid": (
        "Unauthorized, invalid user info",
        "无权进行此操作，用户信息无效",
        "無權進行此操作，用戶信息無效",
    ),
    "common.invalid_params": ("Invalid parameters", "无效的参数", "無效的參數"),
    "common.batch_too_many": (
        "Too many items in batch request, maximum is {max}",
        "批量请求数量过多，最多 {max} 条",
        "批量請求數量過多，最多 {max} 條",
    ),
    "common.delete_failed": ("Deletion failed", "删除失败", "刪除失敗"),
    "token.name_too_long": ("Token name is too long", "令牌名称过长", "令牌名稱過長"),
    "token.quota_negative": (
        "Quota value cannot be negative",
        "额度值不能为负数",
        "額度值不能為負數",
    ),
    "token.quota_exceed_max": (
        "Quota value exceeds valid range, maximum is {max}",
        "额度值超出有效范围，最大值为 {max}",
        "額度值超出有效範圍，最大值為 {max}",
    ),
    "token.expired_cannot_enable": (
        "Token has expired and cannot be enabled. Please modify the expiration time or set "
        "it to never expire",
        "令牌已过期，无法启用，请先修改令牌过期时间，或者设置为永不过期",
        "令牌已過期，無法啟用，請先修改令牌過期時間，或者設置為永不過期",
    ),
    "token.exhausted_cannot_enable": (
        "Token quota is exhausted and cannot be enabled. Please modify the remaining quota "
        "or set it to unlimited",
        "令牌可用额度已用尽，无法启用，请先修改令牌剩余额度，或者设置为无限额度",
        "令牌可用額度已用盡，無法啟用，請先修改令牌剩餘額度，或者設置為無限額度",
    ),
    "token.invalid": ("Invalid token", "无效的令牌", "無效的令牌"),
    # Fault `relay-tells-deleted`: the pre-59c582d1 relay told deleted keys apart.
    "token.deleted": ("This token has been deleted", "该令牌已被删除", "該令牌已被刪除"),
    "user.username_or_password_empty": (
        "Username or password is empty",
        "用户名或密码为空",
        "用戶名或密碼為空",
    ),
    "user.username_or_password_error": (
        "Username or password is incorrect, or user has been banned",
        "用户名或密码错误，或用户已被封禁",
        "用戶名或密碼錯誤，或用戶已被封禁",
    ),
    "user.exists": (
        "Username already exists or has been deleted",
        "用户名已存在，或已注销",
        "用戶名已存在，或已註銷",
    ),
    "user.not_exists": ("User does not exist", "用户不存在", "用戶不存在"),
    "user.input_invalid": ("Invalid input {error}", "输入不合法 {error}", "輸入不合法 {error}"),
    "user.no_permission_higher_level": (
        "No permission to update users of same or higher permission level",
        "无权更新同权限等级或更高权限等级的用户信息",
        "無權更新同權限等級或更高權限等級的用戶信息",
    ),
    "user.cannot_create_higher_level": (
        "Cannot create users with permission level equal to or higher than yourself",
        "无法创建权限大于等于自己的用户",
        "無法創建權限大於等於自己的用戶",
    ),
    "user.cannot_disable_root_user": (
        "Cannot disable super administrator user",
        "无法禁用超级管理员用户",
        "無法禁用超級管理員用戶",
    ),
}

_COLUMN = {EN: 0, ZH_CN: 1, ZH_TW: 2}


def language(accept_language: str | None) -> str:
    """The language new-api answers in, from the first tag of an `Accept-Language` value."""
    first = (accept_language or "").split(",")[0].split(";")[0].strip().lower()
    if first in ("zh-tw", "zh-hk", "zh-hant") or first.startswith("zh-hant"):
        return ZH_TW
    if first == "zh" or first.startswith("zh-"):
        return ZH_CN
    return EN


def text(key: str, lang: str, **values: object) -> str:
    """The message `key` in `lang`, with `{placeholders}` filled from `values`."""
    return _CATALOGUE[key][_COLUMN[lang]].format(**values)
