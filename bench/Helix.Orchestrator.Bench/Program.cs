using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Helix.Postgres;
using Helix.Workflows;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

// Workflow engine benchmark. Reads HELIX_TEST_PGBOUNCER (work) and HELIX_TEST_POSTGRES (migrations)
// from `eval "$(scripts/services.sh env)"`. Prints one line per measurement.
var pooledConnection = Environment.GetEnvironmentVariable("HELIX_TEST_PGBOUNCER") ?? throw new InvalidOperationException("HELIX_TEST_PGBOUNCER is not set");
var directConnection = Environment.GetEnvironmentVariable("HELIX_TEST_POSTGRES") ?? throw new InvalidOperationException("HELIX_TEST_POSTGRES is not set");
var schema = $"bench_{Guid.NewGuid():N}"[..18];
await using var direct = DataSources.Direct(directConnection);
await using var pooled = DataSources.Pooled(new NpgsqlConnectionStringBuilder(pooledConnection) { MaxPoolSize = 100 }.ConnectionString);
await RunStore.MigrateAsync(direct, schema, CancellationToken.None);
var store = new RunStore(pooled, schema);

// Per-step checkpoint latency, from the engine's own histogram.
var checkpoints = new List<double>();
var stepDurations = new List<double>();
using var listener = new MeterListener();
listener.InstrumentPublished = (instrument, l) =>
{
    if (instrument.Name is "helix.workflows.checkpoint.duration" or "helix.workflows.step.duration")
    {
        l.EnableMeasurementEvents(instrument);
    }
};
listener.SetMeasurementEventCallback<double>((instrument, value, _, _) =>
{
    lock (checkpoints)
    {
        (instrument.Name == "helix.workflows.step.duration" ? stepDurations : checkpoints).Add(value * 1000);
    }
});
listener.Start();

IWorkflow Linear(string name, int nodes)
{
    var graph = Workflow.Create<Counter>(name);
    for (var i = 0; i < nodes; i++)
    {
        graph.AddNode($"n{i}", (_, state) => Task.FromResult(new Update<Counter>().Set(s => s.Count, state.Count + 1)));
        graph.AddEdge(i == 0 ? Workflow.Start : $"n{i - 1}", $"n{i}");
    }
    return graph.Build();
}

var grow = Workflow.Create<Growing>("grow")
    .Reduce(s => s.Items, Reducers.Append)
    .AddNode("add", (_, state) => Task.FromResult(new Update<Growing>().Set(s => s.Count, state.Count + 1).Set(s => s.Items, [new string('x', 100)])))
    .AddEdge(Workflow.Start, "add")
    .AddConditionalEdges("add", state => [state.Count < 200 ? "add" : Workflow.End])
    .Build();

var services = new ServiceCollection().BuildServiceProvider();
var runner = new WorkflowRunner(store, new WorkflowRegistry([Linear("linear3", 3), Linear("linear10", 10), grow]), services, NullLogger<WorkflowRunner>.Instance);

async Task<(int Steps, TimeSpan Elapsed)> Measure(string workflow, int runs, int concurrency, int stepsPerRun)
{
    lock (checkpoints)
    {
        checkpoints.Clear();
        stepDurations.Clear();
    }
    // Recording each run is part of the measurement, as LangGraph.js's invoke records its thread.
    var watch = Stopwatch.StartNew();
    using var slots = new SemaphoreSlim(concurrency);
    await Task.WhenAll(Enumerable.Range(0, runs).Select(async _ =>
    {
        await slots.WaitAsync();
        try
        {
            var (id, outcome) = await runner.StartAsync(workflow, null, null, CancellationToken.None);
            if (outcome != RunOutcome.Completed)
            {
                throw new InvalidOperationException($"run {id} did not complete");
            }
        }
        finally
        {
            slots.Release();
        }
    }));
    return (runs * stepsPerRun, watch.Elapsed);
}

string Percentiles()
{
    lock (checkpoints)
    {
        var sorted = checkpoints.Order().ToList();
        var whole = stepDurations.Order().ToList();
        double P(List<double> values, double p) => values[Math.Min(values.Count - 1, (int)Math.Ceiling(p * values.Count) - 1)];
        return string.Create(CultureInfo.InvariantCulture, $"checkpoint p50 {P(sorted, 0.5):F2} ms, p99 {P(sorted, 0.99):F2} ms, whole step p50 {P(whole, 0.5):F2} ms");
    }
}

// Warm-up: 10 s of the measured shapes (as the LangGraph.js side), so tiered compilation has
// settled (a worker runs for days), the connection pool and PgBouncer's server connections are up.
for (var warm = Stopwatch.StartNew(); warm.Elapsed < TimeSpan.FromSeconds(10);)
{
    foreach (var workflow in new[] { "linear3", "linear10" })
    {
        await Measure(workflow, 20, 1, 1);
        await Measure(workflow, 100, 50, 1);
    }
}

// Run counts give each measurement 2-3 s on the build machine.
foreach (var (workflow, nodes, alone, together) in new[] { ("linear3", 3, 1200, 3000), ("linear10", 10, 500, 1500) })
{
    var (steps, elapsed) = await Measure(workflow, alone, 1, nodes);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{nodes}-node graph, one run at a time ({alone} runs): {steps / elapsed.TotalSeconds:F0} steps/s, {Percentiles()}"));
    (steps, elapsed) = await Measure(workflow, together, 50, nodes);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{nodes}-node graph, 50 runs at once ({together} runs): {steps / elapsed.TotalSeconds:F0} steps/s, {Percentiles()}"));
}
{
    var (steps, elapsed) = await Measure("linear10", 1000, 1000, 10);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"10-node graph, 1,000 runs at once: {steps / elapsed.TotalSeconds:F0} steps/s, {Percentiles()}, all done in {elapsed.TotalSeconds:F1} s"));
}
{
    var (id, _) = await runner.StartAsync("grow", null, null, CancellationToken.None);
    var bytes = await store.StoredBytesAsync(id, CancellationToken.None);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"200-step run, state growing by a 100-character item per step: {bytes / 1024.0:F0} KiB stored (deltas with their step markers, 4 snapshots, the output)"));
}

await using (var drop = direct.CreateCommand($"DROP SCHEMA \"{schema}\" CASCADE"))
{
    await drop.ExecuteNonQueryAsync();
}
return 0;

internal sealed record Counter
{
    public int Count { get; init; }
}

internal sealed record Growing
{
    public int Count { get; init; }

    public List<string> Items { get; init; } = [];
}
