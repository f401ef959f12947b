using Helix.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Helix.Workflows.Tests;

/// <summary>A runner over a fresh schema of the harness's PostgreSQL, reached through PgBouncer as in the cluster.</summary>
internal sealed class Engine : IAsyncDisposable
{
    private readonly PostgresSchema _schema;
    private readonly ServiceProvider _services;

    private Engine(PostgresSchema schema, RunStore store, WorkflowRunner runner, ServiceProvider services)
    {
        _schema = schema;
        Store = store;
        Runner = runner;
        _services = services;
    }

    public RunStore Store { get; }

    public WorkflowRunner Runner { get; }

    public PostgresSchema Schema => _schema;

    public static async Task<Engine> StartAsync(PostgresFixture postgres, IWorkflow[] workflows, int compactEvery = 50, RunnerOptions? options = null)
    {
        var schema = await postgres.CreateSchemaAsync(TestContext.Current.CancellationToken);
        await RunStore.MigrateAsync(schema.Direct, schema.Name, TestContext.Current.CancellationToken);
        var store = new RunStore(schema.Pooled, schema.Name, compactEvery);
        var services = new ServiceCollection();
        services.AddSingleton(store);
        services.AddSingleton(new WorkflowRegistry(workflows));
        services.AddSingleton(options ?? new RunnerOptions());
        services.AddSingleton(sp => new WorkflowRunner(store, sp.GetRequiredService<WorkflowRegistry>(), sp, NullLogger<WorkflowRunner>.Instance, sp.GetRequiredService<RunnerOptions>()));
        var provider = services.BuildServiceProvider();
        return new Engine(schema, store, provider.GetRequiredService<WorkflowRunner>(), provider);
    }

    /// <summary>A second runner on the same store: another worker process, as far as leases go.</summary>
    public WorkflowRunner OtherWorker(RunnerOptions? options = null) =>
        new(Store, _services.GetRequiredService<WorkflowRegistry>(), _services, NullLogger<WorkflowRunner>.Instance, options ?? new RunnerOptions());

    public async Task<(Guid Id, RunOutcome Outcome)> RunAsync(string workflow, object? input = null)
    {
        var (id, _) = await Runner.CreateAsync(workflow, System.Text.Json.JsonSerializer.SerializeToNode(input, Workflow.Json), null, TestContext.Current.CancellationToken);
        return (id, await Runner.RunAsync(id, TestContext.Current.CancellationToken));
    }

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        await _schema.DisposeAsync();
    }
}
