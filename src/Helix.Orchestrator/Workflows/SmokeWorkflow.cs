using Helix.Postgres;
using Helix.Workflows;
using Npgsql;

namespace Helix.Orchestrator.Workflows;

/// <summary>The smoke workflow's state: how many steps to take (or the event body's <c>steps</c>), and how many were taken.</summary>
public sealed record SmokeState
{
    public int Steps { get; init; } = 3;

    public int Done { get; init; }

    /// <summary>Present when an event started the run: its body may say how many steps to take.</summary>
    public EventInput? Event { get; init; }

    internal int Target => Event?.Body?["steps"] is { } steps ? steps.GetValue<int>() : Steps;
}

/// <summary>
/// <c>smoke</c>: a linear workflow of <see cref="SmokeState.Steps"/> steps, each writing one row to
/// <c>smoke_effects</c> in the same transaction as its checkpoint. After a deploy (or a crash) a run
/// of it shows the whole path works: queue, engine, PostgreSQL through the pooler, exactly-once
/// writes (one row per run and step, whatever happened to the worker).
/// </summary>
internal static class SmokeWorkflow
{
    public const string Name = "smoke";

    public static IWorkflow Build(string schema) => Workflow.Create<SmokeState>(Name)
        .AddNode("step", async (context, state) =>
        {
            var transaction = await context.TransactionAsync().ConfigureAwait(false);
            await using (var insert = new NpgsqlCommand($"INSERT INTO \"{schema}\".smoke_effects (run_id, step) VALUES ($1, $2)", transaction.Connection, transaction).With(context.RunId,
                state.Done + 1))
            {
                await insert.ExecuteNonQueryAsync(context.CancellationToken).ConfigureAwait(false);
            }
            return new Update<SmokeState>().Set(s => s.Done, state.Done + 1);
        })
        .AddEdge(Workflow.Start, "step")
        .AddConditionalEdges("step", state => [state.Done < state.Target ? "step" : Workflow.End])
        .Build();
}
