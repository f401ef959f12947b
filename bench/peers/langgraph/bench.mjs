// The Orchestrator benchmark's peer: the same graphs as bench/Helix.Orchestrator.Bench, in
// LangGraph.js with @langchain/langgraph-checkpoint-postgres, durable at every step
// (durability: "sync"), through the same PgBouncer. Env: PGBOUNCER_URL, POSTGRES_URL (setup).
import { randomUUID } from "node:crypto";
import pg from "pg";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";

const schema = `lg_${randomUUID().replaceAll("-", "").slice(0, 12)}`;
const direct = new pg.Pool({ connectionString: process.env.POSTGRES_URL, max: 2 });
const pooled = new pg.Pool({ connectionString: process.env.PGBOUNCER_URL, max: 60 });
await new PostgresSaver(direct, undefined, { schema }).setup();
const saver = new PostgresSaver(pooled, undefined, { schema });

const Counter = Annotation.Root({ count: Annotation({ reducer: (_, b) => b, default: () => 0 }) });
function linear(nodes) {
  const graph = new StateGraph(Counter);
  for (let i = 0; i < nodes; i++) {
    graph.addNode(`n${i}`, (s) => ({ count: s.count + 1 }));
    graph.addEdge(i === 0 ? START : `n${i - 1}`, `n${i}`);
  }
  graph.addEdge(`n${nodes - 1}`, END);
  return graph.compile({ checkpointer: saver });
}

async function measure(graph, runs, concurrency, steps) {
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < runs) {
      next++;
      await graph.invoke({ count: 0 }, { configurable: { thread_id: randomUUID() }, durability: "sync" });
    }
  }));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return Math.round((runs * steps) / seconds);
}

// Warm-up, as the .NET side: 10 s of the measured shapes, so both JITs have settled.
const warm = [linear(3), linear(10)];
for (const until = Date.now() + 10_000; Date.now() < until;) {
  for (const graph of warm) {
    await measure(graph, 20, 1, 1);
    await measure(graph, 100, 50, 1);
  }
}
for (const [nodes, runs] of [[3, 300], [10, 100]]) {
  const graph = linear(nodes);
  console.log(`LangGraph.js ${nodes}-node graph, one run at a time (${runs} runs): ${await measure(graph, runs, 1, nodes)} steps/s`);
  console.log(`LangGraph.js ${nodes}-node graph, 50 runs at once (${runs} runs): ${await measure(graph, runs, 50, nodes)} steps/s`);
}

const Growing = Annotation.Root({
  count: Annotation({ reducer: (_, b) => b, default: () => 0 }),
  items: Annotation({ reducer: (a, b) => a.concat(b), default: () => [] }),
});
const grow = new StateGraph(Growing)
  .addNode("add", (s) => ({ count: s.count + 1, items: ["x".repeat(100)] }))
  .addEdge(START, "add")
  .addConditionalEdges("add", (s) => (s.count < 200 ? "add" : END))
  .compile({ checkpointer: saver });
const thread = randomUUID();
await grow.invoke({ count: 0 }, { configurable: { thread_id: thread }, durability: "sync", recursionLimit: 1000 });
const { rows } = await direct.query(
  `SELECT (SELECT coalesce(sum(pg_column_size(c.*)), 0) FROM "${schema}".checkpoints c WHERE thread_id = $1)
        + (SELECT coalesce(sum(pg_column_size(b.*)), 0) FROM "${schema}".checkpoint_blobs b WHERE thread_id = $1)
        + (SELECT coalesce(sum(pg_column_size(w.*)), 0) FROM "${schema}".checkpoint_writes w WHERE thread_id = $1) AS bytes`, [thread]);
console.log(`LangGraph.js 200-step run, state growing by a 100-character item per step: ${Math.round(Number(rows[0].bytes) / 1024)} KiB stored`);

await direct.query(`DROP SCHEMA "${schema}" CASCADE`);
await pooled.end();
await direct.end();
