"""The national annual-report template (T2019, T2021): codes, labels, label variants and hard rules.

This module is the one source of truth. Extraction matches labels against it, validation builds its
checks from `RULES`, the warehouse dimensions are filled from it and the README's rule catalogue is
printed from it (`xxgk rules`). Codes and labels follow docs/template.md §7.
"""

from __future__ import annotations

from dataclasses import dataclass

T2019, T2021 = "2019", "2021"
BOTH = frozenset({T2019, T2021})


@dataclass(frozen=True)
class Code:
    """One row, column, item or metric of a template table."""

    code: str
    label_zh: str
    label_en: str
    variants: tuple[str, ...] = ()
    templates: frozenset[str] = BOTH
    group: str | None = None  # parent group code (section 三 rows)

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.label_zh, *self.variants)


# --- Section 三: applicant columns -------------------------------------------------------------

APPLICANTS: tuple[Code, ...] = (
    Code("natural_person", "自然人", "natural person"),
    Code("commercial", "商业企业", "commercial enterprise"),
    Code("research", "科研机构", "research institution"),
    Code("social_welfare", "社会公益组织", "social welfare organisation"),
    Code("legal_service", "法律服务机构", "legal service provider"),
    Code("other_org", "其他", "other organisation", ("其他组织",)),
    Code("total", "总计", "total", ("合计",)),
)
ORG_COLUMNS = ("commercial", "research", "social_welfare", "legal_service", "other_org")
APPLICANT_GROUP_LABEL = "法人或其他组织"
APPLICANT_HEADER_LABEL = "申请人情况"
BALANCE_NOTE = "本列数据的勾稽关系"  # the section 三 table's top-left cell
APPLICANT_CODES = tuple(c.code for c in APPLICANTS)

# --- Section 三: outcome rows --------------------------------------------------------------------

OUTCOME_GROUPS: tuple[Code, ...] = (
    Code("results", "三、本年度办理结果", "results of this year"),
    Code("denied", "（三）不予公开", "not disclosed", group="results"),
    Code("unavailable", "（四）无法提供", "cannot be provided", group="results"),
    Code("rejected", "（五）不予处理", "not processed", group="results"),
    Code("other_total", "（六）其他处理", "other handling", templates=frozenset({T2021}), group="results"),
)

OUTCOMES: tuple[Code, ...] = (
    Code("received", "一、本年新收政府信息公开申请数量", "new applications received this year"),
    Code("carried_over", "二、上年结转政府信息公开申请数量", "carried over from last year"),
    Code("disclosed", "（一）予以公开", "disclosed", group="results"),
    Code("partially_disclosed", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
         "partially disclosed", group="results"),
    Code("denied.state_secret", "1.属于国家秘密", "state secret", group="denied"),
    Code("denied.prohibited_by_law", "2.其他法律行政法规禁止公开", "prohibited by other laws",
         ("2.其他法律法规禁止公开",), group="denied"),
    Code("denied.security_stability", "3.危及“三安全一稳定”", "endangers security and stability",
         group="denied"),
    Code("denied.third_party_rights", "4.保护第三方合法权益", "third-party rights", group="denied"),
    Code("denied.internal_affairs", "5.属于三类内部事务信息", "internal affairs", group="denied"),
    Code("denied.process_information", "6.属于四类过程性信息", "process information", group="denied"),
    Code("denied.enforcement_file", "7.属于行政执法案卷", "enforcement file", group="denied"),
    Code("denied.inquiry_matter", "8.属于行政查询事项", "administrative inquiry", group="denied"),
    Code("unavailable.not_held", "1.本机关不掌握相关政府信息", "not held", group="unavailable"),
    Code("unavailable.needs_creation", "2.没有现成信息需要另行制作", "would need to be created",
         group="unavailable"),
    Code("unavailable.still_unclear", "3.补正后申请内容仍不明确", "still unclear after correction",
         group="unavailable"),
    Code("rejected.petition_complaint", "1.信访举报投诉类申请", "petition or complaint", group="rejected"),
    Code("rejected.duplicate", "2.重复申请", "duplicate", group="rejected"),
    Code("rejected.publication", "3.要求提供公开出版物", "asks for publications", group="rejected"),
    Code("rejected.excessive", "4.无正当理由大量反复申请", "excessive repeated requests",
         group="rejected"),
    Code("rejected.confirm_reissue", "5.要求行政机关确认或重新出具已获取信息",
         "asks to confirm or reissue information", group="rejected"),
    Code("other", "（六）其他处理", "other handling", templates=frozenset({T2019}), group="results"),
    Code("other.overdue_correction",
         "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
         "applicant did not correct in time", templates=frozenset({T2021}), group="other_total"),
    Code("other.fee_unpaid",
         "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
         "applicant did not pay the fee", templates=frozenset({T2021}), group="other_total"),
    Code("other.misc", "3.其他", "other", templates=frozenset({T2021}), group="other_total"),
    Code("total_handled", "（七）总计", "total handled", group="results"),
    Code("carried_forward", "四、结转下年度继续办理", "carried forward to next year"),
)
OUTCOME_BY_CODE = {c.code: c for c in OUTCOMES}
FLOW_ROWS = ("received", "carried_over", "total_handled", "carried_forward")


