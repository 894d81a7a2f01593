#!/usr/bin/env python3
"""Writes bank statements with independent PyPI libraries, for FeeGate's reconciliation tests.

    python3 generate_statements.py SPEC.json

SPEC.json: {"statements": [{"format": "camt053"|"camt054"|"mt940", "path": "...", "id": "...", "account": "...",
            "opening": 0, "date": "2026-11-21",
            "entries": [{"amount": 25000, "booking": "2026-11-21", "value": "2026-11-21", "ref": "BANKREF1",
                         "text": "...", "counterparty": "..."}]}]}

camt.053 (001.08) and camt.054 (001.08) are built with pyiso20022's generated dataclasses and serialised by
xsdata; MT940 is written by mt940-writer. Amounts are whole VND (signed: negative = debit). FeeGate's code is
not used here, so a misreading on either side shows up as a test failure.
"""
import datetime
import decimal
import json
import sys

import mt940_writer
from xsdata.formats.dataclass.serializers import XmlSerializer
from xsdata.formats.dataclass.serializers.config import SerializerConfig
from xsdata.models.datatype import XmlDate, XmlDateTime


def day(text):
    return datetime.date.fromisoformat(text)


def camt(spec, notification):
    if notification:
        from pyiso20022.camt.camt_054_001_08 import camt_054_001_08 as m
    else:
        from pyiso20022.camt.camt_053_001_08 import camt_053_001_08 as m

    def amount(value):
        return m.ActiveOrHistoricCurrencyAndAmount(value=decimal.Decimal(abs(value)), ccy="VND")

    def when(text):
        d = day(text)
        return m.DateAndDateTime2Choice(dt=XmlDate(d.year, d.month, d.day))

    def code(value):
        return m.CreditDebitCode.CRDT if value >= 0 else m.CreditDebitCode.DBIT

    entries = []
    for e in spec["entries"]:
        parties = None
        if e.get("counterparty"):
            party = m.Party40Choice(pty=m.PartyIdentification135(nm=e["counterparty"]))
            parties = m.TransactionParties6(dbtr=party) if e["amount"] >= 0 else m.TransactionParties6(cdtr=party)
        tx = m.EntryTransaction10(
            refs=m.TransactionReferences6(end_to_end_id=e.get("end_to_end", "NOTPROVIDED")),
            rltd_pties=parties,
            rmt_inf=m.RemittanceInformation16(ustrd=[e["text"]]) if e.get("text") else None,
        )
        entries.append(
            m.ReportEntry10(
                amt=amount(e["amount"]),
                cdt_dbt_ind=code(e["amount"]),
                sts=m.EntryStatus1Choice(cd=e.get("status", "BOOK")),
                bookg_dt=when(e["booking"]),
                val_dt=when(e.get("value", e["booking"])),
                acct_svcr_ref=e.get("ref"),
                bk_tx_cd=m.BankTransactionCodeStructure4(
                    domn=m.BankTransactionCodeStructure5(
                        cd="PMNT",
                        fmly=m.BankTransactionCodeStructure6(cd="RCDT" if e["amount"] >= 0 else "ICDT", sub_fmly_cd="DMCT"),
                    )
                ),
                ntry_dtls=[m.EntryDetails9(tx_dtls=[tx])],
            )
        )
    account = m.CashAccount39(id=m.AccountIdentification4Choice(othr=m.GenericAccountIdentification1(id=spec["account"])), ccy="VND")
    created = XmlDateTime(2026, 11, 22, 6, 0, 0, 0, 420)
    header = m.GroupHeader81(msg_id="MSG-" + spec["id"], cre_dt_tm=created)
    if notification:
        body = m.AccountNotification17(id=spec["id"], cre_dt_tm=created, acct=account, ntry=entries)
        document = m.Document(bk_to_cstmr_dbt_cdt_ntfctn=m.BankToCustomerDebitCreditNotificationV08(grp_hdr=header, ntfctn=[body]))
    else:
        opening = spec.get("opening", 0)
        closing = opening + sum(e["amount"] for e in spec["entries"])
        if "closing" in spec:
            closing = spec["closing"]

        def balance(kind, value):
            return m.CashBalance8(
                tp=m.BalanceType13(cd_or_prtry=m.BalanceType10Choice(cd=kind)), amt=amount(value), cdt_dbt_ind=code(value), dt=when(spec["date"])
            )

        body = m.AccountStatement9(
            id=spec["id"], cre_dt_tm=created, acct=account, bal=[balance("OPBD", opening), balance("CLBD", closing)], ntry=entries
        )
        document = m.Document(bk_to_cstmr_stmt=m.BankToCustomerStatementV08(grp_hdr=header, stmt=[body]))
    serializer = XmlSerializer(config=SerializerConfig(indent="  "))
    return serializer.render(document, ns_map={None: m.__NAMESPACE__})


def mt940(spec):
    opening = spec.get("opening", 0)
    closing = spec.get("closing", opening + sum(e["amount"] for e in spec["entries"]))
    transactions = []
    for e in spec["entries"]:
        # mt940-writer puts the narrative where :61: has its customer reference (16 characters in SWIFT's rules);
        # the bank reference follows "//", and the remittance text goes to :86:.
        narrative = e.get("customer_ref", "NONREF")
        if e.get("ref"):
            narrative += "//" + e["ref"]
        transactions.append(
            mt940_writer.Transaction(
                day(e["booking"]),
                decimal.Decimal(e["amount"]),
                mt940_writer.TransactionType.transfer,
                narrative,
                mt940_writer.TransactionAdditionalInfo(e.get("text", "")),
            )
        )
    statement = mt940_writer.Statement(
        spec["id"],
        mt940_writer.Account(spec["account"], spec.get("bank_code", "")),
        spec.get("number", "1/1"),
        mt940_writer.Balance(decimal.Decimal(opening), day(spec["date"]), "VND"),
        mt940_writer.Balance(decimal.Decimal(closing), day(spec["date"]), "VND"),
        transactions,
    )
    return str(statement) + "\n"


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    for s in spec["statements"]:
        if s["format"] == "mt940":
            text = mt940(s)
        else:
            text = camt(s, notification=s["format"] == "camt054")
        with open(s["path"], "w", encoding="utf-8") as out:
            out.write(text)


if __name__ == "__main__":
    main()
