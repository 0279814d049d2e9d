-- /healthz writes a row here in a transaction it rolls back: a database that cannot take a
-- write (full disk, held lock) is reported, and nothing is ever stored.
CREATE TABLE health_probe (filler BLOB);
