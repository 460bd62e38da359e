-- A person's preferred language (ISO 639-1: en, fr, nl); NULL until chosen, when
-- the request's Accept-Language decides.
ALTER TABLE users ADD COLUMN language TEXT;
