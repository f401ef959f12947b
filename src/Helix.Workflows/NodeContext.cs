using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace Helix.Workflows;

/// <summary>What a running node knows and may use.</summary>
public sealed class NodeContext : IAsyncDisposable
{
    private readonly NpgsqlDataSource _database;
    private readonly JsonNode? _resume;
    private NpgsqlConnection? _connection;

    internal NodeContext(Guid runId, int step, string taskId, int attempt, JsonNode? input, JsonNode? resume, NpgsqlDataSource database,
        IServiceProvider services, CancellationToken cancellationToken)
    {
        RunId = runId;
        Step = step;
        TaskId = taskId;
        Attempt = attempt;
        Input = input;
        _resume = resume;
        _database = database;
        Services = services;
        CancellationToken = cancellationToken;
    }

    public Guid RunId { get; }

    public int Step { get; }

    public string TaskId { get; }

    /// <summary>1 for the first attempt.</summary>
    public int Attempt { get; }

    /// <summary>
    /// Stable for this task of this run across attempts and restarts: give it to outside services
    /// as their idempotency key (an <c>Idempotency-Key</c> header) so a repeated call is one call.
    /// </summary>
    public string IdempotencyKey => $"{RunId:N}:{Step}:{TaskId}";

    public IServiceProvider Services { get; }

    /// <summary>Cancelled on the node's timeout, on the run's cancellation, and on shutdown.</summary>
    public CancellationToken CancellationToken { get; }

    internal JsonNode? Input { get; }

    internal NpgsqlTransaction? Transaction { get; private set; }

    /// <summary>The branch's own input of a fan-out (<see cref="Route.Send{T}"/>).</summary>
    public T GetInput<T>() => Input is null
        ? throw new InvalidOperationException($"task {TaskId} has no input: it was not reached through Route.Send")
        : Input.Deserialize<T>(Workflow.Json)!;

    /// <summary>
    /// A transaction in the workflow database, committed together with this task's completion: the
    /// node's writes happen exactly once, even if the worker dies at any point. Opened on first use.
    /// </summary>
    public async ValueTask<NpgsqlTransaction> TransactionAsync()
    {
        if (Transaction is null)
        {
            _connection = await _database.OpenConnectionAsync(CancellationToken).ConfigureAwait(false);
            Transaction = await _connection.BeginTransactionAsync(CancellationToken).ConfigureAwait(false);
        }
        return Transaction;
    }

    /// <summary>
    /// Pauses the run for a person: the first time, the run parks with <paramref name="payload"/>
    /// (what to decide) and this node ends; when the run is resumed with a value, the node runs again
    /// from its start and this call returns the value.
    /// </summary>
    public T Interrupt<T>(object payload) => _resume is not null
        ? _resume.Deserialize<T>(Workflow.Json)!
        : throw new NodeInterruptException(JsonSerializer.SerializeToNode(payload, Workflow.Json));

    public async ValueTask DisposeAsync()
    {
        if (Transaction is not null)
        {
            await Transaction.DisposeAsync().ConfigureAwait(false);
        }
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>Thrown by <see cref="NodeContext.Interrupt{T}"/> to park the run; not an error.</summary>
public sealed class NodeInterruptException : Exception
{
    public NodeInterruptException()
    {
    }

    public NodeInterruptException(string message) : base(message)
    {
    }

    public NodeInterruptException(string message, Exception innerException) : base(message, innerException)
    {
    }

    internal NodeInterruptException(JsonNode? payload) : base("the node asked for a person's decision")
    {
        Payload = payload;
    }

    public JsonNode? Payload { get; }
}
