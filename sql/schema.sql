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

-- One issuing body across the names its reports print (pipelines/bodies.py): the key is the canonical
-- name, places completed from the reports' own text (洪泽区人民政府 whose report prints 淮安市洪泽区 is
-- 淮安市洪泽区人民政府). Each place column is NULL when no report of the body prints it.
CREATE TABLE IF NOT EXISTS dim_agency (
    agency_id       VARCHAR PRIMARY KEY,   -- first 16 hex digits of sha256(name)
    name            VARCHAR NOT NULL,      -- canonical: lowest places + organisation (淮安市洪泽区人民政府)
    name_normalized VARCHAR NOT NULL,      -- NFKC, whitespace removed
    level           VARCHAR NOT NULL,      -- province | prefecture | county | township | department | unknown
    province        VARCHAR,               -- 省 / 自治区, or one of the four province-level cities (天津市)
    prefecture      VARCHAR,               -- the city (地级市, 自治州, 盟, 地区) the body is in or is
    county          VARCHAR                -- the county-level place (区, 县, 旗, county-level 市) it is in or is
);

CREATE TABLE IF NOT EXISTS dim_report (
    report_id        VARCHAR PRIMARY KEY,
    agency_id        VARCHAR,              -- NULL when the agency could not be read
    agency_name      VARCHAR,              -- the body's name as this report prints it
    report_year      INTEGER,
    template_version VARCHAR,              -- '2019' | '2021'
    scope            VARCHAR,              -- self | jurisdiction_aggregate | unknown
    source_uri       VARCHAR NOT NULL,
    sha256           VARCHAR NOT NULL,
    media_type       VARCHAR,
    encoding         VARCHAR,
    published_date   DATE,                 -- the signing date printed at the end of the report
    first_seen       TIMESTAMP,            -- UTC; when the landing zone first fetched these bytes
    parser_version   VARCHAR,
    dq_status        VARCHAR NOT NULL,     -- 'failed' if an error-severity check failed, else 'passed'
    extract_status   VARCHAR NOT NULL,     -- 'complete' | 'partial' (see unread_row for what was not read)
    status_proactive          VARCHAR NOT NULL,  -- per section: read | partial | not_read | absent
    status_applications       VARCHAR NOT NULL,
    status_review_litigation  VARCHAR NOT NULL,
    content_hash     VARCHAR NOT NULL,     -- hash of everything loaded for the report; equal hash = no-op reload
    loaded_at        TIMESTAMP NOT NULL,   -- UTC; changes only when content_hash changes
    -- Report identity (pipelines/identity.py): one current report per body, year and scope.
    status           VARCHAR NOT NULL DEFAULT 'current',  -- current | superseded | retired
    superseded_by    VARCHAR,              -- the current report of the same identity, when superseded
    status_reason    VARCHAR,              -- why: which date made the other one newer, or that the source vanished
    status_since     TIMESTAMP,            -- UTC; when the status last changed
    retired_at       TIMESTAMP             -- UTC; set while no source serves these bytes
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
    severity    VARCHAR NOT NULL,          -- error (hard rule) | warning (soft rule)
    along       VARCHAR NOT NULL,          -- applicant | outcome | proceeding | cell | item | statement
    comparison  VARCHAR NOT NULL,          -- equal | non_negative
    kind        VARCHAR NOT NULL,          -- report | cross_year | narrative
    title_zh    VARCHAR NOT NULL           -- the rule in a few Chinese words
);

-- Which cells each balance identity adds up, per template version: the identity lhs − rhs = 0 with
-- each cell's coefficient (+1 / −1). v_dq_localisation reads it to find the one wrong cell.
CREATE TABLE IF NOT EXISTS dim_rule_cell (
    template    VARCHAR NOT NULL,
    rule_id     VARCHAR NOT NULL,
    column_code VARCHAR NOT NULL,          -- the place, as in dq_result
    grp         VARCHAR NOT NULL,          -- identities that share cells: applications, or one proceeding
    section     VARCHAR NOT NULL,          -- applications | review_litigation
    row_code    VARCHAR NOT NULL,          -- outcome_code / proceeding_code
    col_code    VARCHAR NOT NULL,          -- applicant_code / result_code
    coeff       INTEGER NOT NULL,
    PRIMARY KEY (template, rule_id, column_code, row_code, col_code)
);

-- Facts -------------------------------------------------------------------------------------------
-- The facts, fact_narrative and dq_result have no primary key: their keys (report and codes) are
-- checked unique by the loader (pipelines/load.py KEYS). An index made the file nine times larger
-- and the load twice as slow, and no query looks rows up by key.

