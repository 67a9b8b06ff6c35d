// Runs the lesson's completion example with the official openai client
// against the explorer server at OPENAI_BASE_URL, and prints what it got
// as JSON for the Go test to check.
import OpenAI from "openai";

const client = new OpenAI({ baseURL: process.env.OPENAI_BASE_URL, apiKey: "not-needed-locally" });
const model = process.env.EXPLORER_MODEL;

const plain = await client.completions.create({
  model,
  prompt: "Once upon a time",
  max_tokens: 16,
  temperature: 0,
});

const sampled = await client.completions.create({
  model,
  prompt: "Once upon a time",
  max_tokens: 8,
  temperature: 0.8,
  top_p: 0.9,
  n: 3,
  seed: 42,
  stop: ["\n"],
});

let streamed = "";
let chunks = 0;
const stream = await client.completions.create({
  model,
  prompt: "Once upon a time",
  max_tokens: 16,
  temperature: 0,
  stream: true,
});
for await (const chunk of stream) {
  streamed += chunk.choices[0]?.text ?? "";
  chunks += 1;
}

let chatError = "";
try {
  await client.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] });
} catch (err) {
  chatError = `${err.status} ${err.message}`;
}

console.log(JSON.stringify({
  plain: { text: plain.choices[0].text, finish: plain.choices[0].finish_reason, usage: plain.usage },
  sampled: sampled.choices.map((c) => ({ index: c.index, text: c.text, finish: c.finish_reason })),
  streamed,
  chunks,
  chatError,
}));
