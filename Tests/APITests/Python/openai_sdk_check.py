"""Drives a running Switchyard with the official openai SDK, unchanged but for base_url.

Usage: python openai_sdk_check.py BASE_URL API_KEY
Prints one line per check and exits non-zero on the first failure.
"""
import sys

import openai

base_url, key = sys.argv[1], sys.argv[2]
client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0, timeout=30)

reply = client.chat.completions.create(model="echo-model", messages=[{"role": "user", "content": "sdk hello"}])
assert reply.choices[0].message.content == "sdk hello", reply
assert reply.model == "echo-model", reply
raw = client.chat.completions.with_raw_response.create(model="echo-model", messages=[{"role": "user", "content": "raw"}])
assert raw.headers.get("x-switchyard-job-id"), dict(raw.headers)
print("chat ok")

pieces = []
for chunk in client.chat.completions.create(
        model="echo-model", messages=[{"role": "user", "content": "sdk stream"}], stream=True):
    if chunk.choices and chunk.choices[0].delta.content:
        pieces.append(chunk.choices[0].delta.content)
assert "".join(pieces) == "sdk stream", pieces
print("stream ok")

models = client.models.list()
assert models.object == "list" or isinstance(models.data, list)
print("models ok")

try:
    client.chat.completions.create(model="echo-model", messages=[])
    raise AssertionError("empty messages accepted")
except openai.BadRequestError as error:
    assert "messages" in str(error), error
print("bad request ok")

bad = openai.OpenAI(base_url=base_url, api_key="sy-wrong", max_retries=0)
try:
    bad.models.list()
    raise AssertionError("wrong key accepted")
except openai.AuthenticationError:
    pass
print("auth ok")
