-- A read-only role on one database, granted by the database's owner (CloudNativePG manages roles and databases,
-- not privileges). Run as the owner, connected to the database; idempotent. psql variables: reader, owner.
-- Tables and schemas the owner creates later (Airbyte's syncs) are readable too, through default privileges.
REVOKE ALL ON DATABASE :"owner" FROM PUBLIC;
GRANT CONNECT ON DATABASE :"owner" TO :"reader";
GRANT USAGE ON SCHEMA public TO :"reader";
GRANT SELECT ON ALL TABLES IN SCHEMA public TO :"reader";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" GRANT USAGE ON SCHEMAS TO :"reader";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner" GRANT SELECT ON TABLES TO :"reader";
SELECT format('GRANT USAGE ON SCHEMA %I TO %I', nspname, :'reader') FROM pg_namespace
  WHERE nspowner = (SELECT oid FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('GRANT SELECT ON ALL TABLES IN SCHEMA %I TO %I', nspname, :'reader') FROM pg_namespace
  WHERE nspowner = (SELECT oid FROM pg_roles WHERE rolname = :'owner') \gexec
