import GRDB

/// The database schema, as numbered migrations.
///
/// A migration is never edited once it has shipped: a change is a new migration appended at the end.
/// Migrations use SQL with literal table names, never application types.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("0001-ledger-operators-keys") { db in
            try db.execute(sql: v0001)
        }
        migrator.registerMigration("0003-payments") { db in
            try db.execute(sql: v0003)
        }
        return migrator
    }

    // Balance counters are the only mutable columns of the ledger; triggers make every other
    // change to journal rows impossible through SQL (corrections are new transfers).
    private static let v0001 = """
        CREATE TABLE operator (
            code TEXT PRIMARY KEY NOT NULL,
            name TEXT NOT NULL,
            tax_code TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('parking', 'bus', 'fees')),
            mtt_prefix TEXT,
            invoice_series TEXT,
            created_at INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE api_key (
            id TEXT PRIMARY KEY NOT NULL,
            secret_hash BLOB NOT NULL UNIQUE,
            role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'tax', 'finance')),
            operator_code TEXT REFERENCES operator(code),
            label TEXT,
            created_at INTEGER NOT NULL,
            revoked_at INTEGER,
            CHECK ((role = 'operator') = (operator_code IS NOT NULL))
        ) STRICT;

        CREATE TABLE account (
            seq INTEGER PRIMARY KEY,
            id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
            ledger INTEGER NOT NULL CHECK (ledger > 0),
            code INTEGER NOT NULL,
            flags INTEGER NOT NULL,
            operator_code TEXT REFERENCES operator(code),
            name TEXT NOT NULL,
            timestamp INTEGER NOT NULL,
            debits_pending INTEGER NOT NULL DEFAULT 0,
            debits_posted INTEGER NOT NULL DEFAULT 0,
            credits_pending INTEGER NOT NULL DEFAULT 0,
            credits_posted INTEGER NOT NULL DEFAULT 0,
            hash BLOB NOT NULL CHECK (length(hash) = 32)
        ) STRICT;
        CREATE INDEX account_operator ON account(operator_code, seq);

        CREATE TABLE transfer (
            seq INTEGER PRIMARY KEY,
            id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
            debit_account_id BLOB NOT NULL REFERENCES account(id),
            credit_account_id BLOB NOT NULL REFERENCES account(id),
            amount INTEGER NOT NULL CHECK (amount >= 0 AND amount <= 1000000000000000),
            pending_id BLOB,
            timeout INTEGER NOT NULL,
            ledger INTEGER NOT NULL,
            code INTEGER NOT NULL,
            flags INTEGER NOT NULL,
            reference TEXT,
            timestamp INTEGER NOT NULL,
            expires_at INTEGER,
            hash BLOB NOT NULL CHECK (length(hash) = 32),
            CHECK (debit_account_id <> credit_account_id)
        ) STRICT;
        CREATE INDEX transfer_debit ON transfer(debit_account_id, seq);
        CREATE INDEX transfer_credit ON transfer(credit_account_id, seq);
        CREATE INDEX transfer_pending ON transfer(pending_id) WHERE pending_id IS NOT NULL;
        CREATE INDEX transfer_expiry ON transfer(expires_at) WHERE expires_at IS NOT NULL;

        CREATE TABLE transfer_failure (
            seq INTEGER PRIMARY KEY,
            id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
            result TEXT NOT NULL,
            timestamp INTEGER NOT NULL,
            hash BLOB NOT NULL CHECK (length(hash) = 32)
        ) STRICT;

        -- Position and hash of the last row of each chained table, so that removing the newest rows is detected too.
        CREATE TABLE chain_head (
            name TEXT PRIMARY KEY NOT NULL,
            seq INTEGER NOT NULL,
            hash BLOB NOT NULL,
            timestamp INTEGER NOT NULL
        ) STRICT;
        INSERT INTO chain_head (name, seq, hash, timestamp) VALUES
            ('account', 0, zeroblob(32), 0), ('transfer', 0, zeroblob(32), 0), ('transfer_failure', 0, zeroblob(32), 0);

        CREATE TRIGGER transfer_append_only_update BEFORE UPDATE ON transfer
        BEGIN SELECT RAISE(ABORT, 'transfer journal is append-only: post a correcting transfer instead'); END;
        CREATE TRIGGER transfer_append_only_delete BEFORE DELETE ON transfer
        BEGIN SELECT RAISE(ABORT, 'transfer journal is append-only: post a correcting transfer instead'); END;
        CREATE TRIGGER transfer_failure_append_only_update BEFORE UPDATE ON transfer_failure
        BEGIN SELECT RAISE(ABORT, 'transfer_failure is append-only'); END;
        CREATE TRIGGER transfer_failure_append_only_delete BEFORE DELETE ON transfer_failure
        BEGIN SELECT RAISE(ABORT, 'transfer_failure is append-only'); END;
        CREATE TRIGGER account_identity_immutable
        BEFORE UPDATE OF seq, id, ledger, code, flags, operator_code, name, timestamp, hash ON account
        BEGIN SELECT RAISE(ABORT, 'account identity is immutable: only balance counters change, through transfers'); END;
        CREATE TRIGGER account_no_delete BEFORE DELETE ON account
        BEGIN SELECT RAISE(ABORT, 'accounts are never deleted'); END;
        CREATE TRIGGER chain_head_no_delete BEFORE DELETE ON chain_head
        BEGIN SELECT RAISE(ABORT, 'chain heads are never deleted'); END;
        """

    // Bank-QR payments (#5). Every table is append-only: an intent's status is the last row of
    // payment_intent_event (or derived from expires_at), a notification's result is its one
    // payment_outcome row. Raw notifications are stored before any processing.
    private static let v0003 = """
        CREATE TABLE payment_intent (
            seq INTEGER PRIMARY KEY,
            id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
            operator_code TEXT NOT NULL REFERENCES operator(code),
            amount INTEGER NOT NULL CHECK (amount > 0 AND amount <= 1000000000000000),
            reference TEXT NOT NULL UNIQUE,
            purpose TEXT NOT NULL,
            vat_rate TEXT NOT NULL,
            code INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            vietqr TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            created_by TEXT,
            created_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX payment_intent_operator ON payment_intent(operator_code, seq);

        CREATE TABLE payment_notification (
            seq INTEGER PRIMARY KEY,
            id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
            provider TEXT NOT NULL,
            method TEXT NOT NULL,
            raw_query TEXT,
            raw_body BLOB NOT NULL,
            headers TEXT NOT NULL,
            received_at INTEGER NOT NULL,
            verified INTEGER NOT NULL CHECK (verified IN (0, 1)),
            verification TEXT NOT NULL,
            operator_code TEXT,
            provider_transaction_id TEXT,
            duplicate_of BLOB,
            direction TEXT CHECK (direction IN ('credit', 'debit', 'failed')),
            failure_code TEXT,
            amount INTEGER,
            content TEXT,
            order_reference TEXT,
            transaction_time TEXT,
            occurred_at INTEGER,
            CHECK (verified = 0 OR (provider_transaction_id IS NOT NULL AND direction IS NOT NULL AND amount IS NOT NULL))
        ) STRICT;
        -- One original per provider transaction; redeliveries are stored with duplicate_of. Rejected
        -- requests never take the key, so a forged request cannot lock out the genuine one.
        CREATE UNIQUE INDEX payment_notification_dedupe ON payment_notification(provider, provider_transaction_id)
            WHERE verified = 1 AND duplicate_of IS NULL;
        CREATE INDEX payment_notification_duplicate ON payment_notification(duplicate_of) WHERE duplicate_of IS NOT NULL;

        CREATE TABLE payment_outcome (
            seq INTEGER PRIMARY KEY,
            notification_id BLOB NOT NULL UNIQUE REFERENCES payment_notification(id),
            outcome TEXT NOT NULL CHECK (outcome IN ('paid', 'underpaid', 'overpaid', 'late', 'unmatched', 'failed', 'ignored')),
            intent_id BLOB REFERENCES payment_intent(id),
            operator_code TEXT,
            amount INTEGER NOT NULL,
            transfer_ids TEXT NOT NULL,
            detail TEXT NOT NULL,
            processed_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX payment_outcome_intent ON payment_outcome(intent_id, seq) WHERE intent_id IS NOT NULL;
        CREATE INDEX payment_outcome_kind ON payment_outcome(outcome, seq);

        CREATE TABLE payment_intent_event (
            seq INTEGER PRIMARY KEY,
            intent_id BLOB NOT NULL REFERENCES payment_intent(id),
            status TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'underpaid', 'overpaid', 'late', 'refunded')),
            paid INTEGER NOT NULL CHECK (paid >= 0),
            notification_id BLOB REFERENCES payment_notification(id),
            action TEXT,
            actor TEXT,
            transfer_ids TEXT NOT NULL,
            detail TEXT NOT NULL,
            at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX payment_intent_event_intent ON payment_intent_event(intent_id, seq);

        CREATE TRIGGER payment_intent_append_only_update BEFORE UPDATE ON payment_intent
        BEGIN SELECT RAISE(ABORT, 'payment_intent is append-only'); END;
        CREATE TRIGGER payment_intent_append_only_delete BEFORE DELETE ON payment_intent
        BEGIN SELECT RAISE(ABORT, 'payment_intent is append-only'); END;
        CREATE TRIGGER payment_notification_append_only_update BEFORE UPDATE ON payment_notification
        BEGIN SELECT RAISE(ABORT, 'payment_notification is append-only: notifications are kept exactly as received'); END;
        CREATE TRIGGER payment_notification_append_only_delete BEFORE DELETE ON payment_notification
        BEGIN SELECT RAISE(ABORT, 'payment_notification is append-only: notifications are kept exactly as received'); END;
        CREATE TRIGGER payment_outcome_append_only_update BEFORE UPDATE ON payment_outcome
        BEGIN SELECT RAISE(ABORT, 'payment_outcome is append-only'); END;
        CREATE TRIGGER payment_outcome_append_only_delete BEFORE DELETE ON payment_outcome
        BEGIN SELECT RAISE(ABORT, 'payment_outcome is append-only'); END;
        CREATE TRIGGER payment_intent_event_append_only_update BEFORE UPDATE ON payment_intent_event
        BEGIN SELECT RAISE(ABORT, 'payment_intent_event is append-only: a status change is a new event'); END;
        CREATE TRIGGER payment_intent_event_append_only_delete BEFORE DELETE ON payment_intent_event
        BEGIN SELECT RAISE(ABORT, 'payment_intent_event is append-only: a status change is a new event'); END;
        """
}
