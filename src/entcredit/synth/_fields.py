"""Field codes, Chinese labels and code lists of the exchange standard (version 1).

A private copy of ``shared/spec/exchange-format.md`` used for header labels and for knowing which
fields are required. Once ``entcredit.catalog`` ships, the labels should come from
``load_catalog().category(name).fields`` instead; the tests compare both when it exists.
"""

from __future__ import annotations

from typing import Final, NamedTuple


class Spec(NamedTuple):
    code: str
    label: str
    required: bool


COMMON: Final[tuple[Spec, ...]] = (
    Spec("dept_code", "归集部门代码", False),
    Spec("source_id", "源记录标识", True),
    Spec("uscc", "统一社会信用代码", False),
    Spec("subject_name", "主体名称", True),
    Spec("produced_on", "信息产生日期", True),
    Spec("authority", "作出决定机关", True),
    Spec("op", "操作", False),
)

_OWN: Final[dict[str, tuple[Spec, ...]]] = {
    "enterprise": (
        Spec("uscc", "统一社会信用代码", True),
        Spec("name", "名称", True),
        Spec("entity_type", "主体类型", True),
        Spec("legal_rep", "法定代表人(负责人、经营者)", True),
        Spec("legal_rep_id", "法定代表人证件号码", False),
        Spec("reg_capital", "注册资本(万元)", False),
        Spec("established_on", "成立日期", True),
        Spec("reg_authority", "登记机关", True),
        Spec("region_code", "住所所在行政区划代码", True),
        Spec("address", "住所(经营场所)", True),
        Spec("industry_code", "国民经济行业代码", False),
        Spec("status", "登记状态", True),
        Spec("status_on", "状态日期", False),
        Spec("is_listed", "是否上市公司", False),
        Spec("phone", "联系电话", False),
        Spec("email", "电子邮箱", False),
        Spec("former_names", "曾用名", False),
    ),
    "person_role": (
        Spec("uscc", "统一社会信用代码", True),
        Spec("person_name", "姓名", True),
        Spec("person_id", "证件号码", True),
        Spec("role", "职务", True),
        Spec("since", "任职日期", False),
        Spec("until", "离任日期", False),
    ),
    "department": (
        Spec("dept_code", "部门代码", True),
        Spec("name", "部门名称", True),
        Spec("region_code", "行政区划代码", True),
        Spec("level", "层级", True),
        Spec("is_market_regulator", "是否市场监管部门", True),
    ),
    "license": (
        Spec("decision_no", "许可决定文书号", True),
        Spec("license_name", "许可证书名称", True),
        Spec("license_no", "许可证书编号", False),
        Spec("license_kind", "许可类别", True),
        Spec("content", "许可内容", True),
        Spec("valid_from", "有效期自", True),
        Spec("valid_to", "有效期至", False),
        Spec("change_kind", "许可状态", False),
    ),
    "penalty": (
        Spec("decision_no", "处罚决定书文号", True),
        Spec("violation_type", "违法行为类型", True),
        Spec("facts", "违法事实", True),
        Spec("basis", "处罚依据", True),
        Spec("penalty_kinds", "处罚类别", True),
        Spec("fine_amount", "罚款金额(万元)", False),
        Spec("confiscated_amount", "没收违法所得、没收非法财物的金额(万元)", False),
        Spec("ban_until", "限制/禁止期限至", False),
        Spec("domain", "领域", False),
        Spec("heavier", "是否较重行政处罚", False),
    ),
    "inspection": (
        Spec("inspection_kind", "检查类型", True),
        Spec("task_no", "抽查任务编号", False),
        Spec("matter_code", "抽查事项代码", False),
        Spec("result_code", "检查结果代码", True),
        Spec("result_text", "检查结果说明", False),
    ),
    "product_check": (
        Spec("product", "产品名称", True),
        Spec("batch", "批次/规格型号", False),
        Spec("qualified", "抽检结论", True),
        Spec("failed_items", "不合格项目", False),
        Spec("domain", "领域", True),
    ),
    "restriction": (
        Spec("measure_code", "惩戒措施代码", True),
        Spec("subject_person_id", "被约束自然人证件号码", False),
        Spec("basis", "依据", True),
        Spec("start_on", "起始日期", True),
        Spec("end_on", "截止日期", False),
    ),
    "support": (
        Spec("policy_name", "扶持政策名称", True),
        Spec("support_kind", "扶持类型", True),
        Spec("amount", "金额(万元)", False),
    ),
    "abnormal_list": (
        Spec("action", "动作", True),
        Spec("reason_code", "原因代码", True),
        Spec("decision_no", "决定书文号", True),
    ),
    "serious_list": (
        Spec("action", "动作", True),
        Spec("article", "列入依据条款", False),
        Spec("decision_no", "决定书文号", True),
        Spec("penalty_decision_no", "关联处罚决定书文号", False),
        Spec("expires_on", "届满日期", False),
    ),
    "annual_report": (
        Spec("year", "年度", True),
        Spec("filed_on", "报送日期", True),
        Spec("employees", "从业人数", False),
        Spec("revenue", "营业总收入(万元)", False),
        Spec("tax_paid", "纳税总额(万元)", False),
        Spec("social_insured", "参保人数", False),
    ),
    "address_signal": (
        Spec("signal", "线索类型", True),
        Spec("detail", "说明", False),
    ),
}

REFERENCE_CATEGORIES: Final = ("department", "enterprise", "person_role")
AGGREGATED_CATEGORIES: Final = (
    "license",
    "penalty",
    "inspection",
    "product_check",
    "restriction",
    "support",
    "abnormal_list",
    "serious_list",
    "annual_report",
    "address_signal",
)
ALL_CATEGORIES: Final = REFERENCE_CATEGORIES + AGGREGATED_CATEGORIES


def fields(category: str) -> tuple[Spec, ...]:
    """Ordered fields of a category (common fields first for aggregated categories)."""
    if category in REFERENCE_CATEGORIES:
        return _OWN[category]
    return COMMON + _OWN[category]


def labels(category: str) -> dict[str, str]:
    return {f.code: f.label for f in fields(category)}


def required(category: str) -> frozenset[str]:
    return frozenset(f.code for f in fields(category) if f.required)


DATE_FIELDS: Final[frozenset[str]] = frozenset(
    {
        "produced_on",
        "established_on",
        "status_on",
        "since",
        "until",
        "valid_from",
        "valid_to",
        "ban_until",
        "start_on",
        "end_on",
        "expires_on",
        "filed_on",
    }
)
AMOUNT_FIELDS: Final[frozenset[str]] = frozenset(
    {"reg_capital", "fine_amount", "confiscated_amount", "amount", "revenue", "tax_paid"}
)
# Fields holding a value of a closed code list, with a value outside it for the messy rows.
CODE_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "entity_type": ("company", "unknown"),
    "status": ("closed", "unknown"),
    "license_kind": ("general", "misc"),
    "change_kind": ("deleted", "new"),
    "penalty_kinds": ("fine;bogus", "penalty"),
    "domain": ("medicine", "safety"),
    "inspection_kind": ("routine", "adhoc"),
    "result_code": ("0", "12", "99"),
    "qualified": ("maybe", "unknown"),
    "support_kind": ("loan", "grant"),
    "action": ("delist", "add"),
    "article": ("4", "11"),
    "signal": ("mail_lost", "phone"),
    "role": ("chairman", "ceo"),
}
