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
        migrator.registerMigration("0002-operator-flows") { db in
            try db.execute(sql: v0002)
        }
        migrator.registerMigration("0003-payments") { db in
            try db.execute(sql: v0003)
        }
        migrator.registerMigration("0005-documents") { db in
            try db.execute(sql: v0005)
        }
        migrator.registerMigration("0004-settlement") { db in
            try db.execute(sql: v0004)
        }
        migrator.registerMigration("0006-daily-closings") { db in
            try db.execute(sql: v0006)
        }
        migrator.registerMigration("0007-reconciliation") { db in
            try db.execute(sql: v0007)
        }
        migrator.registerMigration("0008-document-rates") { db in
            try db.execute(sql: v0008)
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

    // Operator flows (issue #4). Every money-moving request is kept with the hash of its body and the
    // response it got, so a retry returns the original result and a different body is a conflict.
    // Business rows are append-only; a stop, a deny-list change, a rider registration are new rows.
    private static let v0002 = """
        CREATE TABLE operation (
            id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
            kind TEXT NOT NULL,
            operator_code TEXT NOT NULL REFERENCES operator(code),
            request_hash BLOB NOT NULL,
            status INTEGER NOT NULL,
            response TEXT NOT NULL,
            created_at INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE parking_session (
            id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
            operator_code TEXT NOT NULL REFERENCES operator(code),
            zone TEXT NOT NULL,
            plate TEXT NOT NULL,
            vehicle TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            source TEXT NOT NULL,
            device_id TEXT,
            created_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX parking_session_plate ON parking_session(operator_code, zone, plate);
        CREATE INDEX parking_session_started ON parking_session(operator_code, started_at);

        CREATE TABLE parking_stop (
            session_id BLOB PRIMARY KEY NOT NULL REFERENCES parking_session(id),
            ended_at INTEGER NOT NULL,
            status TEXT NOT NULL,
            method TEXT NOT NULL,
            amount INTEGER NOT NULL CHECK (amount >= 0),
            funded_by TEXT NOT NULL,
            reference_amount INTEGER NOT NULL CHECK (reference_amount >= 0),
            details TEXT NOT NULL,
            created_at INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE device_event (
            operator_code TEXT NOT NULL REFERENCES operator(code),
            device_id TEXT NOT NULL,
            seq INTEGER NOT NULL CHECK (seq >= 1),
            event_id BLOB NOT NULL,
            kind TEXT NOT NULL,
            result TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (operator_code, device_id, seq)
        ) STRICT;

        CREATE TABLE transit_tap (
            id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
            operator_code TEXT NOT NULL REFERENCES operator(code),
            token_type TEXT NOT NULL,
            token_hash BLOB NOT NULL,
            route TEXT NOT NULL,
            vehicle TEXT NOT NULL,
            validator_id TEXT NOT NULL,
            at INTEGER NOT NULL,
            service_day TEXT NOT NULL,
            fare INTEGER NOT NULL CHECK (fare >= 0),
            funded_by TEXT NOT NULL,
            reference_amount INTEGER NOT NULL,
            category TEXT NOT NULL,
            capped INTEGER NOT NULL,
            ticket_number INTEGER NOT NULL,
            created_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX transit_tap_token_day ON transit_tap(token_hash, service_day);

        CREATE TABLE transit_rider (
            id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
            token_type TEXT NOT NULL,
            token_hash BLOB NOT NULL,
            category TEXT NOT NULL,
            valid_from TEXT NOT NULL,
            valid_to TEXT NOT NULL,
            created_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX transit_rider_token ON transit_rider(token_hash);

        CREATE TABLE transit_pass (
            id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
            operator_code TEXT NOT NULL REFERENCES operator(code),
            token_type TEXT NOT NULL,
            token_hash BLOB NOT NULL,
            product TEXT NOT NULL,
            category TEXT NOT NULL,
            route TEXT,
            valid_month TEXT NOT NULL,
            amount INTEGER NOT NULL,
            created_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX transit_pass_token ON transit_pass(token_hash, valid_month);

        CREATE TABLE deny_list (
            seq INTEGER PRIMARY KEY,
            token_type TEXT NOT NULL,
            token_hash BLOB NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('deny', 'allow')),
            reason TEXT NOT NULL,
            created_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX deny_list_token ON deny_list(token_hash, seq);

        CREATE TABLE fee_payment (
            id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),
            operator_code TEXT NOT NULL REFERENCES operator(code),
            fee_code TEXT NOT NULL,
            payer_name TEXT NOT NULL,
            payer_id_hash BLOB,
            amount INTEGER NOT NULL CHECK (amount >= 0),
            receipt_number INTEGER NOT NULL,
            created_at INTEGER NOT NULL
        ) STRICT;

        -- Gapless document numbers (tickets, receipts) per operator and year; the only mutable rows here.
        CREATE TABLE counter (
            name TEXT PRIMARY KEY NOT NULL,
            value INTEGER NOT NULL
        ) STRICT;
        """ + ["operation", "parking_session", "parking_stop", "device_event", "transit_tap", "transit_rider", "transit_pass", "deny_list", "fee_payment"]
        .map { table in
            """
            CREATE TRIGGER \(table)_append_only_update BEFORE UPDATE ON \(table)
            BEGIN SELECT RAISE(ABORT, '\(table) is append-only: record a new row instead'); END;
            CREATE TRIGGER \(table)_append_only_delete BEFORE DELETE ON \(table)
            BEGIN SELECT RAISE(ABORT, '\(table) is append-only: record a new row instead'); END;
            """
        }.joined(separator: "\n")

    // Issued documents (issue #6): e-invoices, e-tickets and fee e-receipts as signed XML. Numbers are
    // gapless per (operator, template, series, year) because they are taken from `counter` in the same
    // transaction that stores the document; rows are hash-chained like the journal and never change.
    private static let v0005 = """
        CREATE TABLE document (
            seq INTEGER PRIMARY KEY,
            id BLOB NOT NULL UNIQUE CHECK (length(id) = 16),
            operator_code TEXT NOT NULL REFERENCES operator(code),
            kind TEXT NOT NULL CHECK (kind IN ('cash_register_invoice', 'e_ticket', 'fee_receipt')),
            template TEXT NOT NULL,
            series TEXT NOT NULL,
            year INTEGER NOT NULL,
            number INTEGER NOT NULL CHECK (number BETWEEN 1 AND 99999999),
            authority_code TEXT UNIQUE,
            source TEXT NOT NULL UNIQUE,
            issued_at INTEGER NOT NULL,
            total INTEGER NOT NULL CHECK (total >= 0),
            vat INTEGER NOT NULL CHECK (vat >= 0),
            xml BLOB NOT NULL,
            hash BLOB NOT NULL CHECK (length(hash) = 32),
            UNIQUE (operator_code, template, series, year, number)
        ) STRICT;
        CREATE INDEX document_operator ON document(operator_code, seq);
        INSERT INTO chain_head (name, seq, hash, timestamp) VALUES ('document', 0, zeroblob(32), 0);
        CREATE TRIGGER document_append_only_update BEFORE UPDATE ON document
        BEGIN SELECT RAISE(ABORT, 'documents are never changed: issue a replacement document instead'); END;
        CREATE TRIGGER document_append_only_delete BEFORE DELETE ON document
        BEGIN SELECT RAISE(ABORT, 'documents are never deleted: issue a replacement document instead'); END;
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

    // Settlement (issue #7). Running totals per (business day, operator, channel or funder), updated in
    // the posting transaction, so closing a day reads O(groups) rows whatever the day's volume.
    // settlement_assignment holds only transfers whose settlement day differs from their posting day
    // (offline events of an earlier day, late events moved past a closed day), so the day of every
    // transfer can be recomputed from the journal. Closed days are append-only and hash-chained.
    private static let v0004 = """
        CREATE TABLE settlement_rollup (
            day TEXT NOT NULL,
            operator_code TEXT NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('channel', 'funder')),
            qualifier TEXT NOT NULL,
            gross INTEGER NOT NULL DEFAULT 0,
            count INTEGER NOT NULL DEFAULT 0,
            refunds INTEGER NOT NULL DEFAULT 0,
            refund_count INTEGER NOT NULL DEFAULT 0,
            late_amount INTEGER NOT NULL DEFAULT 0,
            late_count INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (day, operator_code, kind, qualifier)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE settlement_assignment (
            transfer_id BLOB PRIMARY KEY NOT NULL,
            event_day TEXT NOT NULL,
            assigned_day TEXT NOT NULL
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX settlement_assignment_day ON settlement_assignment (assigned_day);

        CREATE TABLE settlement_day (
            seq INTEGER PRIMARY KEY NOT NULL,
            day TEXT NOT NULL UNIQUE,
            closed_at INTEGER NOT NULL,
            record TEXT NOT NULL,
            prev_hash BLOB NOT NULL,
            hash BLOB NOT NULL
        ) STRICT;
        CREATE TRIGGER settlement_day_append_only_update BEFORE UPDATE ON settlement_day
        BEGIN SELECT RAISE(ABORT, 'a closed settlement day is final'); END;
        CREATE TRIGGER settlement_day_append_only_delete BEFORE DELETE ON settlement_day
        BEGIN SELECT RAISE(ABORT, 'a closed settlement day is final'); END;
        CREATE TRIGGER settlement_assignment_append_only_update BEFORE UPDATE ON settlement_assignment
        BEGIN SELECT RAISE(ABORT, 'settlement assignments are append-only'); END;
        CREATE TRIGGER settlement_assignment_append_only_delete BEFORE DELETE ON settlement_assignment
        BEGIN SELECT RAISE(ABORT, 'settlement assignments are append-only'); END;
        """

    // Daily closings (issue #6): one signed closing per operator and business day, chained per operator by
    // prev_hash and globally by chain_head; closing_document says which closing took each document (each
    // document is closed exactly once; late ones are flagged); tax_batch keeps the signed TDiep 206 messages.
    private static let v0006 = """
        CREATE TABLE daily_closing (
            seq INTEGER PRIMARY KEY,
            operator_code TEXT NOT NULL REFERENCES operator(code),
            day TEXT NOT NULL,
            number INTEGER NOT NULL CHECK (number >= 1),
            closed_at INTEGER NOT NULL,
            document_count INTEGER NOT NULL,
            late_count INTEGER NOT NULL,
            total INTEGER NOT NULL,
            vat INTEGER NOT NULL,
            cumulative INTEGER NOT NULL,
            xml BLOB NOT NULL,
            prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),
            hash BLOB NOT NULL CHECK (length(hash) = 32),
            UNIQUE (operator_code, day),
            UNIQUE (operator_code, number)
        ) STRICT;

        CREATE TABLE closing_document (
            document_seq INTEGER PRIMARY KEY REFERENCES document(seq),
            closing_seq INTEGER NOT NULL REFERENCES daily_closing(seq),
            late INTEGER NOT NULL CHECK (late IN (0, 1))
        ) STRICT;
        CREATE INDEX closing_document_closing ON closing_document(closing_seq, document_seq);

        CREATE TABLE tax_batch (
            seq INTEGER PRIMARY KEY,
            closing_seq INTEGER NOT NULL REFERENCES daily_closing(seq),
            position INTEGER NOT NULL,
            message_id TEXT NOT NULL UNIQUE,
            template TEXT NOT NULL,
            series TEXT NOT NULL,
            document_count INTEGER NOT NULL,
            late_count INTEGER NOT NULL,
            xml BLOB NOT NULL,
            hash BLOB NOT NULL CHECK (length(hash) = 32),
            UNIQUE (closing_seq, position)
        ) STRICT;

        INSERT INTO chain_head (name, seq, hash, timestamp) VALUES ('daily_closing', 0, zeroblob(32), 0);
        """ + ["daily_closing", "closing_document", "tax_batch"].map { table in
            """
            CREATE TRIGGER \(table)_append_only_update BEFORE UPDATE ON \(table)
            BEGIN SELECT RAISE(ABORT, 'a daily closing is final: \(table) is append-only'); END;
            CREATE TRIGGER \(table)_append_only_delete BEFORE DELETE ON \(table)
            BEGIN SELECT RAISE(ABORT, 'a daily closing is final: \(table) is append-only'); END;
            """
        }.joined(separator: "\n")

    // Bank reconciliation (issue #8). Imported statements and their lines, runs with every result line,
    // and resolutions (each a ledger transfer) are append-only: a re-import is detected by statement id
    // and content hash and writes nothing; a new run adds rows; a resolution is never edited.
    // A document's per-rate amounts, recorded at issue so a daily closing sums them without parsing every XML
    // (`8%=111111+8889;KCT=15000+0`, empty for fee receipts). NULL on documents issued before: read from the XML.
    // `feegate verify` checks them against the XML. Adding a column does not touch existing rows (no UPDATE).
    private static let v0008 = """
        ALTER TABLE document ADD COLUMN rates TEXT;
        """

    private static let v0007 = """
        CREATE TABLE recon_statement (
            seq INTEGER PRIMARY KEY,
            statement_id TEXT NOT NULL,
            account TEXT NOT NULL,
            format TEXT NOT NULL CHECK (format IN ('camt053', 'camt054', 'mt940', 'csv')),
            content_hash TEXT NOT NULL,
            source TEXT NOT NULL,
            opening_balance INTEGER,
            closing_balance INTEGER,
            line_count INTEGER NOT NULL CHECK (line_count >= 0),
            imported_at INTEGER NOT NULL,
            imported_by TEXT,
            UNIQUE (account, statement_id)
        ) STRICT;

        CREATE TABLE recon_line (
            seq INTEGER PRIMARY KEY,
            statement_seq INTEGER NOT NULL REFERENCES recon_statement(seq),
            position INTEGER NOT NULL,
            account TEXT NOT NULL,
            bank_reference TEXT,
            booking_day INTEGER NOT NULL,
            value_day INTEGER,
            amount INTEGER NOT NULL CHECK (amount <> 0 AND amount BETWEEN -1000000000000000 AND 1000000000000000),
            currency TEXT NOT NULL,
            text TEXT NOT NULL,
            counterparty TEXT
        ) STRICT;
        CREATE INDEX recon_line_day ON recon_line(booking_day, seq);

        CREATE TABLE recon_run (
            seq INTEGER PRIMARY KEY,
            from_day INTEGER NOT NULL,
            to_day INTEGER NOT NULL,
            rules TEXT NOT NULL,
            run_by TEXT,
            started_at INTEGER NOT NULL,
            finished_at INTEGER NOT NULL,
            line_count INTEGER NOT NULL,
            CHECK (from_day <= to_day)
        ) STRICT;

        CREATE TABLE recon_result (
            run_seq INTEGER NOT NULL REFERENCES recon_run(seq),
            ord INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('matched', 'amount_mismatch', 'duplicate', 'unmatched_bank', 'unmatched_ledger', 'late')),
            line_seq INTEGER REFERENCES recon_line(seq),
            ledger_key TEXT,
            ledger_kind TEXT,
            ledger_day INTEGER,
            ledger_amount INTEGER,
            reference TEXT,
            grp INTEGER NOT NULL,
            rule TEXT,
            difference INTEGER NOT NULL,
            detail TEXT NOT NULL,
            resolution TEXT,
            PRIMARY KEY (run_seq, ord),
            CHECK (line_seq IS NOT NULL OR ledger_key IS NOT NULL)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE recon_resolution (
            seq INTEGER PRIMARY KEY,
            run_seq INTEGER NOT NULL REFERENCES recon_run(seq),
            status TEXT NOT NULL,
            action TEXT NOT NULL CHECK (action IN ('refund', 'accept', 'write-off')),
            amount INTEGER NOT NULL,
            note TEXT NOT NULL CHECK (length(trim(note)) > 0),
            resolved_by TEXT NOT NULL,
            transfer_id BLOB NOT NULL UNIQUE CHECK (length(transfer_id) = 16),
            at INTEGER NOT NULL
        ) STRICT;
        -- Refund decisions are looked up by status when reconciliation lists what the bank should pay out.
        CREATE INDEX payment_intent_event_refunded ON payment_intent_event(at) WHERE status = 'refunded';

        -- Every bank line ("line:<seq>") and ledger item a resolution settles, each at most once.
        CREATE TABLE recon_resolution_item (
            item TEXT PRIMARY KEY NOT NULL,
            resolution_seq INTEGER NOT NULL REFERENCES recon_resolution(seq)
        ) STRICT, WITHOUT ROWID;

        CREATE TRIGGER recon_statement_append_only_update BEFORE UPDATE ON recon_statement
        BEGIN SELECT RAISE(ABORT, 'recon_statement is append-only: imported statements are kept as imported'); END;
        CREATE TRIGGER recon_statement_append_only_delete BEFORE DELETE ON recon_statement
        BEGIN SELECT RAISE(ABORT, 'recon_statement is append-only: imported statements are kept as imported'); END;
        CREATE TRIGGER recon_line_append_only_update BEFORE UPDATE ON recon_line
        BEGIN SELECT RAISE(ABORT, 'recon_line is append-only: statement lines are kept as the bank reported them'); END;
        CREATE TRIGGER recon_line_append_only_delete BEFORE DELETE ON recon_line
        BEGIN SELECT RAISE(ABORT, 'recon_line is append-only: statement lines are kept as the bank reported them'); END;
        CREATE TRIGGER recon_run_append_only_update BEFORE UPDATE ON recon_run
        BEGIN SELECT RAISE(ABORT, 'recon_run is append-only: a reconciliation run is final: run again instead'); END;
        CREATE TRIGGER recon_run_append_only_delete BEFORE DELETE ON recon_run
        BEGIN SELECT RAISE(ABORT, 'recon_run is append-only: a reconciliation run is final: run again instead'); END;
        CREATE TRIGGER recon_result_append_only_update BEFORE UPDATE ON recon_result
        BEGIN SELECT RAISE(ABORT, 'recon_result is append-only: a reconciliation run is final: run again instead'); END;
        CREATE TRIGGER recon_result_append_only_delete BEFORE DELETE ON recon_result
        BEGIN SELECT RAISE(ABORT, 'recon_result is append-only: a reconciliation run is final: run again instead'); END;
        CREATE TRIGGER recon_resolution_append_only_update BEFORE UPDATE ON recon_resolution
        BEGIN SELECT RAISE(ABORT, 'recon_resolution is append-only: a resolution is final: post a correcting resolution instead'); END;
        CREATE TRIGGER recon_resolution_append_only_delete BEFORE DELETE ON recon_resolution
        BEGIN SELECT RAISE(ABORT, 'recon_resolution is append-only: a resolution is final: post a correcting resolution instead'); END;
        CREATE TRIGGER recon_resolution_item_append_only_update BEFORE UPDATE ON recon_resolution_item
        BEGIN SELECT RAISE(ABORT, 'recon_resolution_item is append-only: a resolution is final: post a correcting resolution instead'); END;
        CREATE TRIGGER recon_resolution_item_append_only_delete BEFORE DELETE ON recon_resolution_item
        BEGIN SELECT RAISE(ABORT, 'recon_resolution_item is append-only: a resolution is final: post a correcting resolution instead'); END;
        """
}
