-- What a provider produced under an order: an evidence item of the requesting case
-- whose custody starts with the provider's liaison (`collected`, naming the order).
ALTER TABLE evidence_items ADD COLUMN order_id TEXT REFERENCES orders (id);
CREATE INDEX evidence_items_by_order ON evidence_items (order_id);
-- Who at the requesting agency receives what is produced (the transfer names them).
ALTER TABLE orders ADD COLUMN deliver_to TEXT REFERENCES users (id);
