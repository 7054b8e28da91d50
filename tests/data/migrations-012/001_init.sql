-- 001: the tocsin schema.
--
-- `tocsin migrate` creates the schema and tocsin.schema_migrations before it
-- applies this file (it needs the table to record it); this migration
-- documents them. The crisis tables, the SQL API, grants and row-level
-- security follow in later migrations, one concern a file.

COMMENT ON SCHEMA tocsin IS
  'tocsin: crisis-response workflows, their approvals, escalations and audit';

COMMENT ON TABLE tocsin.schema_migrations IS
  'migrations applied by tocsin migrate: number, file name and sha256 of the file';
