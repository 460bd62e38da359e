DROP TABLE order_counters;
DROP TABLE orders;
DELETE FROM legal_bases WHERE code IN ('budapest-2p-6', 'budapest-2p-7', 'budapest-2p-8', 'budapest-2p-9', 'domestic-production');
ALTER TABLE countries DROP COLUMN order_notice_required;
ALTER TABLE legal_bases DROP COLUMN order_rules;
