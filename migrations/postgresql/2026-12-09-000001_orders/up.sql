-- Orders to service providers (Second Additional Protocol, arts. 6-9, and domestic
-- production orders). A legal basis that covers orders says how in `order_rules`
-- (JSON: the order types it covers, who approves, whether the provider's state is
-- notified and for how long it may object, production days per order type); its
-- acknowledge/execute columns are the provider's days to acknowledge and produce,
-- its emergency columns the same in hours.
ALTER TABLE legal_bases ADD COLUMN order_rules TEXT;
-- Art. 7(5)(a): a state may require notice of the orders its providers are given.
ALTER TABLE countries ADD COLUMN order_notice_required BOOLEAN NOT NULL DEFAULT FALSE;

INSERT INTO legal_bases (code, name, request_types, required_fields, dual_criminality_required,
    acknowledge_days, decide_days, decide_extension_days, execute_days, preservation_days,
    preservation_extension_days, emergency_acknowledge_hours, emergency_decide_hours,
    emergency_execute_hours, notes, created_at, updated_at, order_rules) VALUES
('budapest-2p-6', 'Second Additional Protocol, art. 6: request for domain name registration information',
    '["order"]', '["summary_of_facts","data_sought"]',
    FALSE, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    'A registrar in another party is asked directly. The Protocol sets no time limit: none is tracked.',
    (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC'),
    '{"order_types":["domain_registration"],"approver":"prosecutor","notice":"never","objection_days":null,"produce_days_by_type":[]}'),
('budapest-2p-7', 'Second Additional Protocol, art. 7: disclosure of subscriber information',
    '["order"]', '["summary_of_facts","data_sought"]',
    FALSE, 5, NULL, NULL, 30, NULL, NULL, NULL, NULL, NULL,
    'An order to a provider in another party, issued by or under the supervision of a prosecutor or other judicial authority. The provider''s party may require notice (art. 7(5)(a)) and consult; the service holds production for 10 days after notice and tracks 5 days to acknowledge and 30 to produce: the region''s defaults, where the Protocol asks for no undue delay.',
    (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC'),
    '{"order_types":["subscriber_information"],"approver":"prosecutor","notice":"where_required","objection_days":10,"produce_days_by_type":[]}'),
('budapest-2p-8', 'Second Additional Protocol, art. 8: giving effect to orders for subscriber information and traffic data',
    '["order"]', '["summary_of_facts","data_sought"]',
    FALSE, NULL, NULL, NULL, 45, NULL, NULL, NULL, NULL, NULL,
    'The order is given effect through the provider''s party''s authorities, which are always notified and may refuse until the data is produced; the data is returned within 20 days for subscriber information and 45 days for traffic data (art. 8(6)).',
    (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC'),
    '{"order_types":["subscriber_information","traffic_data"],"approver":"judge","notice":"always","objection_days":null,"produce_days_by_type":[{"order_type":"subscriber_information","produce_days":20}]}'),
('budapest-2p-9', 'Second Additional Protocol, art. 9: expedited disclosure of stored computer data in an emergency',
    '["order"]', '["summary_of_facts","data_sought","urgency_reasons"]',
    FALSE, NULL, NULL, NULL, NULL, NULL, NULL, 1, NULL, 8,
    'An emergency (a significant and imminent risk to the life or safety of a person), through the 24/7 network; the provider''s party is always notified. 1 hour to acknowledge and 8 to produce, as the EU''s e-Evidence Regulation sets for emergencies.',
    (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC'),
    '{"order_types":["emergency_disclosure"],"approver":"prosecutor","notice":"always","objection_days":null,"produce_days_by_type":[]}'),
('domestic-production', 'Domestic production order',
    '["order"]', '["summary_of_facts","data_sought"]',
    FALSE, 2, NULL, NULL, 10, NULL, NULL, 1, NULL, 8,
    'A production order of the requesting state''s own law, made by a judge. Notice goes to the provider''s state where that state requires it, with 10 days to object. 10 days to produce, 8 hours in an emergency, as the EU''s e-Evidence Regulation sets.',
    (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC'),
    '{"order_types":["subscriber_information","domain_registration","traffic_data","content_data","emergency_disclosure","preservation"],"approver":"judge","notice":"where_required","objection_days":10,"produce_days_by_type":[]}');

-- Orders: drafted by a case team, approved, sent to a provider; what the service
-- filters on has a column, what the order asks (the data sought, the facts, the
-- reasons for urgency) is one JSON object, fixed once approved. The deadlines are
-- set when it is sent; `notified` says whether the provider's state was notified,
-- `objection_by` until when it may object (NULL: until the order is answered).
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    case_id TEXT NOT NULL REFERENCES cases (id),
    requesting_agency_id TEXT NOT NULL REFERENCES agencies (id),
    requesting_country TEXT NOT NULL REFERENCES countries (code),
    provider_id TEXT NOT NULL REFERENCES agencies (id),
    provider_country TEXT NOT NULL REFERENCES countries (code),
    order_type TEXT NOT NULL,
    legal_basis TEXT NOT NULL REFERENCES legal_bases (code),
    urgency TEXT NOT NULL,
    content TEXT NOT NULL,
    status TEXT NOT NULL,
    notified BOOLEAN NOT NULL,
    authorisation TEXT,
    sent_at TIMESTAMP,
    objection_by TIMESTAMP,
    acknowledge_by TIMESTAMP,
    produce_by TIMESTAMP,
    acknowledged_at TIMESTAMP,
    answered_at TIMESTAMP,
    version INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    last_hash TEXT,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX orders_case ON orders (case_id, id);
CREATE INDEX orders_requesting ON orders (requesting_agency_id, id);
CREATE INDEX orders_provider ON orders (provider_id, id);
CREATE INDEX orders_provider_country ON orders (provider_country, id);

-- Gapless order numbers per requesting country and year (JM-ORD-2026-000001).
CREATE TABLE order_counters (
    country TEXT NOT NULL,
    year INTEGER NOT NULL,
    last_value INTEGER NOT NULL,
    PRIMARY KEY (country, year)
);
