-- xxgk warehouse: star schema (docs/design.md "Star schema"). Applied by pipelines.load.connect on every
-- open, so every statement is idempotent. Codes come from pipelines/template.py; the dimensions are
-- rebuilt from it by the loader. Values: counts BIGINT, money DECIMAL(18,2) yuan, NULL = not
-- reported or unreadable (never 0); raw_text keeps the cell as printed, ref points back into the
-- source document. No foreign keys: DuckDB cannot delete a referenced row, and the loader replaces a
-- report's rows in one transaction, so it keeps the references itself.

CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

-- Dimensions --------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS dim_agency (
    agency_id       VARCHAR PRIMARY KEY,   -- first 16 hex digits of sha256(name_normalized)
    name            VARCHAR NOT NULL,      -- as printed (the smallest spelling seen, so load order does not matter)
    name_normalized VARCHAR NOT NULL,      -- NFKC, whitespace removed
    level           VARCHAR NOT NULL,      -- province | prefecture | county | township | department | unknown
    region          VARCHAR                -- leading place name (e.g. 淮安市), NULL when none is evident
);

CREATE TABLE IF NOT EXISTS dim_report (
    report_id        VARCHAR PRIMARY KEY,
    agency_id        VARCHAR,              -- NULL when the agency could not be read
    report_year      INTEGER,
    template_version VARCHAR,              -- '2019' | '2021'
    scope            VARCHAR,
    source_uri       VARCHAR NOT NULL,
    sha256           VARCHAR NOT NULL,
    media_type       VARCHAR,
    encoding         VARCHAR,
    published_date   DATE,
    parser_version   VARCHAR,
    dq_status        VARCHAR NOT NULL,     -- 'failed' if an error-severity check failed, else 'passed'
    extract_status   VARCHAR NOT NULL,     -- 'complete' | 'partial' (see unread_row for what was not read)
    status_proactive          VARCHAR NOT NULL,  -- per section: read | partial | not_read | absent
    status_applications       VARCHAR NOT NULL,
    status_review_litigation  VARCHAR NOT NULL,
    content_hash     VARCHAR NOT NULL,     -- hash of everything loaded for the report; equal hash = no-op reload
    loaded_at        TIMESTAMP NOT NULL    -- UTC; changes only when content_hash changes
);

