-- Crypto-shredding (CONTRACT §6): each cycle's anonymous answers are sealed under a random key
-- of the cycle's own, kept here only wrapped under the server key. The transaction that closes
-- the cycle deletes its row: from then on none of its sealed records opens, whoever holds the
-- database and the server key. Records sealed before this release stay under the server key's
-- own sealing key, and are deleted with their pages zeroed as before.
CREATE TABLE cycle_keys (
    cycle_id TEXT PRIMARY KEY REFERENCES cycles(id),
    wrapped  TEXT NOT NULL
);
