-- Issue 14, item 12: a household head who adds someone to a family, clan or organisation by
-- phone learns nothing about them until they accept. The membership waits with `accepted_at`
-- empty; the invited person accepts (the time is written) or declines (the row goes) on their
-- own page, and only accepted members are listed by name or counted (evaluation::groups,
-- evaluation::score). An officer in scope adds a member accepted at once.
-- The PostgreSQL twin (../postgres/0007_group_invitations.sql) must match (tests/schema_parity.rs).
ALTER TABLE group_members ADD COLUMN accepted_at INTEGER;
-- Members added before invitations existed count as accepted when they were added.
UPDATE group_members SET accepted_at = created_at;
