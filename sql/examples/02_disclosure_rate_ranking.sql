-- Question: which agencies disclose the largest share of what they handle, year by year?
-- Ranks reports by disclosure_rate_handled = (disclosed + partially_disclosed) / total_handled,
-- shows the strict variant beside it, and leaves out reports whose numbers fail a hard rule and
-- agencies with too few requests for a rate to mean much.
SELECT report_year, agency, agency_level, total_handled_total,
       round(disclosure_rate_handled, 4) AS disclosure_rate_handled,
       round(disclosure_rate_strict, 4) AS disclosure_rate_strict,
       rank() OVER (PARTITION BY report_year ORDER BY disclosure_rate_handled DESC) AS rank_in_year
FROM v_report_summary
WHERE dq_status = 'passed'
  AND total_handled_total >= 20
  AND disclosure_rate_handled IS NOT NULL
ORDER BY report_year, rank_in_year, agency;
