-- scripts/sample.sql: a deterministic, realistic sample of LLM activity.
--
-- Loads a month of traffic of a customer-support assistant into the input
-- tables of usertrack: a few hundred users whose activity follows a Zipf
-- law (a handful of heavy users, a long tail of occasional ones), chat,
-- RAG, agent and summarisation traces grouped in multi-turn sessions, a
-- share of anonymous traffic, generations with real model names, token
-- counts (and, from some SDKs, costs; the others are priced by
-- usertrack.model_prices), tool calls, retrievals, about 3% of
-- observations at level ERROR, and numeric, boolean and categorical scores.
--
-- Everything is written with multi-row INSERT ... SELECT statements, as an
-- ingestion service would; the extension's triggers keep the totals.  Some
-- observations and scores are written before their trace (a late trace),
-- and some traces are completed later by an upsert, to show that the totals
-- follow.  The data only depend on the seed: timestamps are relative to the
-- minute the script runs.
--
-- Usage:  psql -X -v ON_ERROR_STOP=1 -f scripts/sample.sql
-- Knobs:  -v users=400 -v sessions=2000 -v days=30 -v seed=0.4711

\set ON_ERROR_STOP on
\if :{?users}
\else
\set users 400
\endif
\if :{?sessions}
\else
\set sessions 2000
\endif
\if :{?days}
\else
\set days 30
\endif
\if :{?seed}
\else
\set seed 0.4711
\endif

BEGIN;

SELECT pg_catalog.setseed(:seed) AS seeded \gset
SELECT pg_catalog.date_trunc('minute', pg_catalog.now()) AS anchor \gset

------------------------------------------------------------------------------
-- Users.  Rank r gets weight 1/r^0.95 (Zipf); cum is the cumulative share,
-- so a uniform draw u picks the first user whose cum >= u.
------------------------------------------------------------------------------

CREATE TEMP TABLE sample_users AS
WITH w AS (
    SELECT r, 1.0 / power(r, 0.95) AS w
      FROM generate_series(1, :users) AS r
)
SELECT r AS rank,
       CASE r % 4
         WHEN 1 THEN lower((ARRAY['Maria','James','Aiko','Lars','Fatima','Chen','Olivia','Mateo',
                                  'Priya','Noah','Ingrid','Kwame','Sofia','Lucas','Elif','Hannah',
                                  'Diego','Yuki','Amara','Jonas'])[r % 20 + 1])
              || '.' ||
              lower((ARRAY['Garcia','Smith','Tanaka','Nielsen','Haddad','Wei','Brown','Rossi',
                           'Patel','Muller','Berg','Mensah','Silva','Martin','Yilmaz','Schmidt',
                           'Lopez','Sato','Okafor','Weber'])[(r / 20) % 20 + 1])
              || CASE WHEN r >= 400 THEN (r / 400)::text ELSE '' END
              || '@' || (ARRAY['example.com','acme.io','example.org'])[r % 3 + 1]
         WHEN 2 THEN 'user_' || lpad(((r * 7919) % 100000)::text, 5, '0')
         WHEN 3 THEN 'u-' || substr(md5('user:' || r), 1, 10)
         ELSE (4000 + r * 37)::text
       END AS user_id,
       (ARRAY['free','pro','pro','team','enterprise'])[r % 5 + 1] AS plan,
       sum(w) OVER (ORDER BY r) / sum(w) OVER () AS cum
  FROM w;
CREATE INDEX ON sample_users (cum);

------------------------------------------------------------------------------
-- Models with their public list prices per token (USD).  ms_per_token is a
-- rough output speed, for realistic latencies; cum is the traffic share.
------------------------------------------------------------------------------

CREATE TEMP TABLE sample_models (
    model text, in_price numeric, out_price numeric, ms_per_token numeric,
    cum double precision
);
INSERT INTO sample_models VALUES
    ('gpt-4o-mini',                0.00000015,  0.0000006,  9, 0.34),
    ('gpt-4o',                     0.0000025,   0.00001,   14, 0.54),
    ('claude-3-5-sonnet-20241022', 0.000003,    0.000015,  16, 0.74),
    ('claude-3-5-haiku-20241022',  0.0000008,   0.000004,  10, 0.82),
    ('gemini-2.5-pro',             0.00000125,  0.00001,   15, 0.89),
    ('gemini-2.0-flash',           0.0000001,   0.0000004,  6, 0.95),
    ('mistral-large-latest',       0.000002,    0.000006,  18, 0.98),
    -- the team's own fine-tune: no public price, so usertrack.unpriced_models lists it
    ('acme-support-ft-v3',         0.0000003,   0.0000012,  8, 1.00);

