-- The audit trail's hash chain is built after commit (issue 19).
--
-- Until now (00016) every audited statement took the row lock on
-- audit_head for the rest of its transaction, so one long transaction
-- (an import commit) stalled every other audited write in the club.
-- Now:
--
-- 1. The triggers only append to audit_log (no shared row, no lock). Each
--    row records its transaction (xid = pg_current_xact_id(), the top
--    transaction also inside a savepoint).
-- 2. The chainer, audit_chain_rows(), links rows after their transaction
--    has ended: it takes the head (audit_head FOR UPDATE: one chainer at a
--    time), reads xmin of a fresh snapshot — every transaction with a
--    smaller xid has committed or rolled back, and any transaction that
--    starts later gets a larger xid — and links the rows with
--    head.last_xid < xid < xmin in (xid, id) order, one audit_chain row
--    each: content_hash = sha256(audit_content(row)), hash =
--    sha256(prev_hash || content_hash). All rows of one transaction are
--    linked in the same run, so a row with xid <= head.last_xid that is
--    not linked was put there later: `mila audit verify` reports it.
--    `mila serve` runs the chainer every few seconds and `mila audit
--    verify` runs it before checking; rows of transactions still open
--    are counted as "not chained yet".
-- 3. audit_log rows never change after insert (except an erasure's
--    redaction); audit_chain and audit_head are written only by the
--    chainer (the guards refuse everything else).
-- 4. Existing rows keep their links: they move to audit_chain in id order
--    (the order they were chained in) with xid 0.

-- +goose Up
ALTER TABLE audit_log ADD COLUMN xid xid8 NOT NULL DEFAULT '0';
ALTER TABLE audit_log ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
CREATE INDEX audit_log_xid ON audit_log (xid, id);

CREATE TABLE audit_chain (
    seq bigint PRIMARY KEY CHECK (seq > 0),
    id bigint NOT NULL UNIQUE, -- the audit_log row (no foreign key: audit_log's guard refuses deletes, and Verify reports a missing row)
    content_hash bytea NOT NULL,
    prev_hash bytea NOT NULL,
    hash bytea NOT NULL
);
INSERT INTO audit_chain (seq, id, content_hash, prev_hash, hash)
  SELECT row_number() OVER (ORDER BY id), id, content_hash, prev_hash, hash FROM audit_log ORDER BY id;

ALTER TABLE audit_head ADD COLUMN seq bigint NOT NULL DEFAULT 0,
                       ADD COLUMN last_xid xid8 NOT NULL DEFAULT '0';
ALTER TABLE audit_head DISABLE TRIGGER audit_head_guard;
UPDATE audit_head SET seq = (SELECT count(*) FROM audit_chain);
ALTER TABLE audit_head ENABLE TRIGGER audit_head_guard;

-- The guard of audit_log without the hash columns: inserts only from the
-- audit triggers, updates only an erasure's redaction (changes reduced,
-- everything else equal).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_log_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF pg_trigger_depth() < 2 THEN
      RAISE EXCEPTION 'audit_log: rows are written only by the audit triggers'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND current_setting('mila.audit_redact', true) = 'on'
     AND NEW.redacted AND NEW.id = OLD.id AND NEW.xid = OLD.xid AND NEW.at = OLD.at AND NEW.actor = OLD.actor
     AND NEW.actor_user_id IS NOT DISTINCT FROM OLD.actor_user_id
     AND NEW.entity = OLD.entity AND NEW.action = OLD.action AND NEW.row_count = OLD.row_count
     AND NEW.entity_id IS NOT DISTINCT FROM OLD.entity_id AND NEW.member_ids = OLD.member_ids THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd

ALTER TABLE audit_log DROP COLUMN content_hash, DROP COLUMN prev_hash, DROP COLUMN hash;

