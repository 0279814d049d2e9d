-- Shared feedback can be amended: when it last was, shown to both sides (CONTRACT §9).
ALTER TABLE feedback ADD COLUMN amended_at BIGINT;
