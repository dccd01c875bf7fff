"""UI strings of this feature (merged into ``web.i18n``; keys must not clash)."""

from __future__ import annotations

from entcredit.web.i18n import Lang

MESSAGES: dict[Lang, dict[str, str]] = {
    "zh": {
        "credit_title": "信用核查",
        "credit_intro": (
            "输入统一社会信用代码或自然人身份证号码，查询其是否因失信受到所选事项的限制。"
        ),
        "credit_action": "拟办理事项",
        "credit_subjects": "核查对象（每行一个统一社会信用代码或身份证号码）",
        "credit_subjects_hint": "每次最多 {n} 个；身份证号码只用于比对，不保存、不显示全号。",
        "credit_file": "或上传 CSV 文件（第一列为核查对象）",
        "credit_submit": "核查",
        "credit_results": "核查结果",
        "credit_summary": (
            "共核查 {checked} 个，受限 {restricted} 个，无法识别 {invalid}"
            " 个（核查编号 {call_id}，核查日期 {as_of}）。"
        ),
        "credit_subject": "核查对象",
        "credit_kind": "类型",
        "credit_kind_enterprise": "市场主体",
        "credit_kind_person": "自然人",
        "credit_status": "结论",
        "credit_restricted": "受限",
        "credit_not_restricted": "不受限",
        "credit_invalid": "无法识别",
        "credit_hits": "适用的惩戒措施",
        "credit_measure": "措施",
        "credit_source": "依据事项",
        "credit_basis": "法律依据",
        "credit_authority": "决定机关",
        "credit_until": "限制截止",
        "credit_while_listed": "移出名单之日止",
        "credit_until_lifted": "至决定撤销之日止",
        "credit_via": "关联主体",
        "credit_list_serious": "严重违法失信名单",
        "credit_list_abnormal": "经营异常名录",
        "credit_source_restriction": "部门信用约束决定",
        "credit_source_revocation": "吊销营业执照",
        "credit_role_legal_rep": "法定代表人",
        "credit_role_director": "董事",
        "credit_role_supervisor": "监事",
        "credit_role_manager": "经理",
        "credit_error_action_unknown": "请选择拟办理事项。",
        "credit_error_subjects_empty": "请至少输入一个核查对象。",
        "credit_error_subjects_too_many": "核查对象超过每次上限。",
        "credit_error_file_too_large": "上传文件过大。",
    },
    "en": {
        "credit_title": "Credit check",
        "credit_intro": (
            "Enter unified social credit codes or resident ID numbers to see"
            " whether a subject is restricted for the chosen action."
        ),
        "credit_action": "Intended action",
        "credit_subjects": "Subjects (one USCC or ID number per line)",
        "credit_subjects_hint": (
            "At most {n} a check; ID numbers are only compared, never kept or shown in full."
        ),
        "credit_file": "Or upload a CSV file (subjects in the first column)",
        "credit_submit": "Check",
        "credit_results": "Results",
        "credit_summary": (
            "{checked} checked, {restricted} restricted, {invalid}"
            " unreadable (check {call_id}, as of {as_of})."
        ),
        "credit_subject": "Subject",
        "credit_kind": "Kind",
        "credit_kind_enterprise": "Business entity",
        "credit_kind_person": "Person",
        "credit_status": "Outcome",
        "credit_restricted": "Restricted",
        "credit_not_restricted": "Not restricted",
        "credit_invalid": "Unreadable",
        "credit_hits": "Measures that apply",
        "credit_measure": "Measure",
        "credit_source": "Because of",
        "credit_basis": "Legal basis",
        "credit_authority": "Deciding authority",
        "credit_until": "Restricted until",
        "credit_while_listed": "until removed from the list",
        "credit_until_lifted": "until the decision is lifted",
        "credit_via": "Through",
        "credit_list_serious": "Serious illegal dishonest list",
        "credit_list_abnormal": "Abnormal operations list",
        "credit_source_restriction": "A department's restriction decision",
        "credit_source_revocation": "Business licence revoked",
        "credit_role_legal_rep": "legal representative",
        "credit_role_director": "director",
        "credit_role_supervisor": "supervisor",
        "credit_role_manager": "manager",
        "credit_error_action_unknown": "Choose the intended action.",
        "credit_error_subjects_empty": "Enter at least one subject.",
        "credit_error_subjects_too_many": "Too many subjects for one check.",
        "credit_error_file_too_large": "The uploaded file is too large.",
    },
}
