#!/usr/bin/env python3
"""Seeds a FeeGate database with one business day of bank-QR payments and writes the bank's statement of that day.

    python3 Benchmarks/reconciliation/make_day.py DB STATEMENT [--lines 1000000] [--day 2026-11-21] [--format mt940|csv]

DB must be migrated (`feegate migrate --db DB`); it may be a database a `feegate-sim` run left (its ledger is untouched:
only payment intents, notifications and outcomes are added, as the payments flow stores them, plus one sealed settlement
record with the day's payouts when the day is not closed yet). The statement holds, in booking order:

- one credit per notification (references upper-cased, prefixed and split the way banks show them);
- about 2 % of intents paid in two transfers (many-to-one), 1 % of transfers paying two intents (one-to-many);
- 0.5 % amount differences, 0.5 % credits the ledger never saw, 0.2 % notifications the bank never booked;
- one debit per operator payout.

Bulk SQL is used only to make a benchmark database quickly; FeeGate writes these tables through its store.
"""
import argparse
import random
import sqlite3
import uuid
import datetime

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def reference(n):
    # FeeGate's reference shape (FG + 7 symbols); the check symbol is not needed for matching.
    body = ""
    for _ in range(7):
        body = ALPHABET[n % 32] + body
        n //= 32
    return "FG" + body