def outcome_rows(template: str) -> tuple[str, ...]:
    """Data rows of the section 三 table, in template order."""
    return tuple(c.code for c in OUTCOMES if template in c.templates)


def outcome_leaves(template: str) -> tuple[str, ...]:
    """Leaf result rows that partition （七）总计."""
    return tuple(c for c in outcome_rows(template) if c not in FLOW_ROWS)


# --- Section 四: review and litigation -----------------------------------------------------------

PROCEEDINGS: tuple[Code, ...] = (
    Code("review", "行政复议", "administrative review"),
    Code("litigation_direct", "未经复议直接起诉", "litigation without prior review"),
    Code("litigation_after_review", "复议后起诉", "litigation after review"),
)
RESULTS: tuple[Code, ...] = (
    Code("upheld", "结果维持", "upheld"),
    Code("corrected", "结果纠正", "corrected"),
    Code("other", "其他结果", "other result"),
    Code("pending", "尚未审结", "pending"),
    Code("total", "总计", "total"),
)
LITIGATION_GROUP_LABEL = "行政诉讼"
PROCEEDING_CODES = tuple(c.code for c in PROCEEDINGS)
RESULT_CODES = tuple(c.code for c in RESULTS)

# --- Section 二: proactive disclosure -----------------------------------------------------------

PROACTIVE_ITEMS: tuple[Code, ...] = (
    Code("rules", "规章", "rules"),
    Code("normative_documents", "规范性文件", "normative documents", ("行政规范性文件",)),
    Code("other_documents", "其他主动公开文件", "other proactively disclosed documents",
         templates=frozenset({T2019})),
    Code("licensing", "行政许可", "administrative licensing"),
    Code("other_services", "其他对外管理服务事项", "other external management services",
         templates=frozenset({T2019})),
    Code("penalty", "行政处罚", "administrative penalty"),
    Code("coercion", "行政强制", "administrative coercion"),
    Code("fees", "行政事业性收费", "administrative fees"),
    Code("procurement", "政府集中采购", "centralised government procurement",
         templates=frozenset({T2019})),
)


@dataclass(frozen=True)
class Metric(Code):
    unit: str = "件"
    may_be_negative: bool = False
    is_amount: bool = False


PROACTIVE_METRICS: tuple[Metric, ...] = (
    Metric("new_made", "本年新制作数量", "made this year", templates=frozenset({T2019})),
    Metric("new_published", "本年新公开数量", "published this year", templates=frozenset({T2019})),
    Metric("total_published", "对外公开总数量", "published in total", templates=frozenset({T2019})),
    Metric("prev_count", "上一年项目数量", "items last year", templates=frozenset({T2019}), unit="项"),
    Metric("change", "本年增/减", "net change this year", ("本年增减", "本年增"),
           templates=frozenset({T2019}), unit="项", may_be_negative=True),
    Metric("current_count", "本年数量", "items this year", templates=frozenset({T2019}), unit="项"),
    Metric("decisions", "处理决定数量", "decisions", ("本年处理决定数量",)),
    Metric("project_count", "采购项目数量", "procurement projects", templates=frozenset({T2019}),
           unit="项"),
    Metric("amount_yuan", "采购总金额", "amount (yuan)", ("本年收费金额（单位：万元）",),
           unit="元", is_amount=True),
    Metric("issued", "本年制发件数", "issued this year", templates=frozenset({T2021})),
    Metric("abolished", "本年废止件数", "abolished this year", templates=frozenset({T2021})),
    Metric("in_force", "现行有效件数", "in force", templates=frozenset({T2021})),
)
METRIC_BY_CODE = {m.code: m for m in PROACTIVE_METRICS}
PROACTIVE_HEADER_LABEL = "信息内容"
# Words found only in each section's table: how a table is recognised when its heading is missing.
TABLE_SIGNATURES = {"proactive": PROACTIVE_HEADER_LABEL, "applications": "本年新收",
                    "review_litigation": "复议后起诉"}
