// capture.mjs: a local stand-in for the Langfuse ingestion endpoint.
// Listens on 127.0.0.1 (a free port), keeps the body of every
// POST /api/public/ingestion in order, and answers 207 with every event a
// success, as the Langfuse server does, so that the SDK does not retry.
import http from "node:http";

export async function startCapture() {
  const bodies = [];
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
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
