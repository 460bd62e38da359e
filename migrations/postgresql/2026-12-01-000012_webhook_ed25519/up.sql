-- The signature schemes an endpoint asked for: `v1` (HMAC-SHA256 with its whsec_
-- secret) and/or `v1a` (Ed25519, verified with its published whpk_ key), as JSON.
ALTER TABLE webhooks ADD COLUMN signature_schemes TEXT NOT NULL DEFAULT '["v1"]';