PROACTIVE_CAPTION = "第二十条第"

# Which metrics each item reports, by template (the official tables, docs/template.md §3.1-3.2).
PROACTIVE_TABLES: dict[str, dict[str, tuple[str, ...]]] = {
    T2019: {
        "rules": ("new_made", "new_published", "total_published"),
        "normative_documents": ("new_made", "new_published", "total_published"),
        "licensing": ("prev_count", "change", "decisions"),
        "other_services": ("prev_count", "change", "decisions"),
        "penalty": ("prev_count", "change", "decisions"),
        "coercion": ("prev_count", "change", "decisions"),
        "fees": ("prev_count", "change"),
        "procurement": ("project_count", "amount_yuan"),
    },
    T2021: {
        "rules": ("issued", "abolished", "in_force"),
        "normative_documents": ("issued", "abolished", "in_force"),
        "licensing": ("decisions",),
        "penalty": ("decisions",),
        "coercion": ("decisions",),
        "fees": ("amount_yuan",),
    },
}

# --- Section headings ----------------------------------------------------------------------------

SECTIONS: tuple[Code, ...] = (
    Code("overview", "一、总体情况", "overview", ("一、概述", "一、主要工作概述")),
    Code("proactive", "二、主动公开政府信息情况", "proactive disclosure"),
    Code("applications", "三、收到和处理政府信息公开申请情况", "applications received and handled",
         ("三、行政机关收到和处理政府信息公开申请情况",)),
    Code("review_litigation", "四、政府信息公开行政复议、行政诉讼情况", "administrative review and litigation",
         ("四、因政府信息公开工作被申请行政复议、提起行政诉讼情况",
          "四、因政府信息公开工作被申请行政复议提起行政诉讼情况",
          "四、政府信息公开行政复议和行政诉讼情况")),
    Code("problems", "五、存在的主要问题及改进情况", "problems and improvements",
         ("五、政府信息公开工作存在的主要问题及改进情况", "五、政府信息公开工作存在的问题及改进情况",
          "五、存在问题及改进情况", "五、存在的主要问题及改进措施")),
    Code("other_matters", "六、其他需要报告的事项", "other matters"),
)
# Words a heading must contain (after its numeral) to count as that section's heading: table rows
# such as 四、结转下年度继续办理 share the numeral but not the words.
SECTION_KEYWORDS: dict[str, tuple[str, ...]] = {
    "overview": ("总体情况", "概述"),
    "proactive": ("主动公开",),
    "applications": ("收到和处理", "依申请公开"),
    "review_litigation": ("行政复议", "行政诉讼"),
    "problems": ("问题",),
    "other_matters": ("其他需要报告",),
}

# Words every report in this template contains; a decoding that yields none of them is wrong.
ANCHOR_WORDS = ("政府信息公开", "年度报告", "申请", "行政复议", "行政诉讼", "总计", "情况", "办理")