-- What users ask, and what the assistant answers: a few hundred bytes each.
CREATE TEMP TABLE sample_texts (q int PRIMARY KEY, question text, answer text);
INSERT INTO sample_texts VALUES
 (1, 'Where is my order A-20931? It was supposed to arrive on Monday and the tracking page has not changed since Friday.',
     'I checked order A-20931: it left our warehouse on Friday and is with the carrier. The tracking was not updated because of a scanning delay at the regional hub; the new estimated delivery is Wednesday before 6 pm.'),
 (2, 'How do I get a refund for a subscription I cancelled yesterday? I was charged for the next month anyway.',
     'Subscriptions cancelled within 48 hours of renewal are refunded in full. I have opened a refund request for the last charge; it will appear on your statement within 5 to 10 business days.'),
 (3, 'Can you explain the difference between the Pro and the Team plan? We are five people and need shared projects.',
     'The Pro plan is for one person. The Team plan adds shared projects, role-based permissions and a single invoice; for five people it costs less than five Pro seats once you pay yearly.'),
 (4, 'The export to CSV fails with "timeout while generating file" for my report of last quarter. What can I do?',
     'Large exports time out after 60 seconds in the browser. Use the scheduled export instead (Reports > Schedule > Export now); the file is generated in the background and emailed to you when ready.'),
 (5, 'I forgot my password and the reset email never arrives. I already checked the spam folder.',
     'The reset email was blocked by your mail server. I have sent a new link from an alternate sender; it is valid for 30 minutes. If it does not arrive, add no-reply@acme.io to your allow-list.'),
 (6, 'Does the API support batch requests? I need to upload about 20,000 records every night.',
     'Yes: POST /v2/records:batch accepts up to 1,000 records per call, and the rate limit is 120 calls per minute on your plan, so 20,000 records take about 20 calls. Retry with backoff on HTTP 429.'),
 (7, 'Summarise the attached contract and list the termination clauses and notice periods.',
     'The contract runs for 24 months. Either party may terminate for convenience with 90 days written notice (clause 14.2), immediately for material breach not cured within 30 days (14.3), or on insolvency (14.4).'),
 (8, 'Why was my card declined? I have enough money on the account and it works everywhere else.',
     'The payment was declined by your bank with code 05 (do not honour), which usually means a fraud check. Please confirm the payment in your banking app or call your bank, then retry; nothing was charged.'),
 (9, 'Can I change the delivery address of an order that has already shipped?',
     'Once an order has shipped we cannot change the address ourselves, but the carrier allows a redirect. I have sent you the redirect link for your parcel; it is free for addresses in the same country.'),
 (10, 'How do I connect the Slack integration to a private channel? The channel does not show in the list.',
     'Private channels only appear after the Acme app is invited. In Slack, open the channel, type /invite @Acme, then refresh the integration page; the channel will appear in the list within a minute.'),
 (11, 'Please translate this product description into German and keep the tone informal.',
     'Hier ist die Beschreibung: Unsere Trinkflasche haelt deine Getraenke 24 Stunden kalt und 12 Stunden heiss. Sie ist auslaufsicher, spuelmaschinenfest und passt in jeden Fahrradhalter.'),
 (12, 'What data do you store about me, and how can I delete my account?',
     'We store your profile, your orders of the last 7 years for tax reasons, and support conversations for 12 months. You can delete your account under Settings > Privacy; the deletion is final after 14 days.');

------------------------------------------------------------------------------
-- Sessions: a user (Zipf draw, 7% anonymous), an application flow, a model,
-- a number of turns, a start time (more traffic in recent days).
------------------------------------------------------------------------------

