-- Does PostgreSQL re-plan squall's find_one statement on every execution?
--   psql -X -f bench/pg_plan_cache.sql postgres://postgres@127.0.0.1:5432/squall_bench
-- (after bench/run.sh loaded the people collection). squall's read statement
-- (as sent at e5f3c93, seen with strace on a sslmode=disable connection)
-- binds a string equality on an indexed field as a key RANGE
-- [k || 00 00, k || 00 01], rendered `e.key >= $3 AND e.key <= $4`. With
-- plan_cache_mode = auto, PostgreSQL then keeps choosing a custom plan:
-- full planning of the LATERAL + IN + ORDER BY query on every request.
PREPARE squall_range(text, bigint, bytea, bytea) AS
  SELECT c.id, c.version, d.seq, d.body, d.etag FROM collections c LEFT JOIN LATERAL
  (SELECT d.seq, d.body, d.etag FROM documents d WHERE d.collection_id = c.id AND d.seq IN
   (SELECT e.doc_seq FROM index_entries e WHERE e.index_id = $2 AND ((e.key >= $3 AND e.key <= $4)))) d ON true
  WHERE c.name = $1 ORDER BY d.seq;
PREPARE squall_point(text, bigint, bytea) AS
  SELECT c.id, c.version, d.seq, d.body, d.etag FROM collections c LEFT JOIN LATERAL
  (SELECT d.seq, d.body, d.etag FROM documents d WHERE d.collection_id = c.id AND d.seq IN
   (SELECT e.doc_seq FROM index_entries e WHERE e.index_id = $2 AND ((e.key = $3)))) d ON true
  WHERE c.name = $1 ORDER BY d.seq;
\o /dev/null
SELECT format('EXECUTE squall_range(%L, %s, %L::bytea, %L::bytea)', 'people', e.index_id, e.key, e.key)
  FROM index_entries e JOIN indexes i ON i.id = e.index_id WHERE i.name = 'by_name' ORDER BY random() LIMIT 50 \gexec
SELECT format('EXECUTE squall_point(%L, %s, %L::bytea)', 'people', e.index_id, e.key)
  FROM index_entries e JOIN indexes i ON i.id = e.index_id WHERE i.name = 'by_name' ORDER BY random() LIMIT 50 \gexec
\o
-- expected: squall_range 0 generic / 50 custom; squall_point 45 generic / 5 custom
SELECT name, generic_plans, custom_plans FROM pg_prepared_statements ORDER BY name;
