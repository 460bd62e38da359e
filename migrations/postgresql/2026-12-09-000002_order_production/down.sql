ALTER TABLE orders DROP COLUMN deliver_to;
DROP INDEX evidence_items_by_order;
ALTER TABLE evidence_items DROP COLUMN order_id;
