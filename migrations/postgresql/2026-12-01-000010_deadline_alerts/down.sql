DROP TABLE deadline_alerts;
