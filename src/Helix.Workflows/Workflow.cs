using System.Text.Json;
using System.Text.Json.Nodes;

namespace Helix.Workflows;

/// <summary>A compiled graph as the runner sees it: JSON state in, writes and routes out.</summary>
public interface IWorkflow
{
    string Name { get; }

    internal IReadOnlyList<PendingTask> Entry(JsonObject state);

    internal NodeOptions OptionsOf(string node);

    internal Task<IReadOnlyList<KeyValuePair<string, JsonNode?>>> RunNodeAsync(PendingTask task, JsonObject state, NodeContext context);

    internal JsonObject Apply(JsonObject state, IEnumerable<KeyValuePair<string, JsonNode?>> writes);

    /// <summary>The next step's tasks, from the nodes that ran (in task order) and the state after their writes.</summary>
    internal IReadOnlyList<PendingTask> Next(IEnumerable<string> nodesRun, JsonObject state);

    /// <summary>Checks and normalises a run's input: the state to start from.</summary>
    internal JsonObject Start(JsonNode? input);
}

/// <summary>Entry points of the graph API.</summary>
public static class Workflow
{
    public const string Start = "__start__";
    public const string End = "__end__";

    /// <summary>How states, inputs and writes are serialised: camelCase, as stored and shown by the API.</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web);

    public static GraphBuilder<TState> Create<TState>(string name) where TState : class, new() => new(name);
}
