-- Kept in step with SQLite's migrations (there /healthz writes a row here and rolls back).
CREATE TABLE health_probe (filler BYTEA);
