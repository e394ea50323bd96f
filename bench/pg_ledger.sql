-- The PostgreSQL side of bench/compare: a double-entry ledger as a careful team would write
-- it in plpgsql. Accounts may not go negative; every transfer records its idempotency key,
-- locks both accounts in id order, debits, credits and writes two entries.
CREATE TABLE accounts (
  id integer PRIMARY KEY,
  balance bigint NOT NULL CHECK (balance >= 0)
);
CREATE TABLE transfers (
  key bigint PRIMARY KEY,
  debit integer NOT NULL REFERENCES accounts,
  credit integer NOT NULL REFERENCES accounts,
  amount bigint NOT NULL CHECK (amount > 0),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE entries (
  id bigserial PRIMARY KEY,
  transfer_key bigint NOT NULL REFERENCES transfers,
  account_id integer NOT NULL REFERENCES accounts,
  amount bigint NOT NULL
);
INSERT INTO accounts SELECT g, 1000000000000 FROM generate_series(1, 1000) g;

CREATE OR REPLACE FUNCTION transfer(k bigint, debit integer, credit integer, amt bigint)
RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO transfers (key, debit, credit, amount) VALUES (k, debit, credit, amt)
    ON CONFLICT (key) DO NOTHING;
  IF NOT FOUND THEN
    RETURN 'replayed';
  END IF;
  -- FOR NO KEY UPDATE, as the UPDATEs below take: it does not conflict with the KEY SHARE
  -- locks the foreign keys of transfers and entries take (FOR UPDATE would, and deadlock).
  PERFORM 1 FROM accounts WHERE id IN (debit, credit) ORDER BY id FOR NO KEY UPDATE;
  UPDATE accounts SET balance = balance - amt WHERE id = debit;
  UPDATE accounts SET balance = balance + amt WHERE id = credit;
  INSERT INTO entries (transfer_key, account_id, amount) VALUES (k, debit, -amt), (k, credit, amt);
  RETURN 'ok';
END
$$;
VACUUM ANALYZE;
