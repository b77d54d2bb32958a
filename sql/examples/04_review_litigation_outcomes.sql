-- Question: how do administrative reviews and lawsuits about disclosure end, per agency and year?
-- The fifteen section 四 cells side by side, with the correction and loss rates of docs/template.md §8.2.
WITH cases AS (
    SELECT report_id, proceeding_code,
           max(value) FILTER (WHERE result_code = 'upheld')    AS upheld,
           max(value) FILTER (WHERE result_code = 'corrected') AS corrected,
           max(value) FILTER (WHERE result_code = 'other')     AS other,
           max(value) FILTER (WHERE result_code = 'pending')   AS pending,
           max(value) FILTER (WHERE result_code = 'total')     AS total
    FROM fact_review_litigation
    GROUP BY ALL
)
SELECT s.agency, s.report_year, p.label_zh AS proceeding, c.upheld, c.corrected, c.other, c.pending, c.total,
       c.corrected / NULLIF(c.total - c.pending, 0) AS corrected_share_of_closed,
       s.review_correction_rate_closed, s.review_correction_rate_total, s.litigation_loss_rate,
       s.dispute_intensity
FROM cases c
JOIN v_report_summary s ON s.report_id = c.report_id
JOIN dim_proceeding p ON p.proceeding_code = c.proceeding_code
ORDER BY s.agency, s.report_year, p.sort_order;