CREATE TEMP TABLE sample_sessions AS
WITH r AS MATERIALIZED (
    SELECT sn, random() AS r_anon, random() AS r_user, random() AS r_kind,
           random() AS r_turns, random() AS r_start, random() AS r_model,
           random() AS r_nosess, random() AS r_env, random() AS r_channel
      FROM generate_series(1, :sessions) AS sn
), k AS (
    SELECT r.*,
           CASE WHEN r_kind < 0.45 THEN 'chat'
                WHEN r_kind < 0.70 THEN 'rag'
                WHEN r_kind < 0.88 THEN 'agent'
                ELSE 'summarize' END AS kind,
           CASE WHEN r_anon >= 0.07 THEN
                (SELECT u.rank FROM sample_users u
                  WHERE u.cum >= r.r_user ORDER BY u.cum LIMIT 1) END AS user_rank
      FROM r
)
SELECT k.sn, k.kind,
       CASE WHEN k.user_rank IS NOT NULL THEN u.user_id
            WHEN k.sn % 3 = 0 THEN ''       -- some clients send '' for "no user"
       END AS user_id,
       COALESCE(u.plan, 'anonymous') AS plan,
       CASE WHEN k.kind = 'summarize' OR k.r_nosess < 0.10 THEN NULL
            ELSE 'sess_' || substr(md5('session:' || k.sn), 1, 16) END AS session_id,
       CASE k.kind
         WHEN 'chat'  THEN least(12, 1 + floor(-ln(1 - k.r_turns) * 2.5))::int
         WHEN 'rag'   THEN least(6,  1 + floor(-ln(1 - k.r_turns) * 1.0))::int
         WHEN 'agent' THEN least(4,  1 + floor(-ln(1 - k.r_turns) * 0.6))::int
         ELSE 1 END AS turns,
       :'anchor'::timestamptz - interval '1 hour'
           - (:days * interval '1 day') * power(k.r_start, 1.25) AS started,
       (SELECT m.model FROM sample_models m
         WHERE m.cum >= k.r_model ORDER BY m.cum LIMIT 1) AS model,
       CASE WHEN k.r_env < 0.05 THEN 'staging' ELSE 'production' END AS environment,
       (ARRAY['web','web','mobile','slack','email'])[1 + floor(k.r_channel * 5)::int] AS channel
  FROM k
  LEFT JOIN sample_users u ON u.rank = k.user_rank;

------------------------------------------------------------------------------
-- Traces: one per turn, 90 seconds apart plus jitter.  Every 31st trace is
-- "late": its observations and scores are written before it.
------------------------------------------------------------------------------

CREATE TEMP TABLE sample_traces AS
SELECT (row_number() OVER (ORDER BY s.sn, t.turn))::int AS tn,
       s.*, t.turn,
       md5('trace:' || s.sn || ':' || t.turn)::uuid::text AS trace_id,
       s.started + (t.turn - 1) * interval '90 seconds'
                 + random() * interval '60 seconds' AS ts,
       1 + floor(random() * 12)::int AS q,
       1 + floor(random() * 4)::int AS agent_steps,
       2 + floor(random() * 3)::int AS chunks,
       random() AS r_upsert
  FROM sample_sessions s
 CROSS JOIN LATERAL generate_series(1, s.turns) AS t(turn);
ALTER TABLE sample_traces ADD COLUMN late boolean;
UPDATE sample_traces SET late = (tn % 31 = 0);

------------------------------------------------------------------------------
-- Steps (observations) of each trace: a root (SPAN, AGENT or CHAIN) and its
-- children, by application flow.
------------------------------------------------------------------------------

