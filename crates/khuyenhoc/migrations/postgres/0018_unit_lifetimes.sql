-- Units with a lifetime (issue 17): an official code is unique only among the units valid on
-- the same day (31120 was Phường An Hòa until 30/06/2025 and is Phường Cái Khế since), so the
-- unique index on `code` gives way to one on (code, valid_from), which also serves every
-- lookup by code and date; and the districts (abolished on 1 July 2025) become a level.
-- The SQLite twin rebuilds the table (it cannot alter a CHECK); ids are kept on both.
DROP INDEX units_code;
CREATE UNIQUE INDEX units_code_from ON units (code, valid_from);
ALTER TABLE units DROP CONSTRAINT units_level_check;
ALTER TABLE units ADD CONSTRAINT units_level_check
    CHECK (level IN ('central', 'province', 'district', 'commune', 'branch'));
