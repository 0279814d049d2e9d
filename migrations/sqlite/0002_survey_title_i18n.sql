-- Survey titles in other languages, like question texts: {"zh-CN": "…"}.
ALTER TABLE surveys ADD COLUMN title_i18n TEXT NOT NULL DEFAULT '{}';
