"""UI strings in Simplified Chinese (default) and English. ``?lang=en`` switches and is
remembered in a cookie."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from functools import cache
from typing import Literal

Lang = Literal["zh", "en"]
SUPPORTED_LANGS: tuple[Lang, ...] = ("zh", "en")
DEFAULT_LANG: Lang = "zh"
LANG_COOKIE = "entcredit_lang"

MESSAGES: dict[Lang, dict[str, str]] = {
    "zh": {
        "platform_name": "企业信用信息归集公示平台",
        "platform_subtitle": "涉企信息归集 · 信用公示 · 协同监管",
        "home": "首页",
        "login": "登录",
        "logout": "退出登录",
        "me": "我的账号",
        "api_docs": "接口文档",
        "username": "用户名",
        "password": "密码",
        "sign_in": "登录",
        "login_failed": "用户名或密码错误。",
        "login_expired": "登录表单已过期，请重试。",
        "login_locked": "登录失败次数过多，请稍后再试。",
        "signed_in_as": "当前用户",
        "display_name": "姓名",
        "roles": "角色",
        "department": "所属部门",
        "none": "无",
        "account_kind": "身份类型",
        "kind_staff": "工作人员",
        "kind_department_token": "部门接口令牌",
        "welcome": "本平台归集各部门产生的涉企信用信息，依法向社会公示。",
        "portal_coming": "公示查询门户即将开放。",
        "staff_entry": "工作人员入口",
        "language": "English",
        "skip_to_main": "跳到主要内容",
        "nav_notices": "公示公告",
        "site_navigation": "网站导航",
        "method": "方法",
        "path": "路径",
        "summary": "说明",
        "access": "权限",
        "openapi_json": "OpenAPI 描述文件（JSON）",
        "role_regulator_admin": "监管管理员",
        "role_regulator_analyst": "监管分析员",
        "role_department_staff": "部门工作人员",
        "role_inspector": "检查人员",
    },
    "en": {
        "platform_name": "Enterprise Credit Information Platform",
        "platform_subtitle": "Aggregation · Publicity · Joint supervision",
        "home": "Home",
        "login": "Sign in",
        "logout": "Sign out",
        "me": "My account",
        "api_docs": "API docs",
        "username": "Username",
        "password": "Password",
        "sign_in": "Sign in",
        "login_failed": "Wrong username or password.",
        "login_expired": "The sign-in form expired; please try again.",
        "login_locked": "Too many failed sign-ins; please try again later.",
        "signed_in_as": "Signed in as",
        "display_name": "Name",
        "roles": "Roles",
        "department": "Department",
        "none": "None",
        "account_kind": "Account type",
        "kind_staff": "Staff",
        "kind_department_token": "Department API token",
        "welcome": "This platform aggregates the credit information departments hold on "
        "enterprises and publishes it as the law requires.",
        "portal_coming": "The public search portal opens soon.",
        "staff_entry": "Staff sign-in",
        "language": "中文",
        "skip_to_main": "Skip to main content",
        "nav_notices": "Notices",
        "site_navigation": "Site navigation",
        "method": "Method",
        "path": "Path",
        "summary": "Summary",
        "access": "Access",
        "openapi_json": "OpenAPI description (JSON)",
        "role_regulator_admin": "Regulator administrator",
        "role_regulator_analyst": "Regulator analyst",
        "role_department_staff": "Department staff",
        "role_inspector": "Inspector",
    },
}


def normalize_lang(value: str | None) -> Lang | None:
    if value is None:
        return None
    value = value.strip().lower()
    if value.startswith("zh"):
        return "zh"
    if value.startswith("en"):
        return "en"
    return None


def negotiate_lang(query_value: str | None, cookie_value: str | None) -> Lang:
    return normalize_lang(query_value) or normalize_lang(cookie_value) or DEFAULT_LANG


# Each feature keeps its own strings in a ``messages`` module with a ``MESSAGES`` dict of the
# same shape; they are merged here once, and a key defined twice is an error at start-up.
FEATURE_MESSAGE_MODULES: tuple[str, ...] = (
    "entcredit.portal.messages",
    "entcredit.opendata.messages",
    "entcredit.report.messages",
    "entcredit.lists.messages",
    "entcredit.credit.messages",
    "entcredit.repair.messages",
    "entcredit.quality.messages",
)


@cache
def all_messages() -> dict[Lang, dict[str, str]]:
    merged: dict[Lang, dict[str, str]] = {lang: dict(MESSAGES[lang]) for lang in SUPPORTED_LANGS}
    for name in FEATURE_MESSAGE_MODULES:
        feature: dict[Lang, dict[str, str]] = importlib.import_module(name).MESSAGES
        for lang in SUPPORTED_LANGS:
            clash = merged[lang].keys() & feature.get(lang, {}).keys()
            if clash:
                raise RuntimeError(f"{name} redefines UI strings {sorted(clash)}")
            merged[lang].update(feature.get(lang, {}))
    return merged


def translator(lang: Lang) -> Callable[[str], str]:
    table = all_messages()[lang]
    fallback = all_messages()[DEFAULT_LANG]

    def t(key: str) -> str:
        return table.get(key) or fallback.get(key) or key

    return t


def other_lang(lang: Lang) -> Lang:
    return "en" if lang == "zh" else "zh"
