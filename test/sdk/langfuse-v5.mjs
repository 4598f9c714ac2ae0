// langfuse-v5.mjs: the JS v5 SDK (@langfuse/tracing with @langfuse/otel's
// span processor on an OpenTelemetry NodeTracerProvider), which exports
// OTLP JSON, writes a small application's traffic to the capture server:
// two users with sessions and tags, a generation with usage and cost, a
// tool call that fails, an agent with a nested generation priced from the
// model table.  The captured exports go to test/fixtures/langfuse-v5/.
import fs from "node:fs";
import path from "node:path";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { LangfuseSpanProcessor } from "@langfuse/otel";
import { startActiveObservation, startObservation, propagateAttributes } from "@langfuse/tracing";
import { startCapture } from "./capture.mjs";

const out = path.resolve(process.argv[2] ?? "../fixtures/langfuse-v5");
const capture = await startCapture();
const processor = new LangfuseSpanProcessor({
  publicKey: "pk-lf-usertrack-test",
  secretKey: "sk-lf-usertrack-test",
  baseUrl: capture.baseUrl,
});
const provider = new NodeTracerProvider({ spanProcessors: [processor] });
provider.register();

const sent = { users: {} };

await propagateAttributes({ userId: "dave", sessionId: "dave-s1", tags: ["api"] }, async () => {
  await startActiveObservation("chat", async (span) => {
    span.update({ input: { q: "weather?" } });
    const gen = startObservation("answer", { model: "gpt-4o-mini", input: [{ role: "user", content: "weather?" }] },
                                 { asType: "generation" });
    gen.update({ output: { role: "assistant", content: "sunny" },
                 usageDetails: { input: 100, output: 20, total: 120 },
                 costDetails: { input: 0.001, output: 0.002, total: 0.003 } });
    gen.end();
    const tool = startObservation("weather-api", { input: { city: "Paris" } }, { asType: "tool" });
    tool.update({ level: "ERROR", statusMessage: "HTTP 503" });
    tool.end();
    span.update({ output: { a: "sunny" } });
  });
});
sent.users.dave = { traces: 1, observations: 3, total_tokens: 120, model_cost: 0.003, errors: 1 };

await propagateAttributes({ userId: "erin", sessionId: "erin-s1" }, async () => {
  await startActiveObservation("plan-trip", async () => {
    const gen = startObservation("planner", { model: "gpt-4o", usageDetails: { input: 1000, output: 200 } },
                                 { asType: "generation" });
    gen.end();
  }, { asType: "agent" });
});
sent.users.erin = { traces: 1, observations: 2, total_tokens: 1200, errors: 0,
                    priced: "gpt-4o: 1000 input, 200 output tokens, cost from the price table" };

await provider.forceFlush();
await provider.shutdown();
await capture.close();

fs.mkdirSync(out, { recursive: true });
for (const f of fs.readdirSync(out)) if (f.startsWith("export-")) fs.unlinkSync(path.join(out, f));
capture.otlp.forEach((b, i) =>
  fs.writeFileSync(path.join(out, `export-${String(i + 1).padStart(2, "0")}.json`), JSON.stringify(b, null, 1) + "\n"));
fs.writeFileSync(path.join(out, "sent.json"), JSON.stringify(sent, null, 1) + "\n");
const spans = capture.otlp.reduce((n, b) => n + b.resourceSpans.reduce((m, r) => m + r.scopeSpans.reduce((k, s) => k + s.spans.length, 0), 0), 0);
console.log(`@langfuse/tracing ${JSON.parse(fs.readFileSync(new URL("./node_modules/@langfuse/tracing/package.json", import.meta.url))).version}: ${capture.otlp.length} exports, ${spans} spans -> ${out}`);