def main():
    p = argparse.ArgumentParser()
    p.add_argument("db")
    p.add_argument("statement")
    p.add_argument("--lines", type=int, default=1_000_000)
    p.add_argument("--day", default="2026-11-21")
    p.add_argument("--format", default="mt940", choices=["mt940", "csv"])
    p.add_argument("--account", default="0011001234567")
    p.add_argument("--seed", type=int, default=8)
    a = p.parse_args()
    rng = random.Random(a.seed)
    day = datetime.date.fromisoformat(a.day)
    start_ns = int(datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.timezone(datetime.timedelta(hours=7))).timestamp()) * 1_000_000_000
    db = sqlite3.connect(a.db)
    db.execute("PRAGMA synchronous = OFF")
    operators = [r[0] for r in db.execute("SELECT code FROM operator")]
    if not operators:
        operators = ["HN-PARK-01", "HN-BUS-01", "HN-FEES-01"]
        db.executemany(
            "INSERT INTO operator (code, name, tax_code, kind, created_at) VALUES (?, ?, ?, ?, ?)",
            [(op, op, "0101234567", ["parking", "bus", "fees"][i % 3], start_ns) for i, op in enumerate(operators)],
        )
    offset = (db.execute("SELECT COALESCE(MAX(seq), 0) FROM payment_intent").fetchone()[0] + 1) * 7919
    intents, notifications, outcomes, events, lines = [], [], [], [], []
    n = 0
    i = 0
    while len(lines) < a.lines - len(operators):
        i += 1
        op = operators[i % len(operators)]
        ref = reference(offset + i * 104729)
        price = rng.randint(1, 400) * 1_000
        at = start_ns + rng.randint(0, 86_399) * 1_000_000_000
        iid = uuid.uuid4().bytes
        intents.append((iid, op, price, ref, "Phí", "KCT", 2001, at + 3_600_000_000_000, "000201", ref, at))
        roll = rng.random()
        parts = [price // 2, price - price // 2] if roll < 0.02 else [price]
        paid = 0
        for k, amount in enumerate(parts):
            nid = uuid.uuid4().bytes
            n += 1
            t = at + k * 60_000_000_000
            notifications.append((nid, "casso", "POST", b"{}", "{}", t, 1, "ok", op, f"T{n}", "credit", amount, f"CT {ref}", t))
            paid += amount
            outcomes.append((nid, "paid" if paid >= price else "underpaid", iid, op, amount, "", "", t))
            events.append((iid, "paid" if paid >= price else "underpaid", paid, nid, "", "", t))
            if rng.random() < 0.002:
                continue  # the bank never booked it: unmatched_ledger
            bank_amount = amount + (1_000 if rng.random() < 0.005 else 0)  # the payer sent 1,000 more: amount_mismatch
            text = rng.choice(["MBVCB.{n}.{r}.CT tu NGUYEN VAN A", "{rl} thanh toan", "IBFT {r3} GD {n}", "CK {r}"]).format(
                n=n, r=ref, rl=ref.lower(), r3=ref[:3] + "-" + ref[3:6] + "-" + ref[6:])
            lines.append((t, bank_amount, f"FT{n:010d}", text))
        if rng.random() < 0.005:
            n += 1
            lines.append((at, rng.randint(1, 99) * 1_000, f"FT{n:010d}", "chuyen tien khong noi dung"))  # unmatched_bank
    # One transfer paying two intents (one-to-many): merge 1 % of adjacent single-part lines.
    merged = []
    j = 0
    while j < len(lines):
        if j + 1 < len(lines) and rng.random() < 0.01 and lines[j][3].startswith("CK FG") and lines[j + 1][3].startswith("CK FG"):
            merged.append((lines[j][0], lines[j][1] + lines[j + 1][1], lines[j][2], lines[j][3] + " " + lines[j + 1][3][3:]))
            j += 2
        else:
            merged.append(lines[j])
            j += 1
    lines = merged
    db.executemany(
        """INSERT INTO payment_intent (id, operator_code, amount, reference, purpose, vat_rate, code, expires_at, vietqr, fingerprint, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", intents)
    db.executemany(
        """INSERT INTO payment_notification (id, provider, method, raw_body, headers, received_at, verified, verification, operator_code,
           provider_transaction_id, direction, amount, content, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", notifications)
    db.executemany(
        """INSERT INTO payment_outcome (notification_id, outcome, intent_id, operator_code, amount, transfer_ids, detail, processed_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)""", outcomes)
    db.executemany(
        """INSERT INTO payment_intent_event (intent_id, status, paid, notification_id, action, actor, transfer_ids, detail, at)
           VALUES (?, ?, ?, ?, NULL, NULL, ?, ?, ?)""", [(e[0], e[1], e[2], e[3], e[4], e[5], e[6]) for e in events])
    # Payouts of the day, sealed like a settlement record (only when the day is not closed already).
    payouts = []
    closed = db.execute("SELECT record FROM settlement_day WHERE day = ?", (a.day,)).fetchone()
    if closed is None:
        for op in operators:
            payouts.append({"operator": op, "amount": rng.randint(10_000, 900_000) * 1_000, "reference": f"FGS {a.day.replace('-', '')} {op}", "status": "ready"})
        import json, hashlib
        record = json.dumps({"day": a.day, "payouts": payouts, "groups": [], "claims": [], "warnings": [], "status": "closed"}, sort_keys=True)
        prev = db.execute("SELECT hash FROM settlement_day ORDER BY seq DESC LIMIT 1").fetchone()
        prev = prev[0] if prev else bytes(32)
        seq = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM settlement_day").fetchone()[0]
        db.execute("INSERT INTO settlement_day (seq, day, closed_at, record, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)",
                   (seq, a.day, start_ns, record, prev, hashlib.sha256(prev + record.encode()).digest()))
    else:
        import json
        payouts = [p for p in json.loads(closed[0])["payouts"] if p["status"] == "ready" and p["amount"] > 0]
    db.commit()
    for p in payouts:
        lines.append((start_ns + 86_000 * 1_000_000_000, -p["amount"], f"PO{p['operator']}", p["reference"]))
    lines.sort(key=lambda l: l[0])

    d = day.strftime("%y%m%d")
    with open(a.statement, "w", encoding="utf-8") as out:
        if a.format == "csv":
            out.write("\ufeffNgày giao dịch,Số tham chiếu,Số tiền ghi nợ,Số tiền ghi có,Nội dung\n")
            for _, amount, ref, text in lines:
                debit, credit = (f"{-amount:,}", "") if amount < 0 else ("", f"{amount:,}")
                out.write(f'{day.strftime("%d/%m/%Y")},{ref},"{debit}","{credit}",{text}\n')
        else:
            total = sum(l[1] for l in lines)
            out.write(f":20:BENCH-{a.day}\n:25:{a.account}\n:28C:1/1\n:60F:C{d}VND0,\n")
            for _, amount, ref, text in lines:
                mark = "C" if amount >= 0 else "D"
                out.write(f":61:{d}{d[2:]}{mark}{abs(amount)},NTRFNONREF//{ref}\n:86:{text}\n")
            out.write(f":62F:{'C' if total >= 0 else 'D'}{d}VND{abs(total)},\n")
    print(f"{len(intents)} intents, {len(notifications)} notifications, {len(payouts)} payouts; statement of {len(lines)} lines → {a.statement}")


if __name__ == "__main__":
    main()
