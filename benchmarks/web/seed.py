"""Seeds the web benchmark's log through the HTTP API: `cases` cases of vat-generic for
one worker (two open tasks each), and one case with `events` field records (one event
each). Prints the session cookie of the worker signed in through the sign-in form."""

import http.client
import json
import re
import sys
import urllib.parse

host, port, token, cases, events = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
connection = http.client.HTTPConnection(host, port)


def call(method, path, body=None, headers=None):
    headers = dict(headers or {})
    headers["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=data, headers=headers)
    response = connection.getresponse()
    payload = response.read()
    if response.status >= 300:
        raise SystemExit(f"{method} {path}: {response.status} {payload[:300]!r}")
    return response, payload


for index in range(cases):
    call("POST", "/v1/cases", {"process": "vat-generic", "case": f"load-{index}", "responsibleWorker": "bench",
                                "fields": {"releaseDate": "2027-06-15"}}, {"Idempotency-Key": f"open-{index}"})
call("POST", "/v1/cases", {"process": "vat-generic", "case": "long", "responsibleWorker": "bench",
                           "fields": {"releaseDate": "2027-06-15"}}, {"Idempotency-Key": "open-long"})
response, _ = call("GET", "/v1/cases/long")
tag = response.getheader("ETag")
for index in range(events):
    response, _ = call("POST", "/v1/cases/long/fields", {"values": {"housingWishes": f"wish {index}"}},
                       {"Idempotency-Key": f"record-{index}", "If-Match": tag})
    tag = response.getheader("ETag")

# Sign in through the form, as a browser does.
connection.request("GET", "/sign-in")
response = connection.getresponse()
page = response.read().decode()
signin_cookie = re.search(r"aso_signin=([0-9a-f]+)", response.getheader("Set-Cookie")).group(1)
csrf = re.search(r'name="_csrf" value="([0-9a-f]+)"', page).group(1)
body = urllib.parse.urlencode({"_csrf": csrf, "token": token})
connection.request("POST", "/sign-in", body=body, headers={
    "Content-Type": "application/x-www-form-urlencoded", "Cookie": "aso_signin=" + signin_cookie})
response = connection.getresponse()
response.read()
session = re.search(r"aso_session=([0-9a-f]+)", response.getheader("Set-Cookie") or "")
if not session:
    raise SystemExit(f"sign-in failed: {response.status}")
print("aso_session=" + session.group(1))