CREATE TEMP TABLE sample_steps AS
WITH st AS MATERIALIZED (
    SELECT t.tn, t.trace_id, t.kind, t.model, t.turn, t.ts, t.q, t.user_id,
           n.n, i.i, random() AS r1, random() AS r2, random() AS r3,
           random() AS r_err, random() AS r_cost
      FROM sample_traces t
     CROSS JOIN LATERAL (SELECT CASE t.kind WHEN 'chat' THEN 3
                                            WHEN 'rag' THEN 5
                                            WHEN 'agent' THEN 2 + 2 * t.agent_steps
                                            ELSE 2 + t.chunks END AS n) n
     CROSS JOIN LATERAL generate_series(1, n.n) AS i(i)
), typed AS (
    SELECT st.*,
           CASE WHEN st.i = 1 THEN CASE st.kind WHEN 'agent' THEN 'AGENT'
                                                WHEN 'summarize' THEN 'CHAIN'
                                                ELSE 'SPAN' END
                WHEN st.kind = 'chat' THEN CASE st.i WHEN 2 THEN 'GUARDRAIL' ELSE 'GENERATION' END
                WHEN st.kind = 'rag' THEN (ARRAY['', 'EMBEDDING', 'RETRIEVER', 'GENERATION', 'EVENT'])[st.i]
                WHEN st.kind = 'agent' THEN CASE WHEN st.i = st.n OR st.i % 2 = 0 THEN 'GENERATION' ELSE 'TOOL' END
                ELSE 'GENERATION' END AS type,
           CASE WHEN st.i = 1 THEN CASE st.kind WHEN 'chat' THEN 'handle-message'
                                                WHEN 'rag' THEN 'rag-pipeline'
                                                WHEN 'agent' THEN 'support-agent'
                                                ELSE 'summarize-document' END
                WHEN st.kind = 'chat' THEN CASE st.i WHEN 2 THEN 'moderation' ELSE 'chat-completion' END
                WHEN st.kind = 'rag' THEN (ARRAY['', 'embed-query', 'vector-search', 'answer-with-context', 'citations-attached'])[st.i]
                WHEN st.kind = 'agent' THEN
                     CASE WHEN st.i = st.n THEN 'final-answer'
                          WHEN st.i % 2 = 0 THEN 'plan-next-step'
                          ELSE (ARRAY['lookup_order', 'search_knowledge_base', 'get_customer_profile',
                                      'create_ticket', 'check_refund_eligibility'])[(st.tn + st.i / 2) % 5 + 1] END
                WHEN st.i = st.n THEN 'combine-summaries'
                ELSE 'summarize-chunk' END AS name
      FROM st
), sized AS (
    SELECT ty.*,
           ty.type IN ('GENERATION', 'TOOL', 'RETRIEVER') AND ty.r_err < 0.06 AS failed,
           ty.type = 'GENERATION' AND ty.r_err >= 0.06 AND ty.r_err < 0.075 AS truncated,
           CASE WHEN ty.type = 'EMBEDDING' THEN 8 + floor(40 * ty.r1)
                WHEN ty.type <> 'GENERATION' THEN NULL
                WHEN ty.kind = 'chat' THEN 350 + 220 * ty.turn + floor(1200 * ty.r1 ^ 2)
                WHEN ty.kind = 'rag' THEN 1800 + floor(2600 * ty.r1)
                WHEN ty.kind = 'agent' THEN 1400 + 600 * ty.i + floor(1500 * ty.r1)
                WHEN ty.i = ty.n THEN 200 + 600 * (ty.n - 2)
                ELSE 2800 + floor(1200 * ty.r1) END::bigint AS in_tok,
           CASE WHEN ty.type = 'EMBEDDING' THEN 0
                WHEN ty.type <> 'GENERATION' THEN NULL
                WHEN ty.kind = 'chat' THEN 40 + floor(650 * ty.r2 ^ 2)
                WHEN ty.kind = 'rag' THEN 120 + floor(450 * ty.r2)
                WHEN ty.kind = 'agent' AND ty.i < ty.n THEN 25 + floor(180 * ty.r2)
                WHEN ty.kind = 'agent' THEN 120 + floor(420 * ty.r2)
                WHEN ty.i = ty.n THEN 250 + floor(300 * ty.r2)
                ELSE 180 + floor(220 * ty.r2) END::bigint AS out_tok,
           CASE ty.type WHEN 'EMBEDDING' THEN 'text-embedding-3-small'
                        WHEN 'GENERATION' THEN ty.model END AS used_model
      FROM typed ty
)
SELECT sz.*,
       md5('obs:' || sz.trace_id || ':' || sz.i)::uuid::text AS obs_id,
       250 + 700 * sz.r3 AS ttft_ms,
       CASE sz.type
         WHEN 'GENERATION' THEN CASE WHEN sz.failed THEN 300 + 29700 * sz.r3 ^ 4
                                     ELSE 250 + 700 * sz.r3 + sz.out_tok * COALESCE(m.ms_per_token, 12) END
         WHEN 'TOOL'       THEN 60 + 1400 * sz.r3 ^ 3
         WHEN 'RETRIEVER'  THEN 35 + 180 * sz.r3
         WHEN 'EMBEDDING'  THEN 25 + 90 * sz.r3
         WHEN 'GUARDRAIL'  THEN 80 + 160 * sz.r3
         ELSE 0 END AS dur_ms,
       CASE WHEN sz.used_model = 'text-embedding-3-small' THEN 0.00000002 ELSE m.in_price END AS in_price,
       CASE WHEN sz.used_model = 'text-embedding-3-small' THEN 0 ELSE m.out_price END AS out_price
  FROM sized sz
  LEFT JOIN sample_models m ON m.model = sz.used_model;

