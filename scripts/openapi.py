#!/usr/bin/env python3
"""Writes Sources/FeeGateGateway/Resources/openapi.json, the API contract served verbatim at GET /openapi.json.

Edit this file, run `python3 scripts/openapi.py`, and commit both. Tests validate the result with
openapi-spec-validator and check the server against it.
"""
import json, pathlib

ACCOUNT_CODES = ["operator_revenue", "vat_payable", "channel_clearing", "subsidy_receivable", "sponsor", "channel_fees",
                 "payouts", "rider_stored_value", "refund_liability", "suspense", "control"]
TRANSFER_CODES = ["parking_fee", "bus_fare", "pass_sale", "public_fee", "subsidy", "payment", "channel_fee", "fee_sponsorship",
                  "payout", "refund", "reversal", "vat", "deposit", "adjustment", "pending_expiry"]
TRANSFER_FLAGS = ["linked", "pending", "post_pending_transfer", "void_pending_transfer", "balancing_debit", "balancing_credit"]
RESULTS = ["ok", "exists", "linked_event_failed", "linked_event_chain_open", "id_must_not_be_zero", "reserved_flag",
           "flags_are_mutually_exclusive", "debit_account_id_required", "credit_account_id_required", "accounts_must_be_different",
           "pending_id_must_be_zero", "pending_id_required", "pending_id_must_be_different", "timeout_reserved_for_pending_transfer",
           "amount_required", "amount_must_not_be_negative", "amount_exceeds_maximum", "code_required", "ledger_must_not_be_zero",
           "reference_too_long", "exists_with_different_flags", "exists_with_different_pending_id", "exists_with_different_timeout",
           "exists_with_different_debit_account_id", "exists_with_different_credit_account_id", "exists_with_different_amount",
           "exists_with_different_reference", "exists_with_different_ledger", "exists_with_different_code", "id_already_failed",
           "debit_account_not_found", "credit_account_not_found", "accounts_must_have_the_same_ledger",
           "transfer_must_have_the_same_ledger_as_accounts", "pending_transfer_not_found", "pending_transfer_not_pending",
           "pending_transfer_has_different_debit_account_id", "pending_transfer_has_different_credit_account_id",
           "pending_transfer_has_different_ledger", "pending_transfer_has_different_code", "exceeds_pending_transfer_amount",
           "pending_transfer_has_different_amount", "pending_transfer_already_posted", "pending_transfer_already_voided",
           "pending_transfer_expired", "overflows_debits_pending", "overflows_credits_pending", "overflows_debits_posted",
           "overflows_credits_posted", "overflows_timeout", "exceeds_credits", "exceeds_debits"]
ACCOUNT_RESULTS = ["ok", "exists", "id_must_not_be_zero", "ledger_must_not_be_zero", "flags_are_mutually_exclusive", "name_required",
                   "exists_with_different_flags", "exists_with_different_ledger", "exists_with_different_code",
                   "exists_with_different_operator", "exists_with_different_name"]

uuid = {"type": "string", "format": "uuid"}
amount = {"type": "integer", "minimum": 0, "maximum": 1000000000000000, "description": "Integer VND (đồng); VND has no minor unit."}
i64 = {"type": "integer", "format": "int64"}
ref = lambda name: {"$ref": f"#/components/schemas/{name}"}

def problem_response(description):
    return {"description": description, "content": {"application/problem+json": {"schema": ref("Problem")}}}

ERRORS = {
    "400": problem_response("Malformed JSON, unknown field, wrong type, bad id or cursor. Nothing was written."),
    "401": problem_response("Missing, unknown or revoked API key."),
    "403": problem_response("The key's role may not use this endpoint."),
    "413": problem_response("Body larger than 8 MiB."),
    "422": problem_response("Semantically invalid input (negative, fractional or > 10^15 amount, unknown flag/code, batch size). Nothing was written."),
    "503": problem_response("The database is unavailable; nothing was written. Retry with the same ids."),
}

def errors(*codes):
    return {c: ERRORS[c] for c in codes}

