// capture.mjs: a local stand-in for the Langfuse ingestion endpoints.
// Listens on 127.0.0.1 (a free port) and keeps, in order, the body of every
// POST /api/public/ingestion (answered 207 with every event a success, as
// the Langfuse server does, so that the SDK does not retry) and of every
// OTLP/HTTP JSON trace export (POST /api/public/otel/v1/traces or
// /v1/traces, answered 200 {}).
import http from "node:http";

export async function startCapture() {
  const bodies = [];
  const otlp = [];
  const server = http.createServer((req, res) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => {
      if (req.method === "POST" && req.url.startsWith("/api/public/ingestion")) {
        const body = JSON.parse(data);
        bodies.push(body);
        res.writeHead(207, { "content-type": "application/json" });
        res.end(JSON.stringify({
          successes: body.batch.map((e) => ({ id: e.id, status: 201 })),
          errors: [],
        }));
      } else if (req.method === "POST" && /\/v1\/traces$/.test(req.url)) {
        if (!String(req.headers["content-type"]).includes("json")) {
          res.writeHead(415, { "content-type": "application/json" });
          res.end(JSON.stringify({ error: "only OTLP JSON is captured" }));
          return;
        }
        otlp.push(JSON.parse(data));
        res.writeHead(200, { "content-type": "application/json" });
        res.end("{}");
      } else {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: "not captured" }));
      }
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    bodies,
    otlp,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
