-- A read-only PostgreSQL role for external reporting tools (REP-05): it may read the documented
-- report views (docs/reports.md) and nothing else. Run as the database owner, e.g.
--   psql "$KC_DATABASE_URL" -v reader=kc_reports -v password='a long secret' -f scripts/pg_report_reader.sql
-- Run it again after a KC upgrade that adds views.
CREATE ROLE :"reader" LOGIN PASSWORD :'password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
ALTER ROLE :"reader" SET default_transaction_read_only = on;
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM :"reader";
GRANT USAGE ON SCHEMA public TO :"reader";
GRANT SELECT ON report_calls, report_agent_states TO :"reader";
