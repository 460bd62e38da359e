DROP TABLE sso_attempts;
DROP TABLE identity_links;
DROP TABLE identity_providers;