CREATE TABLE IF NOT EXISTS fact_application (
    report_id      VARCHAR NOT NULL,
    outcome_code   VARCHAR NOT NULL,
    applicant_code VARCHAR NOT NULL,
    value          BIGINT,
    raw_text       VARCHAR,
    ref            VARCHAR,
    method         VARCHAR NOT NULL,       -- read | annotated | split | position (see README)
    note           VARCHAR                 -- the note printed in the cell after its number (annotated)
);

CREATE TABLE IF NOT EXISTS fact_proactive (
    report_id   VARCHAR NOT NULL,
    item_code   VARCHAR NOT NULL,
    metric_code VARCHAR NOT NULL,
    value       DECIMAL(18, 2),
    raw_text    VARCHAR,
    ref         VARCHAR,
    method      VARCHAR NOT NULL,
    note        VARCHAR
);

CREATE TABLE IF NOT EXISTS fact_review_litigation (
    report_id       VARCHAR NOT NULL,
    proceeding_code VARCHAR NOT NULL,
    result_code     VARCHAR NOT NULL,
    value           BIGINT,
    raw_text        VARCHAR,
    ref             VARCHAR,
    method          VARCHAR NOT NULL,
    note            VARCHAR
);

-- Numbers the prose states plainly (pipelines/narrative.py), for the narrative soft rule.
CREATE TABLE IF NOT EXISTS fact_narrative (
    report_id      VARCHAR NOT NULL,
    statement_code VARCHAR NOT NULL,       -- received | carried_over | total_handled | carried_forward | review | litigation
    value          BIGINT NOT NULL,
    ref            VARCHAR,                -- where the statement starts
    excerpt        VARCHAR                 -- the words around it
);

-- Data quality and failures -----------------------------------------------------------------------

-- Report rules are loaded with their report; warehouse rules (cross-year, narrative) are recomputed
-- over the current reports on every run. Every row is judged by the GX suites once and its verdict
-- kept until its sides change or the rules do (meta.rules_fingerprint).
CREATE TABLE IF NOT EXISTS dq_result (
    report_id   VARCHAR NOT NULL,
    rule_id     VARCHAR NOT NULL,
    column_code VARCHAR NOT NULL,          -- the place the rule was applied (column, row, proceeding, cell, item, statement)
    lhs         DECIMAL(18, 2),
    rhs         DECIMAL(18, 2),
    passed      BOOLEAN,                   -- NULL when no suite judges the rule
    severity    VARCHAR NOT NULL,
    role        VARCHAR NOT NULL,          -- 'tested', or 'used': the identity was used to read the report
                                           -- (to cut a digit run or place a row), so it holds by construction
    run_id      VARCHAR NOT NULL,          -- the run that last judged the row
    related_report_id VARCHAR              -- cross-year rules: the same body's report of the year before
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

-- One row per run: what the warehouse held and how much of it failed, so trends can be drawn.
CREATE TABLE IF NOT EXISTS dq_run (
    run_id             VARCHAR PRIMARY KEY,
    finished_at        TIMESTAMP NOT NULL, -- UTC
    rules_fingerprint  VARCHAR NOT NULL,
    reports_loaded     INTEGER NOT NULL,   -- written this run (new or changed)
    checks_judged      BIGINT NOT NULL,    -- check rows GX judged this run (the rest kept their verdict)
    reports_current    INTEGER NOT NULL,
    reports_superseded INTEGER NOT NULL,
    reports_retired    INTEGER NOT NULL,
    reports_failed     INTEGER NOT NULL,   -- current reports failing a hard rule
    reports_warned     INTEGER NOT NULL,   -- current reports failing a soft rule
    documents_failed   INTEGER NOT NULL    -- documents that could not be read (not retired)
);

-- Run × rule, over the current reports.
CREATE TABLE IF NOT EXISTS dq_run_rule (
    run_id          VARCHAR NOT NULL,
    rule_id         VARCHAR NOT NULL,
    severity        VARCHAR NOT NULL,
    reports_checked INTEGER NOT NULL,
    reports_failed  INTEGER NOT NULL,
    checks_failed   INTEGER NOT NULL,
    PRIMARY KEY (run_id, rule_id)
);

CREATE TABLE IF NOT EXISTS ingest_error (
    source_uri VARCHAR NOT NULL,
    sha256     VARCHAR NOT NULL,           -- '' when the bytes were never obtained
    stage      VARCHAR NOT NULL,
    error      VARCHAR NOT NULL,
    first_seen TIMESTAMP NOT NULL,         -- UTC
    last_seen  TIMESTAMP NOT NULL,         -- UTC
    retired_at TIMESTAMP,                  -- UTC; set while the document is no longer served (or the source fetches again)
    PRIMARY KEY (source_uri, sha256, stage)
);

-- The parser version a document failed with (NULL for fetch failures): a failed document is not
-- extracted again until its bytes or the parser version change.
ALTER TABLE ingest_error ADD COLUMN IF NOT EXISTS parser_version VARCHAR;
