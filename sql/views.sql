-- xxgk warehouse: analyst views. The named rates of docs/template.md §8.2 are computed here, at
-- query time, so every analyst uses the same formula. A rate is NULL when its denominator is 0 or
-- any of its counts is NULL (not reported / unreadable); NULL is never read as 0. The views show
-- current reports only (dim_report.status = 'current': one per body, year and scope); superseded
-- and retired reports stay in the tables and in v_report_versions.

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
SELECT f.report_id, f.outcome_code, f.applicant_code, f.value, false AS is_derived, f.method
FROM fact_application f
SEMI JOIN dim_report r ON r.report_id = f.report_id AND r.status = 'current'
UNION ALL
SELECT d.report_id, d.outcome_code, d.applicant_code, d.value, true AS is_derived, d.method
FROM derived d
SEMI JOIN dim_report r ON r.report_id = d.report_id AND r.status = 'current'
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
SELECT r.report_id, r.agency_id, ag.name AS agency, r.agency_name AS agency_printed, ag.level AS agency_level,
       ag.province, ag.prefecture, ag.county,
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
LEFT JOIN dq ON dq.report_id = r.report_id
WHERE r.status = 'current';

-- Every failed check of a current report: which report (agency, year, source) and which cells
-- disagree, by how much; soft rules (severity 'warning') too. A cross-year check names the report
-- of the year before it compared with (related_report_id).
CREATE OR REPLACE VIEW v_dq_failures AS
SELECT d.report_id, ag.name AS agency, r.report_year, r.source_uri, r.sha256,
       d.rule_id, ru.description, d.severity, d.role, d.column_code,
       d.lhs, d.rhs, d.lhs - d.rhs AS difference, d.related_report_id, d.run_id
FROM dq_result d
JOIN dim_report r ON r.report_id = d.report_id AND r.status = 'current'
LEFT JOIN dim_agency ag ON ag.agency_id = r.agency_id
LEFT JOIN dim_rule ru ON ru.rule_id = d.rule_id
WHERE NOT d.passed;

-- Every report ever loaded, current or not: which one of a body, year and scope is current, and why
-- the others are not (superseded by a newer version, or retired because no source serves it).
CREATE OR REPLACE VIEW v_report_versions AS
SELECT r.report_id, ag.name AS agency, r.agency_name AS agency_printed, r.report_year, r.scope,
       r.status, r.superseded_by, r.status_reason, r.status_since, r.published_date, r.first_seen,
       r.retired_at, r.dq_status, r.source_uri, r.sha256
FROM dim_report r
LEFT JOIN dim_agency ag ON ag.agency_id = r.agency_id;

-- The names each body's reports print (aliases), with the years they print them.
CREATE OR REPLACE VIEW v_agency_aliases AS
SELECT ag.agency_id, ag.name, r.agency_name AS alias, min(r.report_year) AS first_year,
       max(r.report_year) AS last_year, count(*) AS reports
FROM dim_report r
JOIN dim_agency ag ON ag.agency_id = r.agency_id
WHERE r.agency_name IS NOT NULL
GROUP BY ALL;

-- The same body's current report of the year before: scopes must agree ('unknown' agrees with any);
-- the one of the same scope wins, else the only one; none when that leaves a choice.
CREATE OR REPLACE VIEW v_previous_report AS
WITH cur AS (
    SELECT report_id, agency_id, report_year, scope FROM dim_report
    WHERE status = 'current' AND agency_id IS NOT NULL AND report_year IS NOT NULL
),
pairs AS (
    SELECT b.report_id, a.report_id AS previous_id, a.scope = b.scope AS same_scope
    FROM cur b JOIN cur a ON a.agency_id = b.agency_id AND a.report_year = b.report_year - 1
        AND (a.scope = b.scope OR 'unknown' IN (a.scope, b.scope))
)
SELECT report_id,
       CASE WHEN count(*) FILTER (WHERE same_scope) = 1 THEN max(previous_id) FILTER (WHERE same_scope)
            WHEN count(*) = 1 THEN max(previous_id) END AS previous_id
FROM pairs GROUP BY report_id;

-- Year on year, per body: this year's headline counts next to the year before's.
CREATE OR REPLACE VIEW v_year_over_year AS
SELECT s.agency_id, s.agency, s.scope, s.report_year, p.report_year AS previous_year,
       s.received_total, p.received_total AS previous_received_total,
       s.received_total - p.received_total AS received_change,
       (s.received_total - p.received_total) / NULLIF(p.received_total, 0) AS received_change_rate,
       s.total_handled_total, p.total_handled_total AS previous_total_handled_total,
       s.carried_over_total, p.carried_forward_total AS previous_carried_forward_total,
       s.review_total, p.review_total AS previous_review_total,
       s.litigation_total, p.litigation_total AS previous_litigation_total,
       s.report_id, p.report_id AS previous_report_id