def cursor_params():
    return [
        {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"}, "description": "Opaque cursor from `next_cursor`."},
        {"name": "limit", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
    ]

id_param = {"name": "id", "in": "path", "required": True, "schema": uuid}

spec = {
    "openapi": "3.1.0",
    "info": {
        "title": "FeeGate API",
        "version": "0.1.0",
        "summary": "Non-cash payment and e-invoice gateway for parking, bus fares and public fees (Hanoi).",
        "description": "All amounts are integer VND. All money-moving requests carry client-chosen UUIDs and are idempotent: "
                       "the same id with the same fields returns the original result; the same id with different fields returns a "
                       "specific conflict result. Errors are RFC 9457 problem details with a stable `code`.",
        "license": {"name": "Proprietary", "identifier": "LicenseRef-FeeGate"},
    },
    "servers": [{"url": "http://127.0.0.1:8080"}],
    "security": [{"bearer": []}],
    "tags": [{"name": "system"}, {"name": "ledger", "description": "Admin ledger API (TigerBeetle semantics)."}],
    "paths": {
        "/health": {"get": {"tags": ["system"], "operationId": "health", "security": [], "summary": "Liveness.",
                            "responses": {"200": {"description": "Up.", "content": {"application/json": {"schema": {
                                "type": "object", "required": ["status"], "properties": {"status": {"const": "ok"}}}}}}}}},
        "/metrics": {"get": {"tags": ["system"], "operationId": "metrics", "security": [], "summary": "Prometheus metrics.",
                             "responses": {"200": {"description": "Prometheus text format.", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
        "/openapi.json": {"get": {"tags": ["system"], "operationId": "openapi", "security": [], "summary": "This document.",
                                  "responses": {"200": {"description": "OpenAPI 3.1.", "content": {"application/json": {"schema": {"type": "object"}}}}}}},
        "/v1/ledger/accounts": {
            "post": {"tags": ["ledger"], "operationId": "createAccounts", "summary": "Create accounts (admin).",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": ref("CreateAccountsRequest")}}},
                     "responses": {"200": {"description": "One result per account, in order.", "content": {"application/json": {"schema": ref("AccountResults")}}},
                                   **errors("400", "401", "403", "413", "422", "503")}},
            "get": {"tags": ["ledger"], "operationId": "listAccounts", "summary": "List accounts (admin, finance; operators see their own).",
                    "parameters": [{"name": "operator", "in": "query", "required": False, "schema": {"type": "string"}}] + cursor_params(),
                    "responses": {"200": {"description": "A page of accounts.", "content": {"application/json": {"schema": ref("AccountPage")}}},
                                  **errors("400", "401", "403", "503")}},
        },
        "/v1/ledger/accounts/{id}": {"get": {"tags": ["ledger"], "operationId": "getAccount", "summary": "One account with its balance counters.",
                                             "parameters": [id_param],
                                             "responses": {"200": {"description": "The account.", "content": {"application/json": {"schema": ref("Account")}}},
                                                           "404": problem_response("No such account visible to this key."),
                                                           **errors("400", "401", "403", "503")}}},
        "/v1/ledger/accounts/{id}/transfers": {"get": {"tags": ["ledger"], "operationId": "getAccountTransfers", "summary": "The account's transfers, oldest first.",
                                                       "parameters": [id_param] + cursor_params(),
                                                       "responses": {"200": {"description": "A page of transfers.", "content": {"application/json": {"schema": ref("TransferPage")}}},
                                                                     "404": problem_response("No such account visible to this key."),
                                                                     **errors("400", "401", "403", "503")}}},
        "/v1/ledger/transfers": {"post": {"tags": ["ledger"], "operationId": "createTransfers", "summary": "Post up to 8,190 transfers (admin).",
                                          "description": "Transfers are applied in order and group-committed with concurrent requests; the response "
                                                         "comes after the commit is durable. Unlinked transfers succeed or fail independently; a `linked` "
                                                         "chain commits or fails as a unit. A failure that depends on ledger state (insufficient funds, "
                                                         "missing account) is recorded, and a retry of that id returns `id_already_failed`.",
                                          "requestBody": {"required": True, "content": {"application/json": {"schema": ref("CreateTransfersRequest")}}},
                                          "responses": {"200": {"description": "One result per transfer, in order.", "content": {"application/json": {"schema": ref("TransferResults")}}},
                                                        **errors("400", "401", "403", "413", "422", "503")}}},
        "/v1/ledger/transfers/{id}": {"get": {"tags": ["ledger"], "operationId": "getTransfer", "summary": "One committed transfer.",
                                              "parameters": [id_param],
                                              "responses": {"200": {"description": "The transfer.", "content": {"application/json": {"schema": ref("Transfer")}}},
                                                            "404": problem_response("Not in the journal (`not_found`), or rejected earlier (`transfer_failed`, with `result`)."),
                                                            **errors("400", "401", "403", "503")}}},
    },
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "A key from `feegate keys create`."}},
        "schemas": {
            "Problem": {"type": "object", "required": ["type", "title", "status", "detail", "code"],
                        "properties": {"type": {"type": "string", "format": "uri"}, "title": {"type": "string"},
                                       "status": {"type": "integer"}, "detail": {"type": "string"},
                                       "code": {"type": "string", "description": "Stable machine-readable error code."},
                                       "instance": {"type": "string"},
                                       "result": {"type": "string", "description": "For `transfer_failed`: the recorded result."},
                                       "errors": {"type": "array", "items": {"type": "object", "required": ["pointer", "detail"],
                                                                               "properties": {"pointer": {"type": "string"}, "detail": {"type": "string"}}}}}},
            "AccountInput": {"type": "object", "additionalProperties": False, "required": ["id", "code", "name"],
                             "properties": {"id": uuid, "ledger": {"type": "integer", "minimum": 1, "default": 704},
                                            "code": {"enum": ACCOUNT_CODES}, "name": {"type": "string", "minLength": 1},
                                            "operator": {"type": "string"},
                                            "flags": {"type": "array", "items": {"enum": ["debits_must_not_exceed_credits", "credits_must_not_exceed_debits"]}}}},
            "CreateAccountsRequest": {"type": "object", "additionalProperties": False, "required": ["accounts"],
                                      "properties": {"accounts": {"type": "array", "minItems": 1, "maxItems": 8190, "items": ref("AccountInput")}}},
            "Account": {"type": "object", "required": ["id", "ledger", "code", "flags", "name", "debits_pending", "debits_posted",
                                                        "credits_pending", "credits_posted", "timestamp", "created_at"],
                        "properties": {"id": uuid, "ledger": {"type": "integer"}, "code": {"enum": ACCOUNT_CODES},
                                       "flags": {"type": "array", "items": {"type": "string"}}, "operator": {"type": "string"},
                                       "name": {"type": "string"}, "debits_pending": i64, "debits_posted": i64,
                                       "credits_pending": i64, "credits_posted": i64,
                                       "timestamp": {**i64, "description": "Ledger time, ns since the Unix epoch."},
                                       "created_at": {"type": "string", "format": "date-time"}}},
            "AccountResults": {"type": "object", "required": ["results"], "properties": {"results": {"type": "array", "items": {
                "type": "object", "required": ["index", "id", "result"],
                "properties": {"index": {"type": "integer"}, "id": uuid, "result": {"enum": ACCOUNT_RESULTS}, "detail": {"type": "string"},
                               "account": ref("Account")}}}}},
            "AccountPage": {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": ref("Account")},
                                                                                   "next_cursor": {"type": "string"}}},
            "TransferInput": {"type": "object", "additionalProperties": False, "required": ["id"],
                              "properties": {"id": {**uuid, "description": "Client-chosen idempotency key."},
                                             "debit_account_id": uuid, "credit_account_id": uuid,
                                             "amount": {**amount, "description": "Required except when posting or voiding a pending transfer."},
                                             "pending_id": uuid, "timeout": {"type": "integer", "minimum": 0, "maximum": 4294967295,
                                                                             "description": "Seconds until a pending transfer expires; 0 = never."},
                                             "ledger": {"type": "integer", "minimum": 1}, "code": {"enum": TRANSFER_CODES},
                                             "flags": {"type": "array", "items": {"enum": TRANSFER_FLAGS}},
                                             "reference": {"type": "string", "maxLength": 256}}},
            "CreateTransfersRequest": {"type": "object", "additionalProperties": False, "required": ["transfers"],
                                       "properties": {"transfers": {"type": "array", "minItems": 1, "maxItems": 8190, "items": ref("TransferInput")}}},
            "Transfer": {"type": "object", "required": ["id", "debit_account_id", "credit_account_id", "amount", "timeout", "ledger", "code",
                                                         "flags", "timestamp", "created_at"],
                         "properties": {"id": uuid, "seq": {**i64, "description": "Position in the journal."}, "debit_account_id": uuid,
                                        "credit_account_id": uuid, "amount": amount, "pending_id": uuid, "timeout": {"type": "integer"},
                                        "ledger": {"type": "integer"}, "code": {"enum": TRANSFER_CODES},
                                        "flags": {"type": "array", "items": {"type": "string"}}, "reference": {"type": "string"},
                                        "timestamp": i64, "created_at": {"type": "string", "format": "date-time"},
                                        "resolution": {"enum": ["pending", "posted", "voided", "expired"]}}},
            "TransferResults": {"type": "object", "required": ["results"], "properties": {"results": {"type": "array", "items": {
                "type": "object", "required": ["index", "id", "result", "committed"],
                "properties": {"index": {"type": "integer"}, "id": uuid, "result": {"enum": RESULTS},
                               "committed": {"type": "boolean", "description": "true for `ok` and `exists`."},
                               "detail": {"type": "string"}, "transfer": ref("Transfer")}}}}},
            "TransferPage": {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": ref("Transfer")},
                                                                                    "next_cursor": {"type": "string"}}},
        },
    },
}

out = pathlib.Path(__file__).resolve().parent.parent / "Sources/FeeGateGateway/Resources/openapi.json"
out.write_text(json.dumps(spec, indent=2, ensure_ascii=False) + "\n")
print(f"wrote {out}")
