-- heapfold benchmark: a fixed batch job for sqlite3 (in memory, deterministic).
-- Builds a table of 60,000 rows with text, indexes it, aggregates, updates, sorts and deletes:
-- the mix of short-lived and long-lived allocations a real batch program makes.
PRAGMA cache_size = -65536;
CREATE TABLE t(id INTEGER PRIMARY KEY, k TEXT, grp INTEGER, v REAL, note TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60000)
INSERT INTO t(k, grp, v, note)
  SELECT printf('key-%08d-%s', (i * 7919) % 60000, substr('abcdefghijklmnopqrstuvwxyz', 1 + i % 26)),
         i % 97, (i * 31 % 1000) / 7.0, printf('%.*c', 10 + i % 90, 'x')
  FROM n;
CREATE INDEX t_k ON t(k);
CREATE INDEX t_grp ON t(grp, v);
SELECT grp, count(*), round(sum(v), 2), max(length(note)) FROM t GROUP BY grp ORDER BY 3 DESC LIMIT 3;
SELECT count(DISTINCT substr(k, 1, 9)) FROM t;
UPDATE t SET note = note || printf('-%d', id), v = v * 1.5 WHERE grp % 3 = 0;
SELECT count(*) FROM (SELECT k, note FROM t ORDER BY note, k);
SELECT group_concat(k, ',') IS NOT NULL FROM (SELECT k FROM t WHERE grp = 5 ORDER BY v);
CREATE TABLE u AS SELECT grp, k, upper(note) AS n2 FROM t WHERE id % 2 = 0;
SELECT count(*) FROM t JOIN u USING (k) WHERE t.grp < 50;
DELETE FROM t WHERE id % 5 = 0;
SELECT count(*), round(avg(v), 3) FROM t;
