#!/usr/bin/env bash
# scripts/capture-fixtures.sh: regenerate the SDK fixtures of the ingest
# tests.  Installs the pinned npm packages of test/sdk (the real Langfuse
# JS v3 SDK "langfuse", and the v5 SDK "@langfuse/tracing" with
# "@langfuse/otel" on OpenTelemetry's NodeTracerProvider), runs
# test/sdk/langfuse-v3.mjs, langfuse-v5.mjs and otel-genai.mjs (plain
# OpenTelemetry with the OTLP/HTTP JSON exporter, GenAI and OpenInference
# attributes) against a local capture server bound to 127.0.0.1, and writes
# the request bodies they posted to test/fixtures/langfuse-v3/,
# langfuse-v5/ and otel-genai/.  Needs Node.js and npm (installed
# with apt when missing) and the npm registry; the tests themselves use
# the committed fixtures and need neither.
#
# After regenerating, run the ingest_sdk and ingest_otlp suites and review
# the changes of their expected output (ids, timestamps and event order
# come from the SDK runs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    apt-get install -y nodejs npm
fi
cd test/sdk
npm ci --no-audit --no-fund
node langfuse-v3.mjs ../fixtures/langfuse-v3
node langfuse-v5.mjs ../fixtures/langfuse-v5
node otel-genai.mjs ../fixtures/otel-genai