CREATE TABLE IF NOT EXISTS dim_outcome (
    outcome_code VARCHAR PRIMARY KEY,
    group_code   VARCHAR,                  -- parent group (results, denied, unavailable, rejected, other_total)
    label_zh     VARCHAR NOT NULL,
    label_en     VARCHAR NOT NULL,
    is_leaf      BOOLEAN NOT NULL,         -- false for group rows (no data of their own; derived in views)
    templates    VARCHAR[] NOT NULL,       -- template versions that print the row
    sort_order   INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS dim_applicant (
    applicant_code VARCHAR PRIMARY KEY,
    label_zh       VARCHAR NOT NULL,
    label_en       VARCHAR NOT NULL,
    is_org         BOOLEAN NOT NULL,       -- one of the five 法人或其他组织 columns
    sort_order     INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS dim_proactive_metric (
    item_code       VARCHAR NOT NULL,
    metric_code     VARCHAR NOT NULL,
    label_zh        VARCHAR NOT NULL,      -- item label / metric label
    label_en        VARCHAR NOT NULL,
    unit            VARCHAR NOT NULL,      -- 件 | 项 | 元
    may_be_negative BOOLEAN NOT NULL,
    templates       VARCHAR[] NOT NULL,    -- shared pairs (e.g. licensing × decisions) list both
    sort_order      INTEGER NOT NULL,
    PRIMARY KEY (item_code, metric_code)
);

CREATE TABLE IF NOT EXISTS dim_proceeding (
    proceeding_code VARCHAR PRIMARY KEY,
    label_zh        VARCHAR NOT NULL,
    label_en        VARCHAR NOT NULL,
    is_litigation   BOOLEAN NOT NULL,
    sort_order      INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS dim_result (
    result_code VARCHAR PRIMARY KEY,
    label_zh    VARCHAR NOT NULL,
    label_en    VARCHAR NOT NULL,
    sort_order  INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS dim_rule (
    rule_id     VARCHAR PRIMARY KEY,
    description VARCHAR NOT NULL,
    severity    VARCHAR NOT NULL,          -- error | warning
    along       VARCHAR NOT NULL,          -- applicant | outcome | proceeding | cell
    comparison  VARCHAR NOT NULL           -- equal | non_negative
);

-- Facts -------------------------------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS fact_application (
    report_id      VARCHAR NOT NULL,
    outcome_code   VARCHAR NOT NULL,
    applicant_code VARCHAR NOT NULL,
    value          BIGINT,
    raw_text       VARCHAR,
    ref            VARCHAR,
    method         VARCHAR NOT NULL,       -- read | annotated | split | position (see README)
    note           VARCHAR,                -- the note printed in the cell after its number (annotated)
    PRIMARY KEY (report_id, outcome_code, applicant_code)
);

CREATE TABLE IF NOT EXISTS fact_proactive (
    report_id   VARCHAR NOT NULL,
    item_code   VARCHAR NOT NULL,
    metric_code VARCHAR NOT NULL,
    value       DECIMAL(18, 2),
    raw_text    VARCHAR,
    ref         VARCHAR,
    method      VARCHAR NOT NULL,
    note        VARCHAR,
    PRIMARY KEY (report_id, item_code, metric_code)
);

CREATE TABLE IF NOT EXISTS fact_review_litigation (
    report_id       VARCHAR NOT NULL,
    proceeding_code VARCHAR NOT NULL,
    result_code     VARCHAR NOT NULL,
    value           BIGINT,
    raw_text        VARCHAR,
    ref             VARCHAR,
    method          VARCHAR NOT NULL,
    note            VARCHAR,
    PRIMARY KEY (report_id, proceeding_code, result_code)
);

-- Data quality and failures -----------------------------------------------------------------------

CREATE TABLE IF NOT EXISTS dq_result (
    report_id   VARCHAR NOT NULL,
    rule_id     VARCHAR NOT NULL,
    column_code VARCHAR NOT NULL,          -- the place the rule was applied (column, row, proceeding, cell)
    lhs         DECIMAL(18, 2),
    rhs         DECIMAL(18, 2),
    passed      BOOLEAN,                   -- NULL when a side could not be computed
    severity    VARCHAR NOT NULL,
    role        VARCHAR NOT NULL,          -- 'tested', or 'used': the identity was used to read the report
                                           -- (to cut a digit run or place a row), so it holds by construction
    run_id      VARCHAR NOT NULL,          -- the run that last changed the report's rows
    PRIMARY KEY (report_id, rule_id, column_code)
);

-- What a partial report could not read: a section 三 row or section 二 item (row_code), or a whole
-- section (row_code NULL), with the reason and, where the arithmetic left several readings, those.
CREATE TABLE IF NOT EXISTS unread_row (
    report_id  VARCHAR NOT NULL,
    section    VARCHAR NOT NULL,           -- proactive | applications | review_litigation
    row_code   VARCHAR,
    reason     VARCHAR NOT NULL,
    candidates VARCHAR                     -- JSON list of the possible readings (cell texts), or NULL
);

CREATE TABLE IF NOT EXISTS ingest_error (
    source_uri VARCHAR NOT NULL,
    sha256     VARCHAR NOT NULL,           -- '' when the bytes were never obtained
    stage      VARCHAR NOT NULL,
    error      VARCHAR NOT NULL,
    first_seen TIMESTAMP NOT NULL,         -- UTC
    last_seen  TIMESTAMP NOT NULL,         -- UTC
    PRIMARY KEY (source_uri, sha256, stage)
);

-- The parser version a document failed with (NULL for fetch failures): a failed document is not
-- extracted again until its bytes or the parser version change.
ALTER TABLE ingest_error ADD COLUMN IF NOT EXISTS parser_version VARCHAR;
