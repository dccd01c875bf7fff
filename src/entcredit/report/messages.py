"""UI strings of this feature (merged into ``web.i18n``; keys must not clash)."""

from __future__ import annotations

from entcredit.web.i18n import Lang

MESSAGES: dict[Lang, dict[str, str]] = {
    "zh": {
        "report_title": "企业信用信息公示报告",
        "report_uscc": "统一社会信用代码",
        "report_platform": "出具平台",
        "report_issued_at": "出具时间",
        "report_time_format": "{time}（北京时间）",
        "report_as_of": "信息截止日期",
        "report_code": "验证码",
        "report_notice": "本报告根据{platform}截至出具时间依法公示的信息生成，内容与公示系统一致。"
        "可在 {verify_url} 输入验证码核验报告真伪，并上传本文件核对其未被改动。",
        "report_registration": "登记注册信息",
        "report_former_names": "曾用名",
        "report_personnel": "主要人员",
        "report_person_name": "姓名",
        "report_person_role": "职务",
        "report_person_id": "证件号码",
        "report_produced_on": "作出日期",
        "report_authority": "作出机关",
        "report_empty": "暂无公示信息。",
        "report_capped": "本节仅列出最近 {shown} 条，共 {total} 条；完整信息请访问 {url}",
        "report_page": "第 {page} 页 / 共 {pages} 页",
        "report_code_line": "验证码 {code}　核验网址 {verify_url}",
        "report_end": "（报告正文结束）",
        "report_yes": "是",
        "report_no": "否",
        "report_not_found": "未找到该企业。",
        "report_verify_title": "信用报告核验",
        "report_verify_intro": "输入报告每页底部的验证码，核对报告是否由本平台出具；"
        "同时上传报告 PDF 文件，还可核对文件内容未被改动。",
        "report_verify_code_label": "验证码",
        "report_verify_code_hint": "16 位字母和数字，如 ABCD-EFGH-JKLM-NPQR",
        "report_verify_file_label": "报告文件（PDF，可选，不超过 {max_mb} MB）",
        "report_verify_submit": "核验",
        "report_verify_result": "核验结果",
        "report_verify_genuine": "验证码有效：该报告由本平台出具。",
        "report_verify_unknown": "未找到与该验证码对应的报告：报告可能是伪造的，或验证码输入有误。",
        "report_verify_bad_format": "验证码格式不正确：应为 16 位字母和数字，"
        "如 ABCD-EFGH-JKLM-NPQR。",
        "report_verify_file_match": "上传的文件与本平台出具的报告完全一致。",
        "report_verify_file_mismatch": "上传的文件与本平台出具的报告不一致，可能已被改动。",
        "report_verify_file_too_large": "文件超过 {max_mb} MB，未能核对。",
        "report_verify_enterprise": "企业名称",
        "report_verify_sha256": "报告文件 SHA-256 摘要",
        "report_verify_size": "报告文件大小（字节）",
        "report_verify_details": "报告信息",
    },
    "en": {
        "report_title": "Enterprise Credit Information Report",
        "report_uscc": "Unified social credit code",
        "report_platform": "Issued by",
        "report_issued_at": "Time of issue",
        "report_time_format": "{time} (Beijing time)",
        "report_as_of": "Information as of",
        "report_code": "Verification code",
        "report_notice": "This report is generated from the information {platform} publishes by "
        "law at the time of issue. Check it at {verify_url} with the verification code, and "
        "upload this file there to confirm it was not altered.",
        "report_registration": "Registration information",
        "report_former_names": "Former names",
        "report_personnel": "Key personnel",
        "report_person_name": "Name",
        "report_person_role": "Position",
        "report_person_id": "ID number",
        "report_produced_on": "Date of decision",
        "report_authority": "Authority",
        "report_empty": "No public information.",
        "report_capped": "Only the latest {shown} of {total} records are listed; "
        "see the full record at {url}",
        "report_page": "Page {page} of {pages}",
        "report_code_line": "Verification code {code}   Verify at {verify_url}",
        "report_end": "(End of report)",
        "report_yes": "Yes",
        "report_no": "No",
        "report_not_found": "Enterprise not found.",
        "report_verify_title": "Verify a credit report",
        "report_verify_intro": "Enter the verification code printed at the foot of every page "
        "to check that this platform issued the report; upload the PDF as well to check "
        "that the file was not altered.",
        "report_verify_code_label": "Verification code",
        "report_verify_code_hint": "16 letters and digits, e.g. ABCD-EFGH-JKLM-NPQR",
        "report_verify_file_label": "Report file (PDF, optional, at most {max_mb} MB)",
        "report_verify_submit": "Verify",
        "report_verify_result": "Result",
        "report_verify_genuine": "The code is genuine: this platform issued the report.",
        "report_verify_unknown": "No report has this code: the report may be forged, or the code "
        "was mistyped.",
        "report_verify_bad_format": "This is not a verification code: it has 16 letters and "
        "digits, e.g. ABCD-EFGH-JKLM-NPQR.",
        "report_verify_file_match": "The uploaded file is exactly the report this platform issued.",
        "report_verify_file_mismatch": "The uploaded file differs from the report this platform "
        "issued: it may have been altered.",
        "report_verify_file_too_large": "The file is larger than {max_mb} MB and was not checked.",
        "report_verify_enterprise": "Enterprise",
        "report_verify_sha256": "SHA-256 of the report file",
        "report_verify_size": "Size of the report file (bytes)",
        "report_verify_details": "Report details",
    },
}
