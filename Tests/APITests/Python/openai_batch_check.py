"""Runs the OpenAI Batch API flow against a running Switchyard with the official openai SDK,
unchanged but for base_url: files.create -> batches.create -> poll -> files.content.

Usage: python openai_batch_check.py BASE_URL API_KEY WORKDIR run|cancel
`run` (with a worker answering): files, a batch to completion, its output, the list. `cancel`
(with no worker, so the batch cannot finish first): a batch cancelled, then the errors.
Prints one line per check and exits non-zero on the first failure.
"""
import json
import os
import sys
import time

import openai

base_url, key, workdir, phase = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0, timeout=30)

path = os.path.join(workdir, "requests.jsonl")
with open(path, "w") as f:
    for i in range(5):
        f.write(json.dumps({"custom_id": f"req-{i}", "method": "POST", "url": "/v1/chat/completions",
                            "body": {"model": "echo-model", "messages": [{"role": "user", "content": f"batch hello {i}"}]}}) + "\n")

uploaded = client.files.create(file=open(path, "rb"), purpose="batch")
if phase == "cancel":
    second = client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h")
    cancelled = client.batches.cancel(second.id)
    assert cancelled.status in ("cancelling", "cancelled"), cancelled
    print("cancel ok")

    try:
        client.files.create(file=("notes.txt", b"just some text\n"), purpose="batch")
        raise AssertionError("a file that is not JSONL was accepted")
    except openai.BadRequestError as error:
        assert "JSONL" in str(error), error
    try:
        client.batches.retrieve("999999")
        raise AssertionError("an unknown batch was found")
    except openai.NotFoundError:
        pass
    print("errors ok")
    sys.exit(0)

assert uploaded.object == "file" and uploaded.purpose == "batch", uploaded
assert uploaded.filename == "requests.jsonl" and uploaded.bytes == os.path.getsize(path), uploaded
assert client.files.retrieve(uploaded.id).id == uploaded.id
assert client.files.content(uploaded.id).read() == open(path, "rb").read()
assert uploaded.id in [f.id for f in client.files.list(purpose="batch")]
print("files ok")

batch = client.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions",
                              completion_window="24h", metadata={"suite": "sdk"})
assert batch.status == "validating", batch
assert batch.metadata == {"suite": "sdk"}, batch
deadline = time.time() + 60
while batch.status not in ("completed", "failed", "expired", "cancelled"):
    assert time.time() < deadline, f"batch still {batch.status}"
    time.sleep(0.2)
    batch = client.batches.retrieve(batch.id)
assert batch.status == "completed", batch
assert batch.request_counts.total == 5 and batch.request_counts.completed == 5 and batch.request_counts.failed == 0, batch
assert batch.output_file_id and batch.error_file_id is None, batch
print("batch ok")

lines = [json.loads(line) for line in client.files.content(batch.output_file_id).text.splitlines()]
answers = {line["custom_id"]: line["response"]["body"]["choices"][0]["message"]["content"] for line in lines}
assert answers == {f"req-{i}": f"batch hello {i}" for i in range(5)}, answers
assert all(line["response"]["status_code"] == 200 and line["error"] is None for line in lines), lines
print("output ok")

listed = client.batches.list(limit=10)
assert batch.id in [b.id for b in listed.data], listed

print("list ok")
