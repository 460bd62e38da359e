#!/usr/bin/env python3
"""Seeds a fresh server for the contract checks: the first administrator past the
first-login change, a police agency in Jamaica and one in Trinidad and Tobago, and in
each an investigator and supervisor with a case of their own. Prints the accounts as
a Web Fuzzing Commons auth document (schemathesis logs in with it).

    python3 .ci/seed.py http://127.0.0.1:18090 BOOTSTRAP_PASSWORD > auth.json
"""
import json
import sys
import time
import urllib.error
import urllib.request

BASE, BOOT = sys.argv[1], sys.argv[2]
PASSWORD = "tamarind-season-north-7"


def call(method, path, body=None, token=None):
    req = urllib.request.Request(BASE + path, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, data, timeout=30) as res:
            raw = res.read()
            return res.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def expect(status, wanted, body):
    if status != wanted:
        sys.exit(f"seeding failed: {status} {body}")
    return body


def token_of(username, password):
    status, body = call("POST", "/api/v1/auth/login", {"username": username, "password": password})
    return expect(status, 200, body)["access_token"]


def change(token, current):
    status, body = call("POST", "/api/v1/auth/password", {"current_password": current, "new_password": PASSWORD}, token)
    expect(status, 204, body)


for _ in range(300):
    try:
        if call("GET", "/readyz")[0] == 200:
            break
    except OSError:
        pass
    time.sleep(0.1)
else:
    sys.exit("the server did not start")

change(token_of("tt.admin", BOOT), BOOT)
admin = token_of("tt.admin", PASSWORD)
users = []
for country, name in (("JM", "JCF Cybercrime Unit"), ("TT", "TTPS Cyber Crime Unit")):
    status, agency = call("POST", "/api/v1/agencies", {"country": country, "name": name, "kind": "police"}, admin)
    expect(status, 201, agency)
    username = f"{country.lower()}.detective"
    first = "initial-words-mango-river"
    status, user = call("POST", "/api/v1/users", {
        "username": username, "display_name": f"Detective of {country}", "agency_id": agency["id"],
        "roles": ["investigator", "supervisor"], "password": first}, admin)
    expect(status, 201, user)
    change(token_of(username, first), first)
    token = token_of(username, PASSWORD)
    status, case = call("POST", "/api/v1/cases", {
        "title": f"Fraud reported in {country}", "summary": "Phishing against bank customers",
        "offences": ["phishing"], "priority": "high"}, token)
    expect(status, 201, case)
    status, item = call("POST", f"/api/v1/cases/{case['id']}/evidence", {
        "description": "Seized phone", "kind": "device"}, token)
    expect(status, 201, item)
    users.append({
        "name": country.lower(),
        "loginEndpointAuth": {
            "endpoint": "/api/v1/auth/login",
            "verb": "POST",
            "contentType": "application/json",
            "payloadUserPwd": {"username": username, "usernameField": "username",
                               "password": PASSWORD, "passwordField": "password"},
            "token": {"extractFrom": "body", "extractSelector": "/access_token",
                      "sendIn": "header", "sendName": "Authorization", "sendTemplate": "Bearer {token}"},
        },
    })
print(json.dumps({"schemaVersion": "0.2.0", "auth": users}, indent=2))
