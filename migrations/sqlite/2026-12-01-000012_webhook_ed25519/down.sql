ALTER TABLE webhooks DROP COLUMN signature_schemes;
