-- Mutual legal assistance requests. What the service filters and joins on has a
-- column; the rest of a request's content (facts, offences, subjects, data sought,
-- contacts...) is one JSON object, frozen once the request is submitted.
CREATE TABLE mla_requests (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    case_id TEXT NOT NULL REFERENCES cases (id),
    requesting_agency_id TEXT NOT NULL REFERENCES agencies (id),
    requesting_country TEXT NOT NULL REFERENCES countries (code),
    requested_country TEXT NOT NULL REFERENCES countries (code),
    legal_basis TEXT NOT NULL REFERENCES legal_bases (code),
    urgency TEXT NOT NULL,
    wanted_by TEXT,
    content TEXT NOT NULL,
    status TEXT NOT NULL,
    their_reference TEXT,
    submitted_at TIMESTAMP,
    version INTEGER NOT NULL,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX mla_requests_requesting ON mla_requests (requesting_agency_id, id);
CREATE INDEX mla_requests_requesting_country ON mla_requests (requesting_country, id);
CREATE INDEX mla_requests_requested_country ON mla_requests (requested_country, status, id);
CREATE INDEX mla_requests_case ON mla_requests (case_id);

-- Gapless request numbers per requesting country and year (JM-MLA-2026-000007).
CREATE TABLE mla_request_counters (
    country TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_value INTEGER NOT NULL,
    PRIMARY KEY (country, year)
);
