#!/usr/bin/env python3
"""Writes Sources/FeeGateGateway/Resources/openapi.json, the API contract served verbatim at GET /openapi.json.

Edit this file, run `python3 scripts/openapi.py`, and commit both. Tests validate the result with
openapi-spec-validator and check the server against it.
"""
import json, pathlib

ACCOUNT_CODES = ["operator_revenue", "vat_payable", "channel_clearing", "subsidy_receivable", "sponsor", "channel_fees",
                 "payouts", "rider_stored_value", "refund_liability", "suspense", "control", "unapplied_payments"]
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
INTENT_STATUSES = ["pending", "paid", "underpaid", "overpaid", "late", "expired", "refunded"]
PAYMENT_OUTCOMES = ["paid", "underpaid", "overpaid", "late", "unmatched", "failed", "ignored"]
REVENUE_CODES = ["payment", "parking_fee", "bus_fare", "pass_sale", "public_fee"]
VNPAY_CODES = ["00", "01", "02", "03", "04", "97", "99"]
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
    "429": problem_response("Too many requests for this key; retry after `Retry-After` seconds."),
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

def notification_op(provider, summary, parameters):
    return {"post": {"tags": ["notifications"], "operationId": f"notify{provider.capitalize()}", "security": [], "summary": summary,
                     "parameters": parameters,
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
                     "responses": {"200": {"description": "Stored and processed (or a redelivery, acknowledged).",
                                           "content": {"application/json": {"schema": ref("NotificationAck")}}},
                                   "400": problem_response("`malformed_notification`: the body cannot be read. Stored, not processed."),
                                   "401": problem_response("`invalid_signature`: bad or missing signature or key, timestamp outside the window, or no "
                                                           "credentials configured. Stored, never processed."),
                                   "413": ERRORS["413"],
                                   "503": problem_response("`storage_unavailable` or `payment_processing_failed`: retry; a stored notification is "
                                                           "processed on redelivery or by the recovery sweep.")}}}

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
    "tags": [{"name": "system"}, {"name": "ledger", "description": "Admin ledger API (TigerBeetle semantics)."},
             {"name": "payments", "description": "Bank-QR (VietQR) payment intents and their outcomes."},
             {"name": "notifications", "description": "Signed bank notifications from payOS, Casso, VNPAY and SePay (no bearer key: "
                                                      "the provider's signature is verified over the raw body or query). Every request is "
                                                      "stored raw before anything else; a redelivery is acknowledged and changes nothing."}],
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

        "/v1/payments/qr": {"post": {"tags": ["payments"], "operationId": "createPaymentIntent",
                                     "summary": "Create a VietQR payment intent (admin; an operator key for its own operator).",
                                     "description": "The client's `id` is the idempotency key: the same id and body return the original "
                                                    "answer with 200; the same id with a different body is a 409 `idempotency_conflict`. "
                                                    "The VietQR is built for the operator's collection account from the payments "
                                                    "configuration; 62/08 carries the reference (and the purpose when both fit in 25 characters).",
                                     "requestBody": {"required": True, "content": {"application/json": {"schema": ref("CreatePaymentIntentRequest")}}},
                                     "responses": {"201": {"description": "Created.", "content": {"application/json": {"schema": ref("PaymentIntentCreated")}}},
                                                   "200": {"description": "An identical retry: the original answer.", "content": {"application/json": {"schema": ref("PaymentIntentCreated")}}},
                                                   "404": problem_response("The operator does not exist."),
                                                   "409": problem_response("`idempotency_conflict` (same id, different body) or `reference_taken`."),
                                                   **errors("400", "401", "403", "413"),
                                                   "422": problem_response("`invalid_amount`, `invalid_reference`, `invalid_expiry` (not in the future), `invalid_field`, "
                                                                           "`missing_field`, `payments_not_configured` (no collection account for the operator)."),
                                                   **errors("503")}}},
        "/v1/payments": {"get": {"tags": ["payments"], "operationId": "listPaymentIntents",
                                 "summary": "Payment intents, oldest first, with their status now (admin, finance: all or ?operator=; operators their own).",
                                 "parameters": [{"name": "status", "in": "query", "required": False, "schema": {"enum": INTENT_STATUSES}},
                                                {"name": "operator", "in": "query", "required": False, "schema": {"type": "string"}},
                                                {"name": "cursor", "in": "query", "required": False, "schema": {"type": "string"},
                                                 "description": "The `next_cursor` of the previous page."},
                                                {"name": "limit", "in": "query", "required": False,
                                                 "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}}],
                                 "responses": {"200": {"description": "A page of intents.", "content": {"application/json": {"schema": {
                                     "type": "object", "required": ["items", "next_cursor"],
                                     "properties": {"items": {"type": "array", "items": {
                                         "type": "object", "required": ["intent_id", "operator", "status", "amount", "paid", "late_amount", "reference",
                                                                        "purpose", "expires_at", "created_at", "updated_at"],
                                         "properties": {"intent_id": uuid, "operator": {"type": "string"}, "status": {"enum": INTENT_STATUSES},
                                                        "amount": amount, "paid": amount, "late_amount": amount, "reference": {"type": "string"},
                                                        "purpose": {"type": "string"}, "expires_at": {"type": "string", "format": "date-time"},
                                                        "created_at": {"type": "string", "format": "date-time"},
                                                        "updated_at": {"type": "string", "format": "date-time"}}}},
                                                    "next_cursor": {"type": "string"}}}}}},
                                               **errors("400", "401", "403", "503")}}},
        "/v1/payments/{id}": {"get": {"tags": ["payments"], "operationId": "getPaymentIntent",
                                      "summary": "An intent's status and every notification received for it (admin, finance; operators their own).",
                                      "parameters": [id_param],
                                      "responses": {"200": {"description": "The intent.", "content": {"application/json": {"schema": ref("PaymentIntent")}}},
                                                    "404": problem_response("No such intent visible to this key."),
                                                    **errors("400", "401", "403", "503")}}},
        "/v1/payments/{id}/resolve": {"post": {"tags": ["payments"], "operationId": "resolvePaymentIntent",
                                               "summary": "Resolve an underpaid or late intent: accept the money received as the payment, or owe it back (admin, finance; operators their own).",
                                               "parameters": [id_param],
                                               "requestBody": {"required": True, "content": {"application/json": {"schema": ref("ResolvePaymentRequest")}}},
                                               "responses": {"200": {"description": "The intent after the resolution.", "content": {"application/json": {"schema": ref("PaymentIntent")}}},
                                                             "404": problem_response("No such intent visible to this key."),
                                                             "409": problem_response("`not_resolvable`: the intent is not underpaid or late."),
                                                             **errors("400", "401", "403", "422", "503")}}},
        "/v1/notifications/payos": notification_op("payos", "payOS payment webhook: `signature` in the body, HMAC-SHA256 over the sorted `k=v` pairs of `data`.", []),
        "/v1/notifications/casso": notification_op("casso", "Casso webhook V2: HMAC-SHA512 over `t.` + the key-sorted JSON body.",
                                                   [{"name": "X-Casso-Signature", "in": "header", "required": True, "schema": {"type": "string"},
                                                     "description": "`t=<ms>,v1=<hex>`."}]),
        "/v1/notifications/sepay": notification_op("sepay", "SePay webhook: `Authorization: Apikey <key>`, or HMAC-SHA256 over `<timestamp>.<raw body>` "
                                                   "with a 5-minute window (as configured per operator). Answers `{\"success\":true}`.",
                                                   [{"name": "X-SePay-Timestamp", "in": "header", "required": False, "schema": {"type": "string"}},
                                                    {"name": "X-SePay-Signature", "in": "header", "required": False, "schema": {"type": "string"},
                                                     "description": "`sha256=<hex>` (HMAC mode)."}]),
        "/v1/notifications/vnpay": {"get": {"tags": ["notifications"], "operationId": "notifyVnpay", "security": [],
                                            "summary": "VNPAY IPN: HMAC-SHA512 over the sorted, form-encoded query without the hash fields.",
                                            "description": "Always HTTP 200 with `{RspCode, Message}` as VNPAY expects: `97` bad checksum (recorded, not processed), "
                                                           "`02` redelivery, `01` no matching intent (money in suspense), `04` wrong amount (under- or overpaid, "
                                                           "recorded), `00` otherwise (paid, late, or a failed payment recorded), `99` unreadable or not storable.",
                                            "parameters": [{"name": "vnp_SecureHash", "in": "query", "required": True, "schema": {"type": "string"}},
                                                           {"name": "vnp_TransactionNo", "in": "query", "required": True, "schema": {"type": "string"}},
                                                           {"name": "vnp_Amount", "in": "query", "required": True, "schema": {"type": "string"},
                                                            "description": "VND × 100."},
                                                           {"name": "vnp_OrderInfo", "in": "query", "required": False, "schema": {"type": "string"},
                                                            "description": "Searched for the payment reference, as is `vnp_TxnRef`."},
                                                           {"name": "vnp_TxnRef", "in": "query", "required": False, "schema": {"type": "string"}}],
                                            "responses": {"200": {"description": "VNPAY's answer format.", "content": {"application/json": {"schema": ref("VnpayIpnResponse")}}}}}},
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
            "CreatePaymentIntentRequest": {"type": "object", "additionalProperties": False, "required": ["id", "operator", "amount", "purpose", "expires_at"],
                                           "properties": {"id": {**uuid, "description": "Client-chosen idempotency key."},
                                                          "operator": {"type": "string"},
                                                          "amount": {**amount, "minimum": 1, "description": "VAT-inclusive price in VND."},
                                                          "reference": {"type": "string", "description": "Optional FeeGate payment reference (FG + 6 symbols + check symbol); generated when omitted."},
                                                          "purpose": {"type": "string", "minLength": 1, "maxLength": 200},
                                                          "expires_at": {"type": "string", "format": "date-time", "description": "RFC 3339 with an offset; must be in the future."},
                                                          "vat_rate": {"type": "string", "default": "KCT", "description": "TSuat label: 0%, 5%, 8%, 10%, KCT, KKKNT, KHAC:AB.CD%."},
                                                          "code": {"enum": REVENUE_CODES, "default": "payment"}}},
            "PaymentIntentCreated": {"type": "object", "required": ["intent_id", "status", "vietqr", "reference", "amount", "expires_at", "operator"],
                                     "properties": {"intent_id": uuid, "status": {"const": "pending"}, "vietqr": {"type": "string", "description": "EMVCo/NAPAS payload to show as a QR code."},
                                                    "reference": {"type": "string"}, "amount": amount, "expires_at": {"type": "string", "format": "date-time"},
                                                    "operator": {"type": "string"}}},
            "ResolvePaymentRequest": {"type": "object", "additionalProperties": False, "required": ["action"],
                                      "properties": {"action": {"enum": ["accept", "refund"]}}},
            "PaymentNotification": {"type": "object", "required": ["id", "provider", "received_at", "duplicate", "transfer_ids"],
                                    "properties": {"id": uuid, "provider": {"enum": ["payos", "casso", "vnpay", "sepay"]},
                                                   "provider_transaction_id": {"type": "string"}, "received_at": {"type": "string", "format": "date-time"},
                                                   "duplicate": {"type": "boolean"}, "duplicate_of": uuid, "amount": amount, "content": {"type": "string"},
                                                   "transaction_time": {"type": "string"}, "outcome": {"enum": PAYMENT_OUTCOMES}, "detail": {"type": "string"},
                                                   "transfer_ids": {"type": "array", "items": uuid}}},
            "PaymentIntentEvent": {"type": "object", "required": ["status", "paid", "at", "detail", "transfer_ids"],
                                   "properties": {"status": {"enum": INTENT_STATUSES}, "paid": amount, "at": {"type": "string", "format": "date-time"},
                                                  "notification_id": uuid, "action": {"enum": ["accept", "refund"]}, "detail": {"type": "string"},
                                                  "transfer_ids": {"type": "array", "items": uuid}}},
            "PaymentIntent": {"type": "object", "required": ["intent_id", "operator", "status", "amount", "paid", "late_amount", "reference", "purpose",
                                                             "vat_rate", "code", "vietqr", "expires_at", "created_at", "updated_at", "notifications", "events"],
                              "properties": {"intent_id": uuid, "operator": {"type": "string"}, "status": {"enum": INTENT_STATUSES},
                                             "amount": amount, "paid": {**amount, "description": "Received on time and held for the intent."},
                                             "late_amount": {**amount, "description": "Received after expiry, held as refund liability."},
                                             "reference": {"type": "string"}, "purpose": {"type": "string"}, "vat_rate": {"type": "string"},
                                             "code": {"enum": REVENUE_CODES}, "vietqr": {"type": "string"},
                                             "expires_at": {"type": "string", "format": "date-time"}, "created_at": {"type": "string", "format": "date-time"},
                                             "updated_at": {"type": "string", "format": "date-time"},
                                             "notifications": {"type": "array", "items": ref("PaymentNotification")},
                                             "events": {"type": "array", "items": ref("PaymentIntentEvent")}}},
            "NotificationAck": {"type": "object", "required": ["success", "notification_id", "duplicate", "outcome"],
                                "properties": {"success": {"const": True}, "notification_id": uuid, "duplicate": {"type": "boolean"},
                                               "outcome": {"enum": PAYMENT_OUTCOMES}, "intent_id": uuid}},
            "VnpayIpnResponse": {"type": "object", "required": ["RspCode", "Message"],
                                 "properties": {"RspCode": {"enum": VNPAY_CODES}, "Message": {"type": "string"}}},
            "TransferPage": {"type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": ref("Transfer")},
                                                                                    "next_cursor": {"type": "string"}}},
        },
    },
}


