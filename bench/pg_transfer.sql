-- One pgbench transaction: a transfer of 1 between two different random accounts, under a
-- random 62-bit idempotency key.
\set a random(1, 1000)
\set b 1 + (:a + random(0, 998)) % 1000
\set k random(1, 4611686018427387903)
SELECT transfer(:k, :a, :b, 1);
