-- xxgk warehouse: analyst views. The named rates of docs/template.md §8.2 are computed here, at
-- query time, so every analyst uses the same formula. A rate is NULL when its denominator is 0 or
-- any of its counts is NULL (not reported / unreadable); NULL is never read as 0.

-- Section 三 in long form, with the group rows the template does not print derived from their leaves:
-- denied, unavailable, rejected = Σ of their children; other_total = other (T2019) or Σ other.* (T2021).
-- A derived cell is NULL if any child is NULL. A subtotal row the report printed itself is kept as
-- printed (is_derived false) and not derived again. `method` says how a printed cell was read
-- (read | annotated | split | position); a derived cell carries the least certain method of its
-- children, in that order.
CREATE OR REPLACE VIEW v_applications AS
WITH children AS (
    SELECT f.report_id, f.applicant_code, f.value, f.method,
           CASE WHEN o.outcome_code = 'other' THEN 'other_total' ELSE o.group_code END AS outcome_code
    FROM fact_application f
    JOIN dim_outcome o ON o.outcome_code = f.outcome_code
    WHERE o.is_leaf AND (o.group_code IN ('denied', 'unavailable', 'rejected', 'other_total')
                         OR o.outcome_code = 'other')
),
derived AS (
    SELECT report_id, outcome_code, applicant_code,
           CASE WHEN count(*) = count(value) THEN sum(value) END::BIGINT AS value,
           arg_max(method, list_position(['read', 'annotated', 'split', 'position'], method)) AS method
    FROM children
    GROUP BY report_id, outcome_code, applicant_code
)
SELECT report_id, outcome_code, applicant_code, value, false AS is_derived, method
FROM fact_application
UNION ALL
SELECT d.report_id, d.outcome_code, d.applicant_code, d.value, true AS is_derived, d.method
FROM derived d
ANTI JOIN fact_application f
    ON f.report_id = d.report_id AND f.outcome_code = d.outcome_code AND f.applicant_code = d.applicant_code;

-- One row per report × section 三 row, the seven applicant columns side by side.
CREATE OR REPLACE VIEW v_applications_wide AS
SELECT a.report_id, a.outcome_code, o.label_zh, o.label_en, o.sort_order,
       bool_or(a.is_derived) AS is_derived,
       max(a.value) FILTER (WHERE a.applicant_code = 'natural_person') AS natural_person,
       max(a.value) FILTER (WHERE a.applicant_code = 'commercial')     AS commercial,
       max(a.value) FILTER (WHERE a.applicant_code = 'research')       AS research,
       max(a.value) FILTER (WHERE a.applicant_code = 'social_welfare') AS social_welfare,
       max(a.value) FILTER (WHERE a.applicant_code = 'legal_service')  AS legal_service,
       max(a.value) FILTER (WHERE a.applicant_code = 'other_org')      AS other_org,
       max(a.value) FILTER (WHERE a.applicant_code = 'total')          AS total
FROM v_applications a
LEFT JOIN dim_outcome o ON o.outcome_code = a.outcome_code
GROUP BY ALL;