FROM v_report_summary s
JOIN v_previous_report v ON v.report_id = s.report_id AND v.previous_id IS NOT NULL
JOIN v_report_summary p ON p.report_id = v.previous_id;

-- The likely wrong cell of each current report's failed balance identities, per group of identities
-- that share cells (section 三; each section 四 proceeding). A cell explains the failures when every
-- identity it enters fails, every failed identity of its group contains it, one change δ to it
-- satisfies them all (δ = −(lhs − rhs) / coefficient) and the corrected value is not negative.
-- verdict: 'located' (exactly one such cell: row_code, col_code, value, corrected_value), 'ambiguous'
-- (several: candidate_cells, no guess), 'unexplained' (none: more than one cell is wrong).
CREATE OR REPLACE VIEW v_dq_localisation AS
WITH failed AS (
    SELECT d.report_id, r.template_version AS template, c.grp, d.rule_id, d.column_code
    FROM dq_result d
    JOIN dim_report r ON r.report_id = d.report_id AND r.status = 'current'
    JOIN (SELECT DISTINCT template, rule_id, column_code, grp FROM dim_rule_cell) c
        ON c.template = r.template_version AND c.rule_id = d.rule_id AND c.column_code = d.column_code
    WHERE NOT d.passed
),
groups AS (
    SELECT report_id, template, grp, count(*) AS failed_identities FROM failed GROUP BY ALL
),
cells AS (  -- of the reports with a failing group only (the whole tables would not fit the memory limit)
    SELECT report_id, 'applications' AS section, outcome_code AS row_code, applicant_code AS col_code,
           value, ref FROM fact_application WHERE report_id IN (SELECT report_id FROM groups)
    UNION ALL
    SELECT report_id, 'review_litigation', proceeding_code, result_code, value, ref FROM fact_review_litigation
    WHERE report_id IN (SELECT report_id FROM groups)
),
entered AS (  -- every judged identity each cell of a failing group enters
    SELECT g.report_id, g.grp, g.failed_identities, c.section, c.row_code, c.col_code, d.passed,
           -(d.lhs - d.rhs) / c.coeff AS delta
    FROM groups g
    JOIN dim_rule_cell c ON c.template = g.template AND c.grp = g.grp
    JOIN (SELECT * FROM dq_result WHERE report_id IN (SELECT report_id FROM groups)) d  -- failing reports' rows
        ON d.report_id = g.report_id AND d.rule_id = c.rule_id AND d.column_code = c.column_code
),
candidates AS (
    SELECT e.report_id, e.grp, e.section, e.row_code, e.col_code, any_value(e.failed_identities) AS failed_identities,
           max(e.delta) AS delta, any_value(v.value) AS value, any_value(v.ref) AS ref
    FROM entered e
    JOIN cells v ON v.report_id = e.report_id AND v.section = e.section AND v.row_code = e.row_code
        AND v.col_code = e.col_code
    WHERE v.value IS NOT NULL
    GROUP BY e.report_id, e.grp, e.section, e.row_code, e.col_code
    HAVING bool_and(NOT e.passed) AND count(*) = any_value(e.failed_identities)
       AND count(DISTINCT e.delta) = 1 AND any_value(v.value) + max(e.delta) >= 0
)
SELECT g.report_id, g.grp, g.failed_identities,
       CASE count(c.row_code) WHEN 0 THEN 'unexplained' WHEN 1 THEN 'located' ELSE 'ambiguous' END AS verdict,
       count(c.row_code) AS candidates,
       CASE WHEN count(c.row_code) = 1 THEN any_value(c.section) END AS section,
       CASE WHEN count(c.row_code) = 1 THEN any_value(c.row_code) END AS row_code,
       CASE WHEN count(c.row_code) = 1 THEN any_value(c.col_code) END AS col_code,
       CASE WHEN count(c.row_code) = 1 THEN any_value(c.value) END AS value,
       CASE WHEN count(c.row_code) = 1 THEN any_value(c.value + c.delta) END::BIGINT AS corrected_value,
       CASE WHEN count(c.row_code) = 1 THEN any_value(c.ref) END AS ref,
       list(c.row_code || '.' || c.col_code || ' → ' || CAST((c.value + c.delta)::BIGINT AS VARCHAR)
            ORDER BY c.row_code, c.col_code) FILTER (WHERE c.row_code IS NOT NULL) AS candidate_cells
FROM groups g
LEFT JOIN candidates c ON c.report_id = g.report_id AND c.grp = g.grp
GROUP BY g.report_id, g.grp, g.failed_identities;
