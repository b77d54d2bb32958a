-- Question: how many information-disclosure requests did each agency receive per year, who applied,
-- and how did the volume change on the previous year (same agency and same scope only, docs/template.md §8.2)?
WITH received AS (
    SELECT s.agency_id, s.agency, s.region, s.scope, s.report_year, s.received_total,
           w.natural_person, w.total - w.natural_person AS organisations,
           s.dq_status
    FROM v_report_summary s
    JOIN v_applications_wide w ON w.report_id = s.report_id AND w.outcome_code = 'received'
)
SELECT agency, region, scope, report_year, received_total, natural_person, organisations,
       natural_person / NULLIF(received_total, 0) AS natural_person_share,
       received_total - lag(received_total) OVER same_agency AS change_on_previous_year,
       lag(report_year) OVER same_agency AS previous_year,
       dq_status
FROM received
WINDOW same_agency AS (PARTITION BY agency_id, scope ORDER BY report_year)
ORDER BY agency, scope, report_year;
