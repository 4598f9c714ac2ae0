// otel-genai.mjs: plain OpenTelemetry (NodeTracerProvider with the
// OTLP/HTTP JSON exporter, @opentelemetry/exporter-trace-otlp-http), as an
// application instrumented without Langfuse sends its spans: a chat turn
// with the GenAI semantic conventions (gen_ai.*, user and session from
// user.id and gen_ai.conversation.id, cache read tokens), a tool call that
// fails (status ERROR), and an OpenInference LLM span (llm.*,
// openinference.span.kind).  The captured exports go to
// test/fixtures/otel-genai/.
import fs from "node:fs";
import path from "node:path";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { SpanStatusCode, context, trace } from "@opentelemetry/api";
import { startCapture } from "./capture.mjs";

const out = path.resolve(process.argv[2] ?? "../fixtures/otel-genai");
const capture = await startCapture();
const exporter = new OTLPTraceExporter({ url: `${capture.baseUrl}/v1/traces` });
const provider = new NodeTracerProvider({
  resource: resourceFromAttributes({ "service.name": "support-bot", "service.version": "1.4.2",
                                     "deployment.environment.name": "production" }),
  spanProcessors: [new BatchSpanProcessor(exporter)],
});
provider.register();
const tracer = trace.getTracer("support-bot", "1.4.2");

const sent = { users: {} };

// a chat turn: the request span with the user, a GenAI chat span, a tool
await tracer.startActiveSpan("handle-request", async (root) => {
  root.setAttribute("user.id", "gina");
  root.setAttribute("gen_ai.conversation.id", "conv-42");
  await tracer.startActiveSpan("chat gpt-4o-mini", async (chat) => {
    chat.setAttributes({
      "gen_ai.operation.name": "chat",
      "gen_ai.system": "openai",
      "gen_ai.request.model": "gpt-4o-mini",
      "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
      "gen_ai.request.temperature": 0.2,
      "gen_ai.usage.input_tokens": 800,
      "gen_ai.usage.output_tokens": 150,
      "gen_ai.usage.cache_read_input_tokens": 300,
    });
    chat.end();
  });
  await tracer.startActiveSpan("execute_tool lookup_order", async (tool) => {
    tool.setAttributes({ "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "lookup_order",
                         "error.type": "TimeoutError" });
    tool.setStatus({ code: SpanStatusCode.ERROR, message: "order service timed out" });
    tool.end();
  });
  root.end();
});
// GenAI's input_tokens include the cache reads: 800 + 150 tokens in all
sent.users.gina = { traces: 1, observations: 3, total_tokens: 950, errors: 1,
                    priced: "gpt-4o-mini-2024-07-18: 500 input, 300 cached, 150 output tokens" };

// an OpenInference LLM span of another user, with its own cost
await tracer.startActiveSpan("llm", async (span) => {
  span.setAttributes({
    "openinference.span.kind": "LLM",
    "user.id": "hank",
    "session.id": "hank-s1",
    "llm.model_name": "claude-3-5-haiku-20241022",
    "llm.token_count.prompt": 40,
    "llm.token_count.completion": 12,
    "llm.token_count.total": 52,
    "llm.cost.total": 0.000088,
    "input.value": JSON.stringify({ question: "status?" }),
    "output.value": "shipped",
  });
  span.end();
});
sent.users.hank = { traces: 1, observations: 1, total_tokens: 52, model_cost: 0.000088, errors: 0 };

await provider.forceFlush();
await provider.shutdown();
await capture.close();

fs.mkdirSync(out, { recursive: true });
for (const f of fs.readdirSync(out)) if (f.startsWith("export-")) fs.unlinkSync(path.join(out, f));
capture.otlp.forEach((b, i) =>
  fs.writeFileSync(path.join(out, `export-${String(i + 1).padStart(2, "0")}.json`), JSON.stringify(b, null, 1) + "\n"));
fs.writeFileSync(path.join(out, "sent.json"), JSON.stringify(sent, null, 1) + "\n");
const spans = capture.otlp.reduce((n, b) => n + b.resourceSpans.reduce((m, r) => m + r.scopeSpans.reduce((k, s) => k + s.spans.length, 0), 0), 0);
console.log(`@opentelemetry/exporter-trace-otlp-http ${JSON.parse(fs.readFileSync(new URL("./node_modules/@opentelemetry/exporter-trace-otlp-http/package.json", import.meta.url))).version}: ${capture.otlp.length} exports, ${spans} spans -> ${out}`);
