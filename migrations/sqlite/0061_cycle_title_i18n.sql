-- Cycle titles in other languages, like survey titles: {"zh-CN": "…"} (CONTRACT §9, turn 3).
ALTER TABLE cycles ADD COLUMN title_i18n TEXT NOT NULL DEFAULT '{}';