# --- Rules: hard (docs/template.md §4.1) and soft (§4.2) ------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A rule: for each place along `along`, Σ lhs must equal Σ rhs (or, for range rules, be ≥ 0).

    `along` says how the rule is applied: down each applicant column of section 三 ("applicant"),
    along each section 三 row ("outcome"), within one section 四 proceeding ("proceeding", whose
    results report `column` = the lhs code, "total"), to every cell ("cell"), to each section 二
    item ("item") or to each number the prose states ("statement").

    `kind` says what a rule needs: "report" rules need one report's tables (pipelines.validate
    builds their checks); "cross_year" rules need the same body's report of the year before and
    "narrative" rules the numbers stated in the prose, so they are computed over the warehouse
    (pipelines.dq). Soft rules are warnings: they have legitimate exceptions (docs/template.md §4.2).
    """

    id: str
    description: str
    along: str  # "applicant" | "outcome" | "proceeding" | "cell" | "item" | "statement"
    place: str | None = None  # restrict the rule to one place (a section 四 proceeding)
    lhs: tuple[str, ...] = ()
    rhs: tuple[str, ...] | str = ()  # a tuple of codes, or "leaves" for the template's leaf rows
    comparison: str = "equal"  # "equal" | "non_negative"
    severity: str = "error"  # "error" (hard) | "warning" (soft)
    kind: str = "report"  # "report" | "cross_year" | "narrative"
    title_zh: str = ""  # the rule in a few Chinese words (data-quality page)


RULES: tuple[Rule, ...] = (
    Rule("balance.received_plus_carried_equals_handled_plus_forward",
         "第一项加第二项之和，等于第三项加第四项之和: received + carried_over = total_handled + "
         "carried_forward, in every applicant column",
         along="applicant", lhs=("received", "carried_over"), rhs=("total_handled", "carried_forward"),
         title_zh="第一项加第二项之和等于第三项加第四项之和（每一申请人列）"),
    Rule("balance.total_handled_equals_sum_of_outcomes",
         "（七）总计 equals the sum of the leaf result rows, in every applicant column",
         along="applicant", lhs=("total_handled",), rhs="leaves",
         title_zh="（七）总计等于各项办理结果之和（每一申请人列）"),
    Rule("balance.total_column_equals_sum_of_applicant_columns",
         "总计 equals 自然人 plus the five 法人或其他组织 columns, on every section 三 row",
         along="outcome", lhs=("total",), rhs=("natural_person", *ORG_COLUMNS),
         title_zh="总计列等于自然人与法人或其他组织各列之和（每一行）"),
    *(
        Rule(f"balance.{p}_total_equals_sum_of_results",
             f"{label} 总计 equals 维持 + 纠正 + 其他 + 尚未审结",
             along="proceeding", place=p, lhs=("total",), rhs=("upheld", "corrected", "other", "pending"),
             title_zh=f"{label}：总计等于维持、纠正、其他、尚未审结之和")
        for p, label in (("review", "行政复议"), ("litigation_direct", "未经复议直接起诉"),
                         ("litigation_after_review", "复议后起诉"))
    ),
    Rule("range.non_negative",
         "every count and amount is ≥ 0; only T2019 本年增/减 may be negative",
         along="cell", comparison="non_negative", title_zh="数值不得为负（仅2019版“本年增/减”可为负）"),
    Rule("cross_year.carried_forward_equals_next_carried_over",
         "上年结转 of year N+1 equals 结转下年度继续办理 of year N, same body and scope: "
         "carried_forward(N) = carried_over(N+1), in every applicant column (checked on the N+1 report)",
         along="applicant", lhs=("carried_forward",), rhs=("carried_over",), severity="warning",
         kind="cross_year", title_zh="本年“上年结转”等于上一年度“结转下年度继续办理”"),
    Rule("cross_year.in_force_stock_flow",
         "现行有效件数 of year N + 本年制发件数 − 本年废止件数 of N+1 = 现行有效件数 of N+1, same body "
         "and scope, for 规章 and 行政规范性文件 (T2021 metrics; checked on the N+1 report)",
         along="item", lhs=("in_force", "issued", "abolished"), rhs=("in_force",), severity="warning",
         kind="cross_year", title_zh="上年现行有效件数＋本年制发件数－本年废止件数＝本年现行有效件数"),
    Rule("narrative.stated_numbers_equal_table",
         "a number the prose states plainly equals the table: 收到/受理 N 件 = received, 上年结转 = "
         "carried_over, 答复/办结 (or 受理 N 件…均办结) = （七）总计, 结转下年度 = carried_forward (总计 "
         "column); 行政复议 N 件 = 行政复议 总计; 行政诉讼 N 件 = 未经复议直接起诉 + 复议后起诉 总计",
         along="statement", severity="warning", kind="narrative", title_zh="正文所述数字与表格一致"),
)
REPORT_RULES = tuple(r for r in RULES if r.kind == "report")
RULE_BY_ID = {r.id: r for r in RULES}
