-- Question: which reports' numbers cannot be trusted, and exactly which cells disagree?
-- One row per failed check: the rule, where it was applied (applicant column, section 三 row,
-- section 四 proceeding or cell), both sides of the identity and the difference; errors first.
SELECT agency, report_year, source_uri, severity, rule_id, column_code, lhs, rhs, difference, description
FROM v_dq_failures
ORDER BY severity = 'error' DESC, agency, report_year, rule_id, column_code;
