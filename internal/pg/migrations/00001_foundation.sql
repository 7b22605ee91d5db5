-- Foundation: extensions, id generation, shared helper functions and the
-- session table.
--
-- Ids are UUID v7 made by the database (uuid_generate_v7 below), so that
-- bulk loads with COPY and plain INSERTs get time-ordered ids without Go
-- having to make them. PostgreSQL 18 has uuidv7(); we support 15+.

-- +goose Up
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- uuid_generate_v7 returns an RFC 9562 version 7 UUID: 48 bits of Unix
-- time in milliseconds, then random bits, with version and variant set.
-- +goose StatementBegin
CREATE FUNCTION uuid_generate_v7() RETURNS uuid
LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
  SELECT encode(
    set_bit(
      set_bit(
        overlay(uuid_send(gen_random_uuid())
                placing substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                FROM 1 FOR 6),
        52, 1),
      53, 1),
    'hex')::uuid
$$;
-- +goose StatementEnd

-- f_unaccent is unaccent() declared IMMUTABLE (with the dictionary named),
-- so it can be used in indexes and generated search keys.
-- +goose StatementBegin
CREATE FUNCTION f_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT public.unaccent('public.unaccent'::regdictionary, $1)
$$;
-- +goose StatementEnd

-- search_key folds text for searching and sorting: unaccented, lower case,
-- German ß as ss. "Müller", "MULLER" and "Muller" share one key.
-- +goose StatementBegin
CREATE FUNCTION search_key(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
  SELECT lower(public.f_unaccent(replace(replace($1, 'ß', 'ss'), 'ẞ', 'SS')))
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.updated_at := now();
  RETURN NEW;
END
$$;
-- +goose StatementEnd

-- Sessions of alexedwards/scs (pgxstore), kept in PostgreSQL so several
-- Mila processes can serve one club.
CREATE TABLE sessions (
  token  text PRIMARY KEY,
  data   bytea NOT NULL,
  expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- +goose Down
DROP TABLE sessions;
DROP FUNCTION set_updated_at();
DROP FUNCTION search_key(text);
DROP FUNCTION f_unaccent(text);
DROP FUNCTION uuid_generate_v7();
DROP EXTENSION unaccent;
DROP EXTENSION pg_trgm;
DROP EXTENSION citext;
