"""Drives a running Switchyard with LangChain's ChatOpenAI, unchanged but for base_url and api_key.

Usage: python langchain_check.py BASE_URL API_KEY ROUTE MODEL
ROUTE is the model name asked for; MODEL is the mock provider model expected to answer it.
Prints one line per check and exits non-zero on the first failure.

The mock provider answers deterministically: "Mock answer <hash> from <model>: "<echo>" (N words)."
where <hash> is FNV-1a over every message's role and text, so a matching hash proves the whole
conversation (system message included) reached the provider intact.
"""
import os
import sys

os.environ["LANGCHAIN_TRACING_V2"] = "false"
os.environ["LANGSMITH_TRACING"] = "false"

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage  # noqa: E402
from langchain_openai import ChatOpenAI  # noqa: E402

base_url, key, route, model = sys.argv[1:5]
llm = ChatOpenAI(base_url=base_url, api_key=key, model=route, max_retries=0, timeout=60)


def mock_hash(messages):
    """The mock provider's FNV-1a digest over (role, text) pairs, as 16 hex digits."""
    value = 0xCBF29CE484222325
    prime = 0x100000001B3
    mask = (1 << 64) - 1

    def mix(byte):
        nonlocal value
        value = ((value ^ byte) * prime) & mask

    for role, text in messages:
        for byte in role.encode():
            mix(byte)
        mix(0x1F)
        for byte in text.encode():
            mix(byte)
        mix(0x1E)
    return format(value, "016x")


def expect_answer(reply, messages, what):
    text = reply.content
    expected = f"Mock answer {mock_hash(messages)} from {model}: "
    assert text.startswith(expected), f"{what}: {text!r} does not start with {expected!r}"
    last_user = [m for r, m in messages if r == "user"][-1]
    assert f'"{last_user}"' in text, f"{what}: {text!r} does not echo {last_user!r}"


reply = llm.invoke("langchain hello")
expect_answer(reply, [("user", "langchain hello")], "invoke")
assert reply.response_metadata.get("model_name") == model, reply.response_metadata
assert reply.usage_metadata and reply.usage_metadata["input_tokens"] > 0, reply.usage_metadata
print("invoke ok")

conversation = [
    SystemMessage(content="You are a terse assistant."),
    HumanMessage(content="What is a job queue?"),
    AIMessage(content="A list of work items."),
    HumanMessage(content="And a dead letter?"),
]
roles = [("system", "You are a terse assistant."), ("user", "What is a job queue?"),
         ("assistant", "A list of work items."), ("user", "And a dead letter?")]
reply = llm.invoke(conversation)
expect_answer(reply, roles, "conversation")
# The mock counts about one token per four bytes of text plus four per message plus three.
expected_prompt_tokens = sum((len(text.encode()) + 3) // 4 + 4 for _, text in roles) + 3
assert reply.usage_metadata["input_tokens"] == expected_prompt_tokens, (reply.usage_metadata, expected_prompt_tokens)
print("conversation ok")

chunks = list(llm.stream("langchain stream"))
assert len(chunks) > 1, chunks
streamed = "".join(chunk.content for chunk in chunks)
expect_answer(AIMessage(content=streamed), [("user", "langchain stream")], "stream")
assert streamed == llm.invoke("langchain stream").content, streamed
print("stream ok")

prompts = [f"langchain batch {index}" for index in range(5)]
replies = llm.batch(prompts, config={"max_concurrency": 5})
assert len(replies) == len(prompts), replies
for prompt, reply in zip(prompts, replies):
    expect_answer(reply, [("user", prompt)], "batch")
    assert reply.response_metadata.get("model_name") == model, reply.response_metadata
print("batch ok")