# ---- Operator API (issue #4) ------------------------------------------------------------------
instant = {"type": "string", "format": "date-time", "description": "ISO 8601 with offset, e.g. 2026-11-21T08:00:00+07:00."}
token = {"type": "object", "additionalProperties": False, "required": ["type", "value"],
         "properties": {"type": {"enum": ["transit_card", "cccd", "app_qr", "bank_card"]},
                        "value": {"type": "string", "minLength": 1, "maxLength": 128,
                                  "description": "Stored only as a keyed hash; never logged."}}}
payment_in = {"type": "object", "additionalProperties": False, "required": ["method"],
              "properties": {"method": {"enum": ["qr", "card", "account", "exempt"]},
                             "authorization": {"type": "string", "description": "External authorization reference (card/account)."},
                             "reason": {"type": "string", "description": "Exemption reason (exempt)."},
                             "funder": {"type": "string", "description": "Who pays an exempt stop (default city-budget)."}}}
quote_summary = {"type": "object", "required": ["amount", "funded_by", "reference_amount", "vat_rate", "amount_before_vat", "vat_amount",
                                                "tariff_id", "tariff_version", "capped", "lines"],
                 "properties": {"amount": amount, "funded_by": {"type": "string"}, "reference_amount": amount, "vat_rate": {"type": "string"},
                                "amount_before_vat": amount, "vat_amount": amount, "tariff_id": {"type": "string"},
                                "tariff_version": {"type": "string"}, "capped": {"type": "boolean"},
                                "lines": {"type": "array", "items": {"type": "object", "required": ["description", "amount"],
                                                                     "properties": {"description": {"type": "string"}, "amount": amount}}}}}
