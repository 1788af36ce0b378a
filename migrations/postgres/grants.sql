-- The roles of an iro database on PostgreSQL and what each may do, applied after every upgrade (so a
-- table a migration adds is covered too). Each member of staff logs in as their own role, made a member
-- of one of these:
--   iro_reader  reads everything: reports, figures, the audit;
--   iro_writer  records steps: may add events but never change or delete one, and keeps the tables
--               that stand beside the chain;
--   iro_admin   a writer who may also upgrade the schema (it owns nothing more).
-- The roles are made here when missing; where a database administrator has made them already, they are
-- used as they are. Roles belong to the whole server, so another database's `iro init` may be making
-- them at the same moment: the one that finds it was beaten to a role uses the other's.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'iro_reader') THEN
        BEGIN
            CREATE ROLE iro_reader NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'iro_writer') THEN
        BEGIN
            CREATE ROLE iro_writer NOLOGIN IN ROLE iro_reader;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'iro_admin') THEN
        BEGIN
            CREATE ROLE iro_admin NOLOGIN IN ROLE iro_writer;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
        END;
    END IF;
END
$$;
GRANT USAGE ON SCHEMA public TO iro_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO iro_reader;
GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO iro_writer;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO iro_writer;
-- The record is insert-only by right as well as by trigger.
REVOKE UPDATE, DELETE, TRUNCATE ON events FROM iro_writer;
REVOKE UPDATE, DELETE, TRUNCATE ON policies FROM iro_writer;
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON iro_schema FROM iro_writer;
GRANT CREATE ON SCHEMA public TO iro_admin;