-- One row per report: the headline counts (总计 column) and the named rates of §8.2.
CREATE OR REPLACE VIEW v_report_summary AS
WITH app AS (
    SELECT report_id,
           max(total) FILTER (WHERE outcome_code = 'received')            AS received_total,
           max(total) FILTER (WHERE outcome_code = 'carried_over')        AS carried_over_total,
           max(total) FILTER (WHERE outcome_code = 'disclosed')           AS disclosed_total,
           max(total) FILTER (WHERE outcome_code = 'partially_disclosed') AS partially_disclosed_total,
           max(total) FILTER (WHERE outcome_code = 'denied')              AS denied_total,
           max(total) FILTER (WHERE outcome_code = 'unavailable')         AS unavailable_total,
           max(total) FILTER (WHERE outcome_code = 'rejected')            AS rejected_total,
           max(total) FILTER (WHERE outcome_code = 'other_total')         AS other_total,
           max(total) FILTER (WHERE outcome_code = 'total_handled')       AS total_handled_total,
           max(total) FILTER (WHERE outcome_code = 'carried_forward')     AS carried_forward_total
    FROM v_applications_wide
    GROUP BY report_id
),
rl AS (
    SELECT report_id,
           max(value) FILTER (WHERE proceeding_code = 'review' AND result_code = 'total')     AS review_total,
           max(value) FILTER (WHERE proceeding_code = 'review' AND result_code = 'corrected') AS review_corrected,
           max(value) FILTER (WHERE proceeding_code = 'review' AND result_code = 'pending')   AS review_pending,
           max(value) FILTER (WHERE proceeding_code = 'litigation_direct' AND result_code = 'total')     AS direct_total,
           max(value) FILTER (WHERE proceeding_code = 'litigation_direct' AND result_code = 'corrected') AS direct_corrected,
           max(value) FILTER (WHERE proceeding_code = 'litigation_direct' AND result_code = 'pending')   AS direct_pending,
           max(value) FILTER (WHERE proceeding_code = 'litigation_after_review' AND result_code = 'total')     AS after_total,
           max(value) FILTER (WHERE proceeding_code = 'litigation_after_review' AND result_code = 'corrected') AS after_corrected,
           max(value) FILTER (WHERE proceeding_code = 'litigation_after_review' AND result_code = 'pending')   AS after_pending
    FROM fact_review_litigation
    GROUP BY report_id
),
dq AS (
    SELECT report_id,
           count(DISTINCT rule_id) FILTER (WHERE NOT passed) AS failed_rules,
           count(*) FILTER (WHERE NOT passed)                AS failed_checks
    FROM dq_result
    GROUP BY report_id
)
SELECT r.report_id, r.agency_id, ag.name AS agency, ag.level AS agency_level, ag.region,
       r.report_year, r.template_version, r.scope,
       app.received_total, app.carried_over_total, app.total_handled_total, app.carried_forward_total,
       app.disclosed_total, app.partially_disclosed_total,
       app.denied_total, app.unavailable_total, app.rejected_total, app.other_total,
       -- 公开率 (Putuo / KGC default): (disclosed + partially_disclosed) / total_handled
       (app.disclosed_total + app.partially_disclosed_total) / NULLIF(app.total_handled_total, 0)
           AS disclosure_rate_handled,
       app.disclosed_total / NULLIF(app.total_handled_total, 0) AS disclosure_rate_strict,
       (app.disclosed_total + app.partially_disclosed_total)
           / NULLIF(app.received_total + app.carried_over_total, 0) AS disclosure_rate_caseload,
       app.carried_forward_total / NULLIF(app.received_total + app.carried_over_total, 0) AS backlog_rate,
       rl.review_total, rl.review_corrected, rl.review_pending,
       -- 复议纠错率: corrected / closed cases; the _total variant (KGC default) divides by all cases
       rl.review_corrected / NULLIF(rl.review_total - rl.review_pending, 0) AS review_correction_rate_closed,
       rl.review_corrected / NULLIF(rl.review_total, 0) AS review_correction_rate_total,
       rl.direct_total + rl.after_total AS litigation_total,
       -- 败诉率: corrected over closed cases, both litigation proceedings together
       (rl.direct_corrected + rl.after_corrected)
           / NULLIF(rl.direct_total + rl.after_total - rl.direct_pending - rl.after_pending, 0)
           AS litigation_loss_rate,
       (rl.review_total + rl.direct_total + rl.after_total) / NULLIF(app.received_total, 0)
           AS dispute_intensity,
       r.dq_status, r.extract_status,
       coalesce(dq.failed_rules, 0) AS failed_rules,
       coalesce(dq.failed_checks, 0) AS failed_checks,
       r.source_uri
FROM dim_report r
LEFT JOIN dim_agency ag ON ag.agency_id = r.agency_id
LEFT JOIN app ON app.report_id = r.report_id
LEFT JOIN rl ON rl.report_id = r.report_id
LEFT JOIN dq ON dq.report_id = r.report_id;

-- Every failed check: which report (agency, year, source) and which cells disagree, by how much.
CREATE OR REPLACE VIEW v_dq_failures AS
SELECT d.report_id, ag.name AS agency, r.report_year, r.source_uri, r.sha256,
       d.rule_id, ru.description, d.severity, d.role, d.column_code,
       d.lhs, d.rhs, d.lhs - d.rhs AS difference, d.run_id
FROM dq_result d
JOIN dim_report r ON r.report_id = d.report_id
LEFT JOIN dim_agency ag ON ag.agency_id = r.agency_id
LEFT JOIN dim_rule ru ON ru.rule_id = d.rule_id
WHERE NOT d.passed;