session_view = {"type": "object", "required": ["id", "operator", "status", "zone", "plate", "vehicle", "source", "started_at"],
                "properties": {"id": uuid, "operator": {"type": "string"},
                               "status": {"enum": ["active", "paid", "exempt", "awaiting_payment"]},
                               "zone": {"type": "string"}, "plate": {"type": "string"}, "vehicle": {"enum": ["bicycle", "motorbike", "car"]},
                               "source": {"enum": ["meter", "app", "attendant", "camera"]}, "device_id": {"type": "string"},
                               "started_at": instant, "ended_at": instant, "quote": ref("QuoteSummary"),
                               "payment": {"type": "object", "properties": {
                                   "method": {"type": "string"}, "status": {"type": "string"}, "authorization": {"type": "string"},
                                   "exemption_reason": {"type": "string"},
                                   "intent": {"type": "object", "properties": {"intent_id": {"type": "string"}, "reference": {"type": "string"},
                                                                               "vietqr": {"type": "string"}, "expires_at": {"type": "string"}}}}},
                               "document": {"type": ["string", "null"], "description": "The e-invoice or e-ticket id (issue #6)."}}}
tap_view = {"type": "object", "required": ["id", "fare", "funded_by", "reference_amount", "category", "capped", "service_day", "ticket"],
            "properties": {"id": uuid, "fare": amount, "funded_by": {"type": "string"}, "reference_amount": amount,
                           "category": {"type": "string"}, "capped": {"type": "boolean"}, "service_day": {"type": "string", "format": "date"},
                           "ticket": {"type": "object", "required": ["number", "route", "vehicle", "at"],
                                      "properties": {"number": {"type": "integer"}, "route": {"type": "string"}, "vehicle": {"type": "string"},
                                                     "at": instant, "note": {"type": "string"}}}}}
device_view = {"type": "object", "required": ["device_id", "received", "gaps"],
               "properties": {"device_id": {"type": "string"}, "received": {"type": "integer"}, "last_seq": {"type": "integer"},
                              "gaps": {"type": "array", "description": "Missing sequence ranges [from, to], inclusive.",
                                       "items": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2}}}}
