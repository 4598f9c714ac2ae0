// langfuse-v3.mjs: the JS v3 SDK (npm "langfuse"), which posts ingestion
// batches, writes a small application's traffic to the capture server:
// three users with sessions, generations with usage and cost (one in the
// OpenAI shape with cached tokens, one priced by the model table), a span
// that fails, an event, a user assigned late to a trace, and scores.
// The captured bodies go to test/fixtures/langfuse-v3/batch-NN.json, and a
// summary of what was sent to test/fixtures/langfuse-v3/sent.json.
import fs from "node:fs";
import path from "node:path";
import { Langfuse } from "langfuse";
import { startCapture } from "./capture.mjs";

const out = path.resolve(process.argv[2] ?? "../fixtures/langfuse-v3");
const capture = await startCapture();
const langfuse = new Langfuse({
  publicKey: "pk-lf-usertrack-test",
  secretKey: "sk-lf-usertrack-test",
  baseUrl: capture.baseUrl,
  flushAt: 15,
  flushInterval: 100000,
});

const sent = { users: {}, sessions: {}, scores: 0 };
function count(user, session, tokens, cost, errors = 0) {
  const u = (sent.users[user] ??= { traces: 0, observations: 0, total_tokens: 0, model_cost: 0, errors: 0 });
  u.total_tokens += tokens;
  u.model_cost = Math.round((u.model_cost + cost) * 1e9) / 1e9;
  u.errors += errors;
  if (session) sent.sessions[`${user}/${session}`] = (sent.sessions[`${user}/${session}`] ?? 0) + 1;
}

// alice: two chats in one session, OpenAI-shaped usage with cached tokens
for (let i = 1; i <= 2; i++) {
  const trace = langfuse.trace({ id: `sdk-alice-${i}`, name: "chat", userId: "alice", sessionId: "alice-s1",
                                 tags: ["web", "prod"], metadata: { plan: "pro" }, input: { q: `question ${i}` } });
  const gen = trace.generation({ id: `sdk-alice-${i}-gen`, name: "answer", model: "gpt-4o-mini",
                                 input: [{ role: "user", content: `question ${i}` }] });
  gen.end({ output: { role: "assistant", content: `answer ${i}` },
            usageDetails: { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150,
                            prompt_tokens_details: { cached_tokens: 20 } },
            costDetails: { input: 0.0001, output: 0.0002 } });
  trace.update({ output: { a: `answer ${i}` } });
  sent.users.alice ??= undefined;
  count("alice", "alice-s1", 150, 0.0003);
  sent.users.alice.traces += 1;
  sent.users.alice.observations += 1;
  trace.score({ name: "helpful", value: 1, dataType: "BOOLEAN" });
  sent.scores += 1;
}

// bob: a retrieval span that fails, then a generation with legacy usage and
// no cost (priced from the model table), and an event
{
  const trace = langfuse.trace({ id: "sdk-bob-1", name: "rag", userId: "bob", sessionId: "bob-s1" });
  const span = trace.span({ id: "sdk-bob-1-retrieve", name: "retrieve" });
  span.end({ level: "ERROR", statusMessage: "vector store timeout" });
  const gen = trace.generation({ id: "sdk-bob-1-gen", name: "answer", model: "gpt-4o",
                                 usage: { input: 1000, output: 200 } });
  gen.end({ output: "sorry" });
  trace.event({ id: "sdk-bob-1-event", name: "feedback-shown" });
  count("bob", "bob-s1", 1200, 0, 1);
  sent.users.bob.traces += 1;
  sent.users.bob.observations += 3;
  sent.users.bob.priced = "gpt-4o: 1000 input, 200 output tokens, cost from the price table";
  trace.score({ name: "quality", value: 0.25, comment: "slow" });
  sent.scores += 1;
}

// a trace created without a user, whose user is set later (a late login)
{
  const trace = langfuse.trace({ id: "sdk-late-1", name: "anonymous chat" });
  const gen = trace.generation({ id: "sdk-late-1-gen", model: "claude-3-5-haiku-20241022",
                                 usage: { input: 50, output: 10, total: 60, totalCost: 0.00009 } });
  gen.end();
  await langfuse.flushAsync();
  langfuse.trace({ id: "sdk-late-1", userId: "carol", sessionId: "carol-s1" });
  count("carol", "carol-s1", 60, 0.00009);
  sent.users.carol.traces += 1;
  sent.users.carol.observations += 1;
}

// a session score (no trace)
langfuse.score({ sessionId: "alice-s1", name: "nps", value: 9 });

await langfuse.shutdownAsync();
await capture.close();

fs.mkdirSync(out, { recursive: true });
for (const f of fs.readdirSync(out)) if (f.startsWith("batch-")) fs.unlinkSync(path.join(out, f));
capture.bodies.forEach((b, i) =>
  fs.writeFileSync(path.join(out, `batch-${String(i + 1).padStart(2, "0")}.json`), JSON.stringify(b, null, 1) + "\n"));
fs.writeFileSync(path.join(out, "sent.json"), JSON.stringify(sent, null, 1) + "\n");
console.log(`langfuse ${JSON.parse(fs.readFileSync(new URL("./node_modules/langfuse/package.json", import.meta.url))).version}: ${capture.bodies.length} request bodies, ${capture.bodies.reduce((n, b) => n + b.batch.length, 0)} events -> ${out}`);