-- Roots last as long as their children, which run one after the other.
CREATE TEMP TABLE sample_observations AS
WITH timed AS (
    SELECT s.*,
           -- a root's own dur_ms is 0
           CASE WHEN s.i = 1 THEN 0
                ELSE 5 + COALESCE(sum(s.dur_ms) OVER (PARTITION BY s.tn ORDER BY s.i
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
           END AS offset_ms,
           CASE WHEN s.i = 1 THEN 15 + sum(s.dur_ms) OVER (PARTITION BY s.tn)
                ELSE s.dur_ms END AS len_ms
      FROM sample_steps s
)
SELECT t.*,
       t.ts + t.offset_ms * interval '1 millisecond' AS start_time,
       t.ts + (t.offset_ms + t.len_ms) * interval '1 millisecond' AS end_time
  FROM timed t;

------------------------------------------------------------------------------
-- 1. Traces (all but the late ones).  A fifth of them arrive without their
--    output, which an upsert fills in at the end (trace-create, then
--    trace-update, as SDKs send them).
------------------------------------------------------------------------------

INSERT INTO usertrack.traces
    (id, "timestamp", name, user_id, session_id, tags, metadata, input, output,
     release, version, environment)
SELECT t.trace_id, t.ts,
       CASE t.kind WHEN 'chat' THEN 'chat-turn' WHEN 'rag' THEN 'rag-query'
                   WHEN 'agent' THEN 'agent-run' ELSE 'summarize-document' END,
       t.user_id, t.session_id,
       CASE WHEN t.tn % 9 = 0 THEN ARRAY[t.kind, t.channel, 'beta'] ELSE ARRAY[t.kind, t.channel] END,
       jsonb_build_object('app', 'acme-support', 'plan', t.plan, 'channel', t.channel,
                          'region', (ARRAY['eu-west-1','us-east-1','ap-southeast-1'])[t.sn % 3 + 1],
                          'turn', t.turn),
       jsonb_build_object('query', x.question, 'locale', 'en-US'),
       CASE WHEN t.r_upsert < 0.2 THEN NULL ELSE jsonb_build_object('answer', x.answer) END,
       'v2.' || (17 - floor(extract(epoch FROM :'anchor'::timestamptz - t.ts) / 86400 / 8))::int || '.0',
       'prompt-' || (ARRAY['a','b'])[t.tn % 2 + 1],
       t.environment
  FROM sample_traces t
  JOIN sample_texts x ON x.q = t.q
 WHERE NOT t.late
 ORDER BY t.ts;

------------------------------------------------------------------------------
-- 2. Observations, those of late traces included.
------------------------------------------------------------------------------

INSERT INTO usertrack.observations
    (id, trace_id, parent_observation_id, type, name, start_time, end_time,
     completion_start_time, model, model_parameters, input_tokens,
     output_tokens, total_tokens, usage_details, input_cost, output_cost,
     total_cost, cost_details, level, status_message, metadata, input, output)
SELECT o.obs_id,
       o.trace_id,
       CASE WHEN o.i > 1 THEN md5('obs:' || o.trace_id || ':1')::uuid::text END,
       o.type,
       o.name,
       o.start_time,
       CASE WHEN o.type = 'EVENT' THEN NULL ELSE o.end_time END,
       CASE WHEN o.type = 'GENERATION' AND NOT o.failed
            THEN o.start_time + o.ttft_ms * interval '1 millisecond' END,
       o.used_model,
       CASE WHEN o.type = 'GENERATION'
            THEN jsonb_build_object('temperature', CASE o.kind WHEN 'agent' THEN 0 WHEN 'summarize' THEN 0.2 ELSE 0.7 END,
                                    'max_tokens', CASE o.kind WHEN 'summarize' THEN 1024 ELSE 800 END) END,
       -- failed calls are not billed: no usage, no cost
       CASE WHEN NOT o.failed THEN o.in_tok END,
       CASE WHEN NOT o.failed THEN CASE WHEN o.truncated THEN 800 ELSE o.out_tok END END,
       CASE WHEN NOT o.failed AND o.in_tok IS NOT NULL AND o.r_cost < 0.85
            THEN o.in_tok + CASE WHEN o.truncated THEN 800 ELSE o.out_tok END END,
       CASE WHEN NOT o.failed AND o.type = 'GENERATION'
            THEN jsonb_build_object('input', o.in_tok,
                                    'output', CASE WHEN o.truncated THEN 800 ELSE o.out_tok END)
                 || CASE WHEN o.r2 < 0.3 THEN jsonb_build_object('input_cached_tokens', floor(o.in_tok * 0.5)::bigint)
                         ELSE '{}'::jsonb END END,
       -- 60% of the calls come with a cost from the SDK; the others send
       -- usage only, and usertrack prices them from usertrack.model_prices
       CASE WHEN NOT o.failed AND o.r_cost < 0.6 THEN o.in_tok * o.in_price END,
       CASE WHEN NOT o.failed AND o.r_cost < 0.6 THEN CASE WHEN o.truncated THEN 800 ELSE o.out_tok END * o.out_price END,
       -- most of those send the total; some send only the input and output parts
       CASE WHEN NOT o.failed AND o.r_cost < 0.45
            THEN o.in_tok * o.in_price + CASE WHEN o.truncated THEN 800 ELSE o.out_tok END * o.out_price END,
       CASE WHEN NOT o.failed AND o.in_tok IS NOT NULL AND o.r_cost < 0.6
            THEN jsonb_build_object('input', o.in_tok * o.in_price,
                                    'output', CASE WHEN o.truncated THEN 800 ELSE o.out_tok END * o.out_price) END,
       CASE WHEN o.failed THEN 'ERROR' WHEN o.truncated THEN 'WARNING'
            WHEN o.type = 'EVENT' THEN 'DEBUG' ELSE 'DEFAULT' END,
       CASE WHEN o.failed THEN
                 CASE o.type
                   WHEN 'GENERATION' THEN (ARRAY['429 Too Many Requests: rate limit reached for requests',
                                                 'Request timed out after 30000 ms',
                                                 '400 context_length_exceeded: maximum context length is 128000 tokens',
                                                 '529 Overloaded: the provider is temporarily overloaded'])[o.tn % 4 + 1]
                   WHEN 'TOOL' THEN 'Tool ' || o.name || ' failed: upstream returned 503 Service Unavailable'
                   ELSE 'Vector store query failed: connection reset by peer' END
            WHEN o.truncated THEN 'finish_reason=length: output truncated at max_tokens' END,
       jsonb_build_object('sdk', 'langfuse-python 2.53.9', 'step', o.i),
       CASE o.type
         WHEN 'GENERATION' THEN jsonb_build_array(
              jsonb_build_object('role', 'system', 'content',
                  'You are Acme''s customer support assistant. Answer briefly and politely, cite the knowledge base when you use it, and never invent order data.'),
              jsonb_build_object('role', 'user', 'content', x.question))
         WHEN 'TOOL' THEN jsonb_build_object('tool', o.name, 'arguments',
              jsonb_build_object('order_id', 'A-' || (20000 + o.tn % 9000), 'customer', COALESCE(o.user_id, 'anonymous')))
         WHEN 'RETRIEVER' THEN jsonb_build_object('query', x.question, 'top_k', 5, 'index', 'kb-articles-v3')
         WHEN 'EMBEDDING' THEN jsonb_build_object('text', x.question)
         WHEN 'GUARDRAIL' THEN jsonb_build_object('text', x.question, 'policies', jsonb_build_array('pii', 'toxicity', 'jailbreak'))
         WHEN 'EVENT' THEN NULL
         ELSE jsonb_build_object('query', x.question, 'user', COALESCE(o.user_id, 'anonymous'))
       END,
       CASE WHEN o.failed THEN NULL
            ELSE CASE o.type
              WHEN 'GENERATION' THEN jsonb_build_object('role', 'assistant', 'content',
                   CASE WHEN o.kind = 'agent' AND o.i < o.n
                        THEN 'I will call a tool to check the customer''s order and account before answering.'
                        ELSE x.answer END)
              WHEN 'TOOL' THEN jsonb_build_object('status', 'ok', 'result',
                   jsonb_build_object('order_id', 'A-' || (20000 + o.tn % 9000), 'state',
                                      (ARRAY['shipped','processing','delivered','refunded'])[o.tn % 4 + 1],
                                      'updated_at', o.start_time))
              WHEN 'RETRIEVER' THEN jsonb_build_object('documents', jsonb_build_array(
                   jsonb_build_object('id', 'kb-' || (1000 + o.q * 7), 'score', round((0.92 - o.r2 * 0.1)::numeric, 3), 'title', 'Orders and delivery'),
                   jsonb_build_object('id', 'kb-' || (1100 + o.q * 3), 'score', round((0.81 - o.r2 * 0.1)::numeric, 3), 'title', 'Refunds and billing'),
                   jsonb_build_object('id', 'kb-' || (1200 + o.q), 'score', round((0.74 - o.r2 * 0.1)::numeric, 3), 'title', 'Account settings')))
              WHEN 'EMBEDDING' THEN jsonb_build_object('dimensions', 1536, 'preview',
                   jsonb_build_array(round((o.r1 - 0.5)::numeric, 4), round((o.r2 - 0.5)::numeric, 4), round((o.r3 - 0.5)::numeric, 4)))
              WHEN 'GUARDRAIL' THEN jsonb_build_object('flagged', false, 'scores',
                   jsonb_build_object('toxicity', round((o.r1 * 0.05)::numeric, 3), 'pii', round((o.r2 * 0.2)::numeric, 3)))
              WHEN 'EVENT' THEN jsonb_build_object('citations', jsonb_build_array('kb-' || (1000 + o.q * 7), 'kb-' || (1100 + o.q * 3)))
              ELSE jsonb_build_object('answer', x.answer)
            END
       END
  FROM sample_observations o
  JOIN sample_texts x ON x.q = o.q
 ORDER BY o.start_time;

------------------------------------------------------------------------------
-- 3. Scores: thumbs up/down from users, LLM-as-judge evaluations,
--    annotations by the support team, and session-level scores.
------------------------------------------------------------------------------

CREATE TEMP TABLE sample_trace_errors AS
SELECT tn, bool_or(failed) AS failed FROM sample_steps GROUP BY tn;

INSERT INTO usertrack.scores
    (id, trace_id, observation_id, session_id, name, value, string_value,
     data_type, source, comment, "timestamp", metadata)
WITH r AS MATERIALIZED (
    SELECT t.*, e.failed, random() AS r_fb, random() AS r_fbv, random() AS r_help,
           random() AS r_helpv, random() AS r_tone, random() AS r_hall, random() AS r_hallv
      FROM sample_traces t JOIN sample_trace_errors e USING (tn)
)
-- users' thumbs up (1) or down (0)
SELECT md5('score:feedback:' || r.trace_id)::uuid::text, r.trace_id, NULL, r.session_id,
       'user-feedback', CASE WHEN r.r_fbv < CASE WHEN r.failed THEN 0.35 ELSE 0.82 END THEN 1 ELSE 0 END,
       NULL, 'BOOLEAN', 'API',
       CASE WHEN r.r_fbv >= 0.95 THEN 'The answer did not solve my problem' END,
       r.ts + interval '2 minutes' + r.r_fb * interval '10 minutes',
       jsonb_build_object('channel', r.channel)
  FROM r
 WHERE r.user_id <> '' AND r.kind <> 'summarize' AND r.r_fb < 0.22
UNION ALL
-- LLM-as-judge helpfulness in [0, 1]
SELECT md5('score:helpfulness:' || r.trace_id)::uuid::text, r.trace_id, NULL, NULL,
       'helpfulness', round((CASE WHEN r.failed THEN 0.1 ELSE 0.35 END + 0.6 * sqrt(r.r_helpv))::numeric, 2)::float8,
       NULL, 'NUMERIC', 'EVAL', NULL,
       r.ts + interval '5 minutes',
       jsonb_build_object('judge', 'gpt-4o', 'template', 'helpfulness-v2')
  FROM r
 WHERE r.r_help < 0.35
UNION ALL
-- tone, annotated by the support team
SELECT md5('score:tone:' || r.trace_id)::uuid::text, r.trace_id, NULL, NULL,
       'tone', NULL, (ARRAY['friendly', 'friendly', 'neutral', 'curt'])[r.tn % 4 + 1],
       'CATEGORICAL', 'ANNOTATION', CASE WHEN r.tn % 4 = 3 THEN 'Too short for an upset customer' END,
       least(r.ts + interval '1 day', :'anchor'::timestamptz),
       jsonb_build_object('annotator', 'support-team', 'queue', 'weekly-review')
  FROM r
 WHERE r.r_tone < 0.04
UNION ALL
-- hallucination check on the answer generation of RAG traces
SELECT md5('score:hallucination:' || r.trace_id)::uuid::text, r.trace_id,
       md5('obs:' || r.trace_id || ':4')::uuid::text, NULL,
       'hallucination', CASE WHEN r.r_hallv < 0.08 THEN 1 ELSE 0 END,
       NULL, 'BOOLEAN', 'EVAL', NULL,
       r.ts + interval '6 minutes',
       jsonb_build_object('judge', 'claude-3-5-sonnet-20241022', 'template', 'faithfulness-v1')
  FROM r
 WHERE r.kind = 'rag' AND r.r_hall < 0.15
UNION ALL
-- session-level: resolved or not, named by no trace, so counted for no user
SELECT md5('score:resolved:' || s.session_id)::uuid::text, NULL, NULL, s.session_id,
       'session-resolved', CASE WHEN s.sn % 5 = 0 THEN 0 ELSE 1 END,
       NULL, 'BOOLEAN', 'API', NULL,
       s.started + interval '30 minutes', NULL
  FROM sample_sessions s
 WHERE s.session_id IS NOT NULL AND s.sn % 11 = 0;

------------------------------------------------------------------------------
-- 4. The late traces arrive; their observations and scores now count for
--    their users.
------------------------------------------------------------------------------

INSERT INTO usertrack.traces
    (id, "timestamp", name, user_id, session_id, tags, metadata, input, output,
     release, version, environment)
SELECT t.trace_id, t.ts,
       CASE t.kind WHEN 'chat' THEN 'chat-turn' WHEN 'rag' THEN 'rag-query'
                   WHEN 'agent' THEN 'agent-run' ELSE 'summarize-document' END,
       t.user_id, t.session_id,
       ARRAY[t.kind, t.channel, 'late'],
       jsonb_build_object('app', 'acme-support', 'plan', t.plan, 'channel', t.channel,
                          'region', (ARRAY['eu-west-1','us-east-1','ap-southeast-1'])[t.sn % 3 + 1],
                          'turn', t.turn, 'delivery', 'retried'),
       jsonb_build_object('query', x.question, 'locale', 'en-US'),
       jsonb_build_object('answer', x.answer),
       'v2.' || (17 - floor(extract(epoch FROM :'anchor'::timestamptz - t.ts) / 86400 / 8))::int || '.0',
       'prompt-' || (ARRAY['a','b'])[t.tn % 2 + 1],
       t.environment
  FROM sample_traces t
  JOIN sample_texts x ON x.q = t.q
 WHERE t.late
 ORDER BY t.ts;

------------------------------------------------------------------------------
-- 5. trace-update: the SDK upserts the output of the traces sent without it.
------------------------------------------------------------------------------

INSERT INTO usertrack.traces (id, "timestamp", name, user_id, session_id, output)
SELECT t.trace_id, t.ts, NULL, t.user_id, t.session_id, jsonb_build_object('answer', x.answer)
  FROM sample_traces t
  JOIN sample_texts x ON x.q = t.q
 WHERE NOT t.late AND t.r_upsert < 0.2
 ORDER BY t.trace_id
ON CONFLICT (id) DO UPDATE SET output = EXCLUDED.output;

DROP TABLE sample_trace_errors, sample_observations, sample_steps, sample_traces,
           sample_sessions, sample_texts, sample_models, sample_users;

COMMIT;

ANALYZE usertrack.traces, usertrack.observations, usertrack.scores;

SELECT (SELECT count(*) FROM usertrack.traces) AS traces,
       (SELECT count(*) FROM usertrack.observations) AS observations,
       (SELECT count(*) FROM usertrack.scores) AS scores,
       (SELECT count(DISTINCT user_id) FROM usertrack.traces WHERE user_id <> '') AS users;