device_event = {"type": "object", "additionalProperties": False, "required": ["seq", "type"],
                "properties": {"seq": {"type": "integer", "minimum": 1}, "type": {"enum": ["start", "stop"]}, "id": uuid,
                               "zone": {"type": "string"}, "plate": {"type": "string"}, "vehicle": {"enum": ["bicycle", "motorbike", "car"]},
                               "started_at": instant, "source": {"enum": ["meter", "app", "attendant", "camera"]},
                               "session_id": uuid, "ended_at": instant, "payment": ref("PaymentInput")}}
tap_input = {"type": "object", "additionalProperties": False, "required": ["id", "token", "route", "vehicle", "validator_id", "at"],
             "properties": {"id": uuid, "token": ref("Token"), "route": {"type": "string"}, "vehicle": {"type": "string"},
                            "validator_id": {"type": "string"}, "at": instant}}
spec["components"]["schemas"].update({
    "Token": token, "PaymentInput": payment_in, "QuoteSummary": quote_summary, "ParkingSession": session_view, "Tap": tap_view,
    "Device": device_view, "DeviceEvent": device_event, "TapInput": tap_input,
})
OPERATOR = {"description": "operator key only: acts for its own operator"}
replayed = {"Idempotent-Replayed": {"description": "`true` when this is the stored response of an earlier identical request.",
                                    "schema": {"type": "string"}}}

def created(schema, description):
    return {"description": description, "headers": replayed, "content": {"application/json": {"schema": schema}}}

def op_errors(*extra):
    out = errors("400", "401", "403", "422", "503")
    out["409"] = problem_response("Reused id with a different body (`conflict`), or a state conflict (active session, already stopped).")
    for code, text in extra:
        out[code] = problem_response(text)
    return out

def body(schema):
    return {"required": True, "content": {"application/json": {"schema": schema}}}

