#!/usr/bin/env python3
"""Drives a running, seeded server (.ci/seed.py) with the client that
openapi-python-client generated from openapi/openapi.json, as a national system
would: log in, open a case, read it back, find it in the list, register evidence and
verify its custody. Fails on the first answer that is not what the spec promises.

    PYTHONPATH=<folder holding the generated `client` package> python .ci/client_test.py URL
"""
import sys
from uuid import UUID

from client import AuthenticatedClient, Client
from client.api.auth import login, me
from client.api.cases import create_case, get_case, list_cases
from client.api.evidence import register_evidence, verify_custody
from client.models import (
    CaseView,
    EvidenceKind,
    LoginRequest,
    NewCase,
    NewEvidence,
    Offence,
    PageCaseView,
    Priority,
    Problem,
    Report,
    TokenResponse,
)

base = sys.argv[1]
anonymous = Client(base_url=base, raise_on_unexpected_status=True)
tokens = login.sync(client=anonymous, body=LoginRequest(username="jm.detective", password="tamarind-season-north-7"))
assert isinstance(tokens, TokenResponse), tokens
refused = login.sync(client=anonymous, body=LoginRequest(username="jm.detective", password="not-the-password"))
assert isinstance(refused, Problem) and refused.status == 401, refused

api = AuthenticatedClient(base_url=base, token=tokens.access_token, raise_on_unexpected_status=True)
caller = me.sync(client=api)
assert caller.username == "jm.detective" and caller.country == "JM", caller

case = create_case.sync(client=api, body=NewCase(
    title="Business email compromise at a shipping agent",
    summary="Invoices redirected to an account abroad",
    offences=[Offence.BUSINESS_EMAIL_COMPROMISE, Offence.COMPUTER_RELATED_FRAUD],
    priority=Priority.HIGH,
))
assert isinstance(case, CaseView), case
assert case.reference.startswith("JM-"), case.reference
again = get_case.sync(client=api, id=UUID(case.id))
assert isinstance(again, CaseView) and again.title == case.title, again
listed = list_cases.sync(client=api, limit=200)
assert isinstance(listed, PageCaseView) and any(c.id == case.id for c in listed.items), listed

item = register_evidence.sync(client=api, id=UUID(case.id), body=NewEvidence(
    description="Mailbox export", kind=EvidenceKind.CLOUD_ACCOUNT_DATA,
    sha256="9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
))
report = verify_custody.sync(client=api, id=UUID(item.id))
assert isinstance(report, Report) and report.verdict.value == "verified", report
invalid = create_case.sync(client=api, body=NewCase(title="", summary="x", offences=[], priority=Priority.LOW))
assert isinstance(invalid, Problem) and invalid.status == 422, invalid
print("the generated client drove login, cases, evidence and custody verification")