-- The trigger function of 00016 without the chain: it appends one row
-- per statement and table, and takes no lock but the row's own. The
-- records are aggregated as json (text), masked, and parsed into jsonb
-- once (jsonb_agg and a text round trip cost twice as much on a bulk
-- statement of 10,000 rows).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_record() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  mcol text := coalesce(nullif(TG_ARGV[0], ''), 'member_id');
  kcol text := coalesce(nullif(TG_ARGV[1], ''), 'id');
  ignored text[] := ARRAY['created_at', 'updated_at', 'version', 'sort_name',
    'search_vector', 'name_key', 'name_keys', 'cf_text', 'member_count',
    'last_sign_in_at', 'unique_value', 'session_epoch']
    || coalesce(string_to_array(nullif(TG_ARGV[2], ''), ','), '{}'::text[]);
  secret text[] := ARRAY['password_hash', 'token_hash', 'token', 'secret'];
  n integer;
  chj json;
  mids uuid[];
  who text;
  ch jsonb;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    n := -1; chj := '[]'; mids := '{}';
  ELSIF current_setting('mila.audit_detail', true) = 'off' THEN
    -- The demo loader (documented in docs/PRIVACY.md): one entry with the
    -- count, without the rows' values.
    IF TG_OP = 'INSERT' THEN
      SELECT count(*) INTO n FROM new_rows;
    ELSE
      SELECT count(*) INTO n FROM old_rows;
    END IF;
    chj := json_build_array(json_build_object('summary', true));
    mids := '{}';
  ELSIF TG_OP = 'INSERT' THEN
    SELECT count(*), json_agg(e ORDER BY e ->> 'id'), array_agg(DISTINCT m) FILTER (WHERE m IS NOT NULL)
      INTO n, chj, mids
      FROM (SELECT jsonb_build_object('id', j -> kcol, 'm', j -> mcol, 'new', audit_clean(j, ignored, secret)) e,
                   (j ->> mcol)::uuid m
              FROM (SELECT to_jsonb(r) j FROM new_rows r) s) s;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT count(*), json_agg(e ORDER BY e ->> 'id'), array_agg(DISTINCT m) FILTER (WHERE m IS NOT NULL)
      INTO n, chj, mids
      FROM (SELECT jsonb_build_object('id', j -> kcol, 'm', j -> mcol, 'old', audit_clean(j, ignored, secret)) e,
                   (j ->> mcol)::uuid m
              FROM (SELECT to_jsonb(r) j FROM old_rows r) s) s;
  ELSE
    SELECT count(*), json_agg(jsonb_build_object('id', id, 'm', m, 'old', o, 'new', nw) ORDER BY id #>> '{}'),
           array_agg(DISTINCT (m #>> '{}')::uuid) FILTER (WHERE m <> 'null'::jsonb)
      INTO n, chj, mids
      FROM (SELECT p.nj -> kcol id, coalesce(p.nj -> mcol, p.oj -> mcol, 'null'::jsonb) m,
                   d.o, d.nw
              FROM (SELECT o.j oj, nn.j nj
                      FROM (SELECT to_jsonb(r) j FROM old_rows r) o
                      JOIN (SELECT to_jsonb(r) j FROM new_rows r) nn ON nn.j -> kcol = o.j -> kcol) p
              CROSS JOIN LATERAL (
                SELECT jsonb_object_agg(k, CASE WHEN k = ANY (secret) THEN '"***"'::jsonb ELSE p.oj -> k END) o,
                       jsonb_object_agg(k, CASE WHEN k = ANY (secret) THEN '"***"'::jsonb ELSE p.nj -> k END) nw
                  FROM jsonb_object_keys(p.nj) k
                 WHERE NOT k = ANY (ignored) AND p.nj -> k IS DISTINCT FROM p.oj -> k) d
             WHERE d.o IS NOT NULL) s;
  END IF;
  IF coalesce(n, 0) = 0 THEN
    RETURN NULL;
  END IF;
  IF n < 0 THEN
    n := 0; -- TRUNCATE: the number of rows is not known
  END IF;

  ch := audit_mask(chj::text)::jsonb;
  who := nullif(current_setting('mila.actor', true), '');
  INSERT INTO audit_log (xid, at, actor, actor_user_id, entity, action, row_count, entity_id, member_ids, changes)
  VALUES (pg_current_xact_id(), clock_timestamp(), coalesce(who, 'unknown'),
          nullif(current_setting('mila.actor_id', true), '')::uuid, TG_TABLE_NAME, lower(TG_OP), n,
          CASE WHEN n = 1 THEN ch -> 0 ->> 'id' END, coalesce(mids, '{}'), ch);
  RETURN NULL;
END
$$;
-- +goose StatementEnd

-- The chainer. Runs in READ COMMITTED, so that each statement below sees
-- what committed before it; returns the number of rows it linked.
-- +goose StatementBegin
CREATE FUNCTION audit_chain_rows() RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
  head audit_head;
  horizon xid8;
  r record;
  n integer := 0;
  ch bytea;
  h bytea;
BEGIN
  IF current_setting('transaction_isolation') <> 'read committed' THEN
    RAISE EXCEPTION 'audit_chain_rows() needs READ COMMITTED (got %)', current_setting('transaction_isolation');
  END IF;
  SELECT * INTO head FROM audit_head FOR UPDATE;
  -- A fresh snapshot: every transaction below its xmin has ended, and
  -- the rows of those that committed are visible to the next statement.
  horizon := pg_snapshot_xmin(pg_current_snapshot());
  PERFORM set_config('mila.audit_chain', 'on', true);
  FOR r IN SELECT a.id, a.xid, audit_content(a) AS content FROM audit_log a
            WHERE a.xid > head.last_xid AND a.xid < horizon
            ORDER BY a.xid, a.id LOOP
    ch := sha256(convert_to(r.content, 'UTF8'));
    h := sha256(head.hash || ch);
    head.seq := head.seq + 1;
    INSERT INTO audit_chain (seq, id, content_hash, prev_hash, hash) VALUES (head.seq, r.id, ch, head.hash, h);
    head.hash := h;
    head.last_id := r.id;
    head.last_xid := r.xid;
    n := n + 1;
  END LOOP;
  IF n > 0 THEN
    UPDATE audit_head SET seq = head.seq, last_id = head.last_id, last_xid = head.last_xid, hash = head.hash;
  END IF;
  PERFORM set_config('mila.audit_chain', '', true);
  RETURN n;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_head_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND current_setting('mila.audit_chain', true) = 'on' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_head is kept by the audit chainer: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION audit_chain_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' AND current_setting('mila.audit_chain', true) = 'on' THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_chain is written only by the audit chainer: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_chain_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_chain
  FOR EACH ROW EXECUTE FUNCTION audit_chain_guard();
CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
  FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_guard();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_chain FROM PUBLIC;
-- +goose StatementBegin
DO $$
BEGIN
  EXECUTE format('REVOKE DELETE, TRUNCATE ON audit_chain FROM %I', current_user);
END
$$;
-- +goose StatementEnd

-- +goose Down
-- Back to the chain of 00016 (in id order, kept by the triggers): the
-- hashes are computed again over every row in id order, since the
-- chainer linked rows in (xid, id) order.
ALTER TABLE audit_log ADD COLUMN content_hash bytea, ADD COLUMN prev_hash bytea, ADD COLUMN hash bytea;
ALTER TABLE audit_log DISABLE TRIGGER audit_log_guard;
ALTER TABLE audit_head DISABLE TRIGGER audit_head_guard;
-- +goose StatementBegin
DO $$
DECLARE
  r record;
  prev bytea := '\x0000000000000000000000000000000000000000000000000000000000000000';
  ch bytea;
  last bigint := 0;
BEGIN
  FOR r IN SELECT a.id, audit_content(a) AS content FROM audit_log a ORDER BY a.id LOOP
    ch := sha256(convert_to(r.content, 'UTF8'));
    UPDATE audit_log SET content_hash = ch, prev_hash = prev, hash = sha256(prev || ch) WHERE id = r.id;
    prev := sha256(prev || ch);
    last := r.id;
  END LOOP;
  UPDATE audit_head SET last_id = last, hash = prev;
END
$$;
-- +goose StatementEnd
ALTER TABLE audit_head ENABLE TRIGGER audit_head_guard;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_guard;
ALTER TABLE audit_log ALTER COLUMN content_hash SET NOT NULL, ALTER COLUMN prev_hash SET NOT NULL,
                      ALTER COLUMN hash SET NOT NULL;

DROP TABLE audit_chain;
DROP FUNCTION audit_chain_guard();
DROP FUNCTION audit_chain_rows();
ALTER TABLE audit_head DROP COLUMN seq, DROP COLUMN last_xid;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_head_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND pg_trigger_depth() >= 2 THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_head is kept by the audit triggers: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_log_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF pg_trigger_depth() < 2 THEN
      RAISE EXCEPTION 'audit_log: rows are written only by the audit triggers'
        USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
  END IF;
  IF TG_OP = 'UPDATE' AND current_setting('mila.audit_redact', true) = 'on'
     AND NEW.redacted AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor = OLD.actor
     AND NEW.actor_user_id IS NOT DISTINCT FROM OLD.actor_user_id
     AND NEW.entity = OLD.entity AND NEW.action = OLD.action AND NEW.row_count = OLD.row_count
     AND NEW.member_ids = OLD.member_ids
     AND NEW.content_hash = OLD.content_hash AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_record() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  mcol text := coalesce(nullif(TG_ARGV[0], ''), 'member_id');
  kcol text := coalesce(nullif(TG_ARGV[1], ''), 'id');
  ignored text[] := ARRAY['created_at', 'updated_at', 'version', 'sort_name',
    'search_vector', 'name_key', 'name_keys', 'cf_text', 'member_count',
    'last_sign_in_at', 'unique_value', 'session_epoch']
    || coalesce(string_to_array(nullif(TG_ARGV[2], ''), ','), '{}'::text[]);
  secret text[] := ARRAY['password_hash', 'token_hash', 'token', 'secret'];
  n integer;
  ch jsonb;
  mids uuid[];
  a audit_log;
  head audit_head;
  who text;
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    n := -1; ch := '[]'; mids := '{}';
  ELSIF current_setting('mila.audit_detail', true) = 'off' THEN
    IF TG_OP = 'INSERT' THEN
      SELECT count(*) INTO n FROM new_rows;
    ELSE
      SELECT count(*) INTO n FROM old_rows;
    END IF;
    ch := jsonb_build_array(jsonb_build_object('summary', true));
    mids := '{}';
  ELSIF TG_OP = 'INSERT' THEN
    SELECT count(*), jsonb_agg(e ORDER BY e ->> 'id'), array_agg(DISTINCT m) FILTER (WHERE m IS NOT NULL)
      INTO n, ch, mids
      FROM (SELECT jsonb_build_object('id', j -> kcol, 'm', j -> mcol, 'new', audit_clean(j, ignored, secret)) e,
                   (j ->> mcol)::uuid m
              FROM (SELECT to_jsonb(r) j FROM new_rows r) s) s;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT count(*), jsonb_agg(e ORDER BY e ->> 'id'), array_agg(DISTINCT m) FILTER (WHERE m IS NOT NULL)
      INTO n, ch, mids
      FROM (SELECT jsonb_build_object('id', j -> kcol, 'm', j -> mcol, 'old', audit_clean(j, ignored, secret)) e,
                   (j ->> mcol)::uuid m
              FROM (SELECT to_jsonb(r) j FROM old_rows r) s) s;
  ELSE
    SELECT count(*), jsonb_agg(jsonb_build_object('id', id, 'm', m, 'old', o, 'new', nw) ORDER BY id #>> '{}'),
           array_agg(DISTINCT (m #>> '{}')::uuid) FILTER (WHERE m <> 'null'::jsonb)
      INTO n, ch, mids
      FROM (SELECT p.nj -> kcol id, coalesce(p.nj -> mcol, p.oj -> mcol, 'null'::jsonb) m,
                   d.o, d.nw
              FROM (SELECT o.j oj, nn.j nj
                      FROM (SELECT to_jsonb(r) j FROM old_rows r) o
                      JOIN (SELECT to_jsonb(r) j FROM new_rows r) nn ON nn.j -> kcol = o.j -> kcol) p
              CROSS JOIN LATERAL (
                SELECT jsonb_object_agg(k, CASE WHEN k = ANY (secret) THEN '"***"'::jsonb ELSE p.oj -> k END) o,
                       jsonb_object_agg(k, CASE WHEN k = ANY (secret) THEN '"***"'::jsonb ELSE p.nj -> k END) nw
                  FROM jsonb_object_keys(p.nj) k
                 WHERE NOT k = ANY (ignored) AND p.nj -> k IS DISTINCT FROM p.oj -> k) d
             WHERE d.o IS NOT NULL) s;
  END IF;
  IF coalesce(n, 0) = 0 THEN
    RETURN NULL;
  END IF;
  IF n < 0 THEN
    n := 0;
  END IF;

  ch := audit_mask(ch::text)::jsonb;
  who := nullif(current_setting('mila.actor', true), '');
  a.at := clock_timestamp();
  a.actor := coalesce(who, 'unknown');
  a.actor_user_id := nullif(current_setting('mila.actor_id', true), '')::uuid;
  a.entity := TG_TABLE_NAME;
  a.action := lower(TG_OP);
  a.row_count := n;
  a.entity_id := CASE WHEN n = 1 THEN ch -> 0 ->> 'id' END;
  a.member_ids := coalesce(mids, '{}');
  a.changes := ch;
  a.redacted := false;

  SELECT * INTO head FROM audit_head FOR UPDATE;
  a.id := nextval('audit_log_id_seq');
  a.prev_hash := head.hash;
  a.content_hash := sha256(convert_to(audit_content(a), 'UTF8'));
  a.hash := sha256(a.prev_hash || a.content_hash);
  INSERT INTO audit_log SELECT a.*;
  UPDATE audit_head SET last_id = a.id, hash = a.hash;
  RETURN NULL;
END
$$;
-- +goose StatementEnd

DROP INDEX audit_log_xid;
ALTER TABLE audit_log DROP COLUMN xid;