obj = lambda required, props: {"type": "object", "additionalProperties": False, "required": required, "properties": props}
spec["tags"].append({"name": "operators", "description": "Parking, transit and fee flows for operator keys."})
spec["paths"].update({
    "/v1/parking/sessions": {
        "post": {"tags": ["operators"], "operationId": "startParkingSession", "summary": "Start a parking session (operator).",
                 "requestBody": body(obj(["id", "zone", "plate", "vehicle", "started_at", "source"], {
                     "id": uuid, "zone": {"type": "string"}, "plate": {"type": "string"}, "vehicle": {"enum": ["bicycle", "motorbike", "car"]},
                     "started_at": instant, "source": {"enum": ["meter", "app", "attendant", "camera"]}, "device_id": {"type": "string"}})),
                 "responses": {"201": created(ref("ParkingSession"), "The active session."), **op_errors()}},
        "get": {"tags": ["operators"], "operationId": "listParkingSessions", "summary": "List sessions, newest first.",
                "parameters": [{"name": "operator", "in": "query", "required": False, "schema": {"type": "string"},
                                "description": "Required for admin and finance keys."},
                               {"name": "status", "in": "query", "required": False, "schema": {"enum": ["active", "paid", "exempt", "awaiting_payment"]}},
                               {"name": "from", "in": "query", "required": False, "schema": instant},
                               {"name": "to", "in": "query", "required": False, "schema": instant}] + cursor_params(),
                "responses": {"200": {"description": "A page of sessions.", "content": {"application/json": {"schema": {
                    "type": "object", "required": ["items"], "properties": {"items": {"type": "array", "items": ref("ParkingSession")},
                                                                            "next_cursor": {"type": "string"}}}}}},
                              **errors("400", "401", "403", "503")}},
    },
    "/v1/parking/sessions/{id}": {"get": {"tags": ["operators"], "operationId": "getParkingSession", "summary": "One session.",
                                          "parameters": [id_param],
                                          "responses": {"200": {"description": "The session.", "content": {"application/json": {"schema": ref("ParkingSession")}}},
                                                        "404": problem_response("No such session for this operator."), **errors("400", "401", "403", "503")}}},
    "/v1/parking/sessions/{id}/stop": {"post": {"tags": ["operators"], "operationId": "stopParkingSession",
                                                "summary": "Stop a session: price it and settle the payment (operator).",
                                                "parameters": [id_param],
                                                "requestBody": body(obj(["ended_at", "payment"], {"ended_at": instant, "payment": ref("PaymentInput")})),
                                                "responses": {"200": created(ref("ParkingSession"), "The stopped session with its quote and payment."),
                                                              **op_errors(("404", "No such session for this operator."))}}},
    "/v1/parking/events:batch": {"post": {"tags": ["operators"], "operationId": "uploadParkingEvents",
                                          "summary": "Offline meter upload: up to 1,000 start/stop events with the device's sequence numbers.",
                                          "requestBody": body(obj(["device_id", "events"], {"device_id": {"type": "string"},
                                                                                             "events": {"type": "array", "minItems": 1, "maxItems": 1000,
                                                                                                        "items": ref("DeviceEvent")}})),
                                          "responses": {"200": {"description": "One result per event and the device's gaps.", "content": {
                                              "application/json": {"schema": {"type": "object", "required": ["device", "results"], "properties": {
                                                  "device": ref("Device"), "results": {"type": "array", "items": {"type": "object", "required": ["seq", "session_id", "result", "status"],
                                                      "properties": {"seq": {"type": "integer"}, "session_id": uuid, "result": {"enum": ["ok", "duplicate", "error"]},
                                                                     "status": {"type": "integer"}, "code": {"type": "string"}, "detail": {"type": "string"},
                                                                     "session": ref("ParkingSession")}}}}}}}},
                                                        **errors("400", "401", "403", "422", "503")}}},
    "/v1/parking/devices/{device}": {"get": {"tags": ["operators"], "operationId": "getParkingDevice", "summary": "A device's uploads and sequence gaps.",
                                             "parameters": [{"name": "device", "in": "path", "required": True, "schema": {"type": "string"}},
                                                            {"name": "operator", "in": "query", "required": False, "schema": {"type": "string"}}],
                                             "responses": {"200": {"description": "The device.", "content": {"application/json": {"schema": ref("Device")}}},
                                                           "404": problem_response("Nothing uploaded by this device for this operator."),
                                                           **errors("400", "401", "403", "503")}}},
    "/v1/transit/taps": {"post": {"tags": ["operators"], "operationId": "tap", "summary": "Price and record a validator tap (operator).",
                                  "requestBody": body(ref("TapInput")),
                                  "responses": {"201": created(ref("Tap"), "The priced tap and its ticket."),
                                                **op_errors(("402", "The token is on the deny list (`token_denied`, with `reason`)."))}}},
    "/v1/transit/taps:batch": {"post": {"tags": ["operators"], "operationId": "uploadTaps", "summary": "Offline validator upload (up to 1,000 taps).",
                                        "requestBody": body(obj(["taps"], {"taps": {"type": "array", "minItems": 1, "maxItems": 1000, "items": ref("TapInput")}})),
                                        "responses": {"200": {"description": "One result per tap.", "content": {"application/json": {"schema": {
                                            "type": "object", "required": ["results"], "properties": {"results": {"type": "array", "items": {
                                                "type": "object", "required": ["id", "result", "status"],
                                                "properties": {"id": uuid, "result": {"enum": ["ok", "duplicate", "error"]}, "status": {"type": "integer"},
                                                               "code": {"type": "string"}, "detail": {"type": "string"}, "tap": ref("Tap")}}}}}}}},
                                                      **errors("400", "401", "403", "422", "503")}}},
    "/v1/transit/passes": {"post": {"tags": ["operators"], "operationId": "buyPass", "summary": "Sell a monthly pass (operator).",
                                    "requestBody": body(obj(["id", "token", "product", "category", "valid_month", "payment"], {
                                        "id": uuid, "token": ref("Token"), "product": {"enum": ["one-route", "all-routes"]},
                                        "category": {"enum": ["priority", "group", "individual"]}, "route": {"type": "string"},
                                        "valid_month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "payment": ref("PaymentInput")})),
                                    "responses": {"201": created({"type": "object", "required": ["id", "product", "category", "valid_month", "quote"],
                                                                  "properties": {"id": uuid, "product": {"type": "string"}, "category": {"type": "string"},
                                                                                 "route": {"type": "string"}, "valid_month": {"type": "string"},
                                                                                 "quote": ref("QuoteSummary")}}, "The pass."), **op_errors()}}},
    "/v1/transit/riders": {"post": {"tags": ["operators"], "operationId": "registerRider", "summary": "Register a free-rider category for a token (operator).",
                                    "requestBody": body(obj(["id", "token", "category", "valid_from", "valid_to"], {
                                        "id": uuid, "token": ref("Token"), "category": {"type": "string"},
                                        "valid_from": {"type": "string", "format": "date"}, "valid_to": {"type": "string", "format": "date"}})),
                                    "responses": {"201": created({"type": "object"}, "The registration."), **op_errors()}}},
    "/v1/transit/deny-list": {"post": {"tags": ["operators"], "operationId": "decideDenyList", "summary": "Deny (unpaid debt, reported lost) or allow a token.",
                                       "requestBody": body(obj(["token", "action", "reason"], {"token": ref("Token"), "action": {"enum": ["deny", "allow"]},
                                                                                               "reason": {"type": "string", "minLength": 1}})),
                                       "responses": {"201": {"description": "Recorded.", "content": {"application/json": {"schema": {"type": "object"}}}},
                                                     **errors("400", "401", "403", "422", "503")}}},
    "/v1/fees/payments": {"post": {"tags": ["operators"], "operationId": "payFee", "summary": "Collect a public fee at the schedule's amount (operator).",
                                   "requestBody": body(obj(["id", "fee_code", "payer", "payment"], {
                                       "id": uuid, "fee_code": {"type": "string"},
                                       "payer": obj(["name"], {"name": {"type": "string", "minLength": 1},
                                                               "id_number": {"type": "string", "description": "Stored only as a keyed hash."}}),
                                       "payment": ref("PaymentInput"), "amount": {**amount, "description": "If given, must equal the schedule's amount."}})),
                                   "responses": {"201": created({"type": "object", "required": ["id", "fee_code", "amount", "payer_name", "receipt", "quote"],
                                                                 "properties": {"id": uuid, "fee_code": {"type": "string"}, "amount": amount,
                                                                                "payer_name": {"type": "string"},
                                                                                "receipt": {"type": "object", "required": ["number", "year", "document"],
                                                                                            "properties": {"number": {"type": "integer"}, "year": {"type": "string"},
                                                                                                           "document": {"type": "string"}}},
                                                                                "quote": ref("QuoteSummary")}}, "The receipt."), **op_errors()}}},
})

# ---- Documents (issue #6) ---------------------------------------------------------------------
document_view = {"type": "object", "required": ["id", "kind", "operator", "template", "series", "year", "number", "source", "issued_at",
                                                "total", "vat", "xml_sha256"],
                 "properties": {"id": uuid, "kind": {"enum": ["cash_register_invoice", "e_ticket", "fee_receipt"]}, "operator": {"type": "string"},
                                "template": {"type": "string"}, "series": {"type": "string"}, "year": {"type": "integer"},
                                "number": {"type": "integer", "minimum": 1, "maximum": 99999999},
                                "authority_code": {"type": ["string", "null"], "description": "MTT code M{template}-{YY}-{prefix}-{11 digits}."},
                                "source": {"type": "string"}, "issued_at": {"type": "string", "format": "date-time"}, "total": amount, "vat": amount,
                                "xml_sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}}
spec["components"]["schemas"]["Document"] = document_view
spec["tags"].append({"name": "documents", "description": "Issued e-invoices, e-tickets and fee e-receipts."})
spec["paths"].update({
    "/v1/invoices/{id}": {"get": {"tags": ["documents"], "operationId": "getDocument", "summary": "An issued document's numbering, codes and totals.",
                                  "parameters": [id_param],
                                  "responses": {"200": {"description": "The document.", "content": {"application/json": {"schema": ref("Document")}}},
                                                "404": problem_response("No such document visible to this key."), **errors("400", "401", "403", "503")}}},
    "/v1/invoices/{id}/xml": {"get": {"tags": ["documents"], "operationId": "getDocumentXML", "summary": "The signed XML exactly as issued.",
                                      "parameters": [id_param],
                                      "responses": {"200": {"description": "GDT XML with its XMLDSig signature.",
                                                            "content": {"application/xml": {"schema": {"type": "string"}}}},
                                                    "404": problem_response("No such document visible to this key."), **errors("400", "401", "403", "503")}}},
    "/v1/tax/documents": {"get": {"tags": ["documents"], "operationId": "documentFeed", "summary": "Every document once, in issue order (tax, finance, admin).",
                                  "parameters": [{"name": "since", "in": "query", "required": False, "schema": {"type": "string"},
                                                  "description": "The `next_cursor` of the previous page."},
                                                 {"name": "limit", "in": "query", "required": False,
                                                  "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}},
                                                 {"name": "operator", "in": "query", "required": False, "schema": {"type": "string"}}],
                                  "responses": {"200": {"description": "A page of documents.", "content": {"application/json": {"schema": {
                                      "type": "object", "required": ["items", "next_cursor"],
                                      "properties": {"items": {"type": "array", "items": ref("Document")}, "next_cursor": {"type": "string"}}}}}},
                                                **errors("400", "401", "403", "503")}}},
})
# Corrections, invoices on request, daily closings and the tax export (issue #6).
buyer_input = obj([], {"name": {"type": "string", "maxLength": 400}, "tax_code": {"type": "string", "pattern": "^[0-9]{10}(-[0-9]{3})?$"},
                       "address": {"type": "string", "maxLength": 400}, "phone": {"type": "string", "maxLength": 20},
                       "person_name": {"type": "string", "maxLength": 100}, "personal_id": {"type": "string", "pattern": "^[0-9]{12}$"}})
buyer_input["description"] = "At least one of tax_code (then also name and address), personal_id or phone (Decree 254 Art. 10.4)."
date_param = {"name": "date", "in": "query", "required": True, "schema": {"type": "string", "format": "date"},
              "description": "Business day in Hanoi time (GMT+7), YYYY-MM-DD."}
closing_view = {"type": "object", "required": ["operator", "date", "number", "documents", "late_documents", "total", "vat", "cumulative", "hash",
                                               "prev_hash", "batches", "xml"],
                "properties": {"operator": {"type": "string"}, "date": {"type": "string", "format": "date"}, "number": {"type": "integer", "minimum": 1},
                               "documents": i64, "late_documents": i64, "total": i64, "vat": i64, "cumulative": i64,
                               "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"}, "prev_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                               "batches": {"type": "array", "items": {"type": "object", "required": ["message_id", "template", "series", "documents", "late",
                                                                                                     "xml_sha256"],
                                                                      "properties": {"message_id": {"type": "string"}, "template": {"type": "string"},
                                                                                     "series": {"type": "string"}, "documents": i64, "late": i64,
                                                                                     "xml_sha256": {"type": "string"}}}},
                               "xml": {"type": "string", "description": "The signed closing (BCChotNgay) exactly as recorded."}}}
closing_list = {"description": "Closings.", "content": {"application/json": {"schema": {"type": "object", "required": ["items"],
                                                                                       "properties": {"items": {"type": "array", "items": closing_view}}}}}}
spec["paths"].update({
    "/v1/invoices/{id}/replace": {"post": {
        "tags": ["documents"], "operationId": "replaceDocument",
        "summary": "Replace a wrong cash-register invoice or e-ticket (operator: its own; admin). The original stays; the amount does not change.",
        "parameters": [id_param],
        "requestBody": body(obj(["reason"], {"reason": {"type": "string", "minLength": 1, "maxLength": 255}, "buyer": buyer_input})),
        "responses": {"200": {"description": "The replacement (the same one for a repeated request).",
                              "content": {"application/json": {"schema": ref("Document")}}},
                      "404": problem_response("No such document visible to this key."),
                      "409": problem_response("The document was already replaced with other details: replace the replacement."),
                      **errors("400", "401", "403", "422", "503")}}},
    "/v1/transit/taps/{id}/invoice": {"post": {
        "tags": ["documents"], "operationId": "invoiceRide", "summary": "An e-ticket in the rider's name for one recorded ride (operator).",
        "parameters": [id_param],
        "requestBody": body(obj(["buyer"], {"buyer": buyer_input})),
        "responses": {"200": {"description": "The e-ticket (the same one for a repeated request).", "content": {"application/json": {"schema": ref("Document")}}},
                      "404": problem_response("No such ride of this operator."),
                      "409": problem_response("The ride was already invoiced to another buyer."),
                      **errors("400", "401", "403", "422", "503")}}},
    "/v1/tax/closings": {
        "get": {"tags": ["documents"], "operationId": "listClosings",
                "summary": "The signed daily closings of a day with their TDiep 206 messages (tax, finance, admin; operator: its own).",
                "parameters": [date_param, {"name": "operator", "in": "query", "required": False, "schema": {"type": "string"}}],
                "responses": {"200": closing_list, **errors("400", "401", "403", "422", "503")}},
        "post": {"tags": ["documents"], "operationId": "closeDay",
                 "summary": "Close an ended business day now (admin); idempotent. The server also closes ended days by itself.",
                 "requestBody": body(obj(["date"], {"date": {"type": "string", "format": "date"}, "operator": {"type": "string"}})),
                 "responses": {"200": closing_list, "404": problem_response("The operator has no document profile."),
                               "409": problem_response("The day has not ended yet (GMT+7)."), **errors("400", "401", "403", "422", "503")}}},
    "/v1/tax/exports": {"get": {
        "tags": ["documents"], "operationId": "taxExport",
        "summary": "The tax office's ZIP of a closed day: documents, TDiep messages, 01/TTGD, closings, signed manifest (tax, admin). Byte-identical on every call.",
        "parameters": [date_param, {"name": "operator", "in": "query", "required": False, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "The bundle.", "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}}},
                      "409": problem_response("The day is not closed (for that operator)."), **errors("400", "401", "403", "422", "503")}}},
})
# Settlement (issue #7): the closed record of a business day, or a preview of an open day.
settlement_group = {"type": "object", "required": ["operator", "channel", "gross", "sales", "refunds", "refund_count", "fee", "fee_rule", "operator_fee",
                                                  "sponsored_fee", "net_payable", "late_amount", "late_count", "transfer_ids"],
                    "properties": {"operator": {"type": "string"}, "channel": {"type": "string"}, "gross": i64, "sales": i64, "refunds": i64,
                                   "refund_count": i64, "fee": i64, "fee_rule": {"type": "string"}, "operator_fee": i64, "sponsored_fee": i64,
                                   "sponsor": {"type": "string"}, "program": {"type": "string"},
                                   "net_payable": {**i64, "description": "gross − refunds − operator_fee; negative when refunds exceed collections."},
                                   "late_amount": i64, "late_count": i64, "transfer_ids": {"type": "array", "items": uuid}}}
settlement_payout = {"type": "object", "required": ["operator", "amount", "reference", "status"],
                     "properties": {"operator": {"type": "string"}, "amount": i64, "reference": {"type": "string"}, "bank_bin": {"type": "string"},
                                    "account_number": {"type": "string"}, "account_name": {"type": "string"},
                                    "status": {"type": "string", "enum": ["ready", "no_bank_account", "nothing_to_pay"]}}}
settlement_claim = {"type": "object", "required": ["funder", "operator", "amount", "events", "late_amount", "late_count", "transfer_id"],
                    "properties": {"funder": {"type": "string"}, "operator": {"type": "string"}, "amount": i64, "events": i64,
                                   "late_amount": i64, "late_count": i64, "transfer_id": uuid}}
spec["paths"]["/v1/settlements"] = {"get": {
    "tags": ["settlement"], "operationId": "getSettlement",
    "summary": "The settlement of a business day (finance and admin: all operators; operator keys: their own).",
    "description": "A closed day returns its sealed record with `hash` (closing is done with `feegate settle`); an open day returns a preview "
                   "computed from the running totals (`status: open`, nothing posted).",
    "parameters": [{"name": "date", "in": "query", "required": True, "schema": {"type": "string", "format": "date"},
                    "description": "Business day in Hanoi time (GMT+7), YYYY-MM-DD."}],
    "responses": {"200": {"description": "The settlement.", "content": {"application/json": {"schema": {
        "type": "object", "required": ["day", "status", "groups", "payouts", "claims", "warnings"],
        "properties": {"day": {"type": "string", "format": "date"}, "status": {"type": "string", "enum": ["open", "closed"]},
                       "closed_at": {**i64, "description": "Ledger time of the close (ns)."},
                       "hash": {"type": "string", "description": "SHA-256 of the previous closed day's hash and this record (hex)."},
                       "groups": {"type": "array", "items": settlement_group}, "payouts": {"type": "array", "items": settlement_payout},
                       "claims": {"type": "array", "items": settlement_claim}, "warnings": {"type": "array", "items": {"type": "string"}},
                       "late_transfers": {"type": "array", "items": {"type": "object", "required": ["transfer_id", "event_day", "assigned_day"],
                                                                     "properties": {"transfer_id": uuid, "event_day": {"type": "string"},
                                                                                    "assigned_day": {"type": "string"}}}}}}}}},
                  **errors("400", "401", "403", "422", "503")}}}

# Reconciliation (finance and admin): the same import, run, report and resolve as `feegate reconcile`.
spec["tags"].append({"name": "reconciliation", "description": "Bank statements against the ledger (finance and admin keys)."})
day_q = lambda name, description: {"name": name, "in": "query", "required": False, "schema": {"type": "string"}, "description": description}
recon_line = {"type": "object", "required": ["status"], "properties": {
    "status": {"type": "string", "enum": ["matched", "amount_mismatch", "duplicate", "unmatched_bank", "unmatched_ledger", "late"]},
    "bank_line_id": i64, "account": {"type": "string"}, "booking_date": {"type": "string"}, "bank_amount": i64,
    "bank_reference": {"type": "string"}, "text": {"type": "string"}, "ledger_key": {"type": "string"}, "ledger_kind": {"type": "string"},
    "ledger_date": {"type": "string"}, "ledger_amount": i64, "reference": {"type": "string"}, "group": i64, "rule": {"type": "string"},
    "difference": {**i64, "description": "bank − ledger, VND."}, "detail": {"type": "string"}, "resolution": {}}}
recon_report = {"type": "object", "required": ["from", "to", "summary", "lines"], "properties": {
    "run": {"type": ["integer", "null"], "format": "int64", "description": "The stored run's number; null for a dry run."},
    "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"}, "dry_run": {"type": "boolean"},
    "rules": {"type": "string"}, "summary": {"type": "array", "items": {"type": "object"}}, "lines": {"type": "array", "items": recon_line}}}
spec["paths"].update({
    "/v1/reconciliation/statements": {"post": {
        "tags": ["reconciliation"], "operationId": "importStatement",
        "summary": "Import a bank statement file (camt.053/054, MT940, CSV or XLSX; ≤ 256 MiB) in one transaction.",
        "description": "The raw file is the body. A malformed file imports nothing and the problem names its `location` (line, sheet!cell or "
                       "element path). The same statement again changes nothing (200 `already_imported`); the same id with other content is a 409.",
        "parameters": [
            {"name": "format", "in": "query", "required": False, "schema": {"type": "string", "enum": ["camt053", "camt054", "mt940", "csv", "xlsx"]},
             "description": "Default: detected from the content (CSV when only `mapping` is given)."},
            {"name": "mapping", "in": "query", "required": False, "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
             "description": "Name of a shipped column mapping (CSV and XLSX), never a path: `debit-credit`, `signed-amount`."},
            {"name": "account", "in": "query", "required": False, "schema": {"type": "string"}, "description": "The bank account (overrides the file's)."},
            {"name": "source", "in": "query", "required": False, "schema": {"type": "string"}, "description": "File name recorded with the import."},
            {"name": "sheet", "in": "query", "required": False, "schema": {"type": "string"}, "description": "XLSX worksheet (default: the first)."}],
        "requestBody": {"required": True, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
        "responses": {
            "201": {"description": "Imported.", "content": {"application/json": {"schema": {"type": "object", "required": ["format", "source", "result", "statements"],
                "properties": {"format": {"type": "string"}, "source": {"type": "string"}, "result": {"type": "string", "enum": ["imported", "already_imported"]},
                               "statements": {"type": "array", "items": {"type": "object", "required": ["seq", "statement_id", "account", "line_count", "already_imported"],
                                   "properties": {"seq": i64, "statement_id": {"type": "string"}, "account": {"type": "string"}, "line_count": i64,
                                                  "already_imported": {"type": "boolean"}}}}}}}}},
            "200": {"description": "Every statement of the file was imported before: nothing changed.", "content": {"application/json": {"schema": {"type": "object"}}}},
            "409": problem_response("A statement with this id was imported with other content."),
            "413": problem_response("Statement larger than 256 MiB."),
            **errors("400", "401", "403", "422", "503")}}},
    "/v1/reconciliation/runs": {"post": {
        "tags": ["reconciliation"], "operationId": "runReconciliation",
        "summary": "Match the bank lines of a day (or range) against the ledger and store the result.",
        "requestBody": body({"type": "object", "additionalProperties": False, "properties": {
            "date": {"type": "string", "format": "date"}, "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
            "dry_run": {"type": "boolean", "description": "Match and report, store nothing."}}}),
        "responses": {"201": {"description": "The stored run's report.", "content": {"application/json": {"schema": recon_report}}},
                      "200": {"description": "A dry run's report (nothing stored).", "content": {"application/json": {"schema": recon_report}}},
                      **errors("400", "401", "403", "422", "503")}}},
    "/v1/reconciliation/reports": {"get": {
        "tags": ["reconciliation"], "operationId": "getReconciliationReport",
        "summary": "A stored run's report, exactly as it was: the latest run covering `date`, or run `run`.",
        "parameters": [day_q("date", "YYYY-MM-DD: the latest run covering it."), day_q("run", "A run number."),
                       {"name": "format", "in": "query", "required": False, "schema": {"type": "string", "enum": ["json", "csv"]},
                        "description": "`csv` (or `Accept: text/csv`) for the CSV `feegate reconcile report --csv` prints."}],
        "responses": {"200": {"description": "The report.", "content": {"application/json": {"schema": recon_report}, "text/csv": {"schema": {"type": "string"}}}},
                      "404": problem_response("No run covers the day, or no such run."), **errors("400", "401", "403", "422", "503")}}},
    "/v1/reconciliation/lines/{line}/resolution": {"post": {
        "tags": ["reconciliation"], "operationId": "resolveReconciliationLine",
        "summary": "Settle a line's difference with one ledger transfer (refund, accept or write-off), once.",
        "description": "The same body again returns the recorded resolution (200, `Idempotent-Replayed: true`); another action or note is a 409.",
        "parameters": [{"name": "line", "in": "path", "required": True, "schema": {"type": "string"},
                        "description": "The bank line id from the report, or the ledger key of an `unmatched_ledger` item."}],
        "requestBody": body({"type": "object", "additionalProperties": False, "required": ["as", "note"], "properties": {
            "as": {"type": "string", "enum": ["refund", "accept", "write-off"]}, "note": {"type": "string", "minLength": 1, "maxLength": 1000},
            "account": {"type": "string", "description": "The bank account, for a ledger item no bank line names."}}}),
        "responses": {
            "201": created({"type": "object", "required": ["seq", "run", "status", "items", "action", "note", "resolved_by", "difference", "transfer_id",
                                                            "debit_account", "credit_account", "at"],
                            "properties": {"seq": i64, "run": i64, "status": {"type": "string"}, "items": {"type": "array", "items": {"type": "string"}},
                                           "action": {"type": "string"}, "note": {"type": "string"}, "resolved_by": {"type": "string"},
                                           "difference": i64, "transfer_id": uuid, "debit_account": {"type": "string"},
                                           "credit_account": {"type": "string"}, "at": i64}}, "The resolution and its transfer."),
            "200": {"description": "The same resolution again (nothing posted).", "headers": replayed, "content": {"application/json": {"schema": {"type": "object"}}}},
            "404": problem_response("No such line in any run."),
            "409": problem_response("Already resolved differently, or the line needs no resolution."),
            **errors("400", "401", "403", "422", "503")}}},
})

# Every authenticated endpoint may answer 429 (per-key rate limit).
for path, operations in spec["paths"].items():
    if path.startswith("/v1/"):
        for operation in operations.values():
            operation["responses"].setdefault("429", ERRORS["429"])

out = pathlib.Path(__file__).resolve().parent.parent / "Sources/FeeGateGateway/Resources/openapi.json"
out.write_text(json.dumps(spec, indent=2, ensure_ascii=False) + "\n")
print(f"wrote {out}")
