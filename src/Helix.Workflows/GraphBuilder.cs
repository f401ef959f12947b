using System.Globalization;
using System.Linq.Expressions;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Helix.Workflows;

/// <summary>
/// Builds a graph over the state <typeparamref name="TState"/>. Execution goes in steps: every task
/// of a step runs in parallel on the state as it was when the step began; their writes merge
/// through the fields' reducers (in task order, so the result never depends on timing); then the
/// edges of the nodes that ran give the next step's tasks. Branches sent in one step (a fan-out)
/// join in the next: a node after them runs once, on all their writes.
/// </summary>
public sealed class GraphBuilder<TState> where TState : class, new()
{
    private readonly string _name;
    private readonly Dictionary<string, Node> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Func<TState, IEnumerable<Route>>>> _edges = new(StringComparer.Ordinal);
    private readonly HashSet<string> _conditional = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Reducer> _reducers = new(StringComparer.Ordinal);

    internal GraphBuilder(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _name = name;
    }

    internal sealed record Node(string Name, Func<NodeContext, TState, Task<Update<TState>>> Run, NodeOptions Options);

    /// <summary>Sets how writes to a field merge (replace by default).</summary>
    public GraphBuilder<TState> Reduce<TValue>(Expression<Func<TState, TValue>> field, Reducer reducer)
    {
        _reducers[Update<TState>.Channel(field)] = reducer;
        return this;
    }

    public GraphBuilder<TState> AddNode(string name, Func<NodeContext, TState, Task<Update<TState>>> run, NodeOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(run);
        if (name is Workflow.Start or Workflow.End || name.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' is reserved or holds ':'", nameof(name));
        }
        if (!_nodes.TryAdd(name, new Node(name, run, options ?? NodeOptions.Default)))
        {
            throw new ArgumentException($"node '{name}' is declared twice", nameof(name));
        }
        return this;
    }

    /// <summary>A node that runs a whole other graph, durably, as a child run; its final state maps back into this one.</summary>
    public GraphBuilder<TState> AddSubgraph<TChild>(string name, IWorkflow child, Func<TState, TChild> input, Func<TState, TChild, Update<TState>> output, NodeOptions? options = null)
        where TChild : class, new()
    {
        ArgumentNullException.ThrowIfNull(child);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        return AddNode(name, async (context, state) =>
        {
            var runner = (WorkflowRunner)context.Services.GetService(typeof(WorkflowRunner))!;
            var final = await runner.RunChildAsync(context, child, JsonSerializer.SerializeToNode(input(state), Workflow.Json)).ConfigureAwait(false);
            return output(state, final.Deserialize<TChild>(Workflow.Json)!);
        }, options);
    }

    /// <summary>After <paramref name="from"/> (or <see cref="Workflow.Start"/>), go to <paramref name="to"/>.</summary>
    public GraphBuilder<TState> AddEdge(string from, string to)
    {
        Route[] routes = [Route.To(to)];
        return Add(from, _ => routes);
    }

    /// <summary>After <paramref name="from"/>, go where the function says, from the state after the step: nodes, or sends (fan-out).</summary>
    public GraphBuilder<TState> AddConditionalEdges(string from, Func<TState, IEnumerable<Route>> routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        _conditional.Add(from);
        return Add(from, routes);
    }

    private GraphBuilder<TState> Add(string from, Func<TState, IEnumerable<Route>> routes)
    {
        if (!_edges.TryGetValue(from, out var list))
        {
            _edges[from] = list = [];
        }
        list.Add(routes);
        return this;
    }

    public IWorkflow Build()
    {
        if (!_edges.ContainsKey(Workflow.Start))
        {
            throw new InvalidOperationException($"graph '{_name}' has no edge from Workflow.Start");
        }
        foreach (var from in _edges.Keys.Where(f => f != Workflow.Start && !_nodes.ContainsKey(f)))
        {
            throw new InvalidOperationException($"graph '{_name}': edge from unknown node '{from}'");
        }
        return new Compiled(_name, new Dictionary<string, Node>(_nodes), _edges.ToDictionary(e => e.Key, e => e.Value.ToArray()), new Dictionary<string, Reducer>(_reducers),
            new HashSet<string>(_conditional, StringComparer.Ordinal));
    }

    private sealed class Compiled(string name, Dictionary<string, Node> nodes, Dictionary<string, Func<TState, IEnumerable<Route>>[]> edges, Dictionary<string, Reducer> reducers,
        HashSet<string> conditional) : IWorkflow
    {
        public string Name => name;

        IReadOnlyList<PendingTask> IWorkflow.Entry(JsonObject state) => Tasks(Routes(Workflow.Start, Typed(state)));

        NodeOptions IWorkflow.OptionsOf(string node) => nodes[node].Options;

        async Task<IReadOnlyList<KeyValuePair<string, JsonNode?>>> IWorkflow.RunNodeAsync(PendingTask task, JsonObject state, NodeContext context)
        {
            var update = await nodes[task.Node].Run(context, Typed(state)).ConfigureAwait(false);
            return update?.Writes ?? [];
        }

        JsonObject IWorkflow.Apply(JsonObject state, IEnumerable<KeyValuePair<string, JsonNode?>> writes)
        {
            var next = (JsonObject)state.DeepClone();
            foreach (var (channel, value) in writes)
            {
                var reducer = reducers.GetValueOrDefault(channel, Reducers.Replace);
                next[channel] = reducer(next[channel], value);
            }
            return next;
        }

        IReadOnlyList<PendingTask> IWorkflow.Next(IEnumerable<string> nodesRun, JsonObject state)
        {
            var ran = nodesRun.Distinct(StringComparer.Ordinal).ToList();
            // Plain edges do not look at the state: read it only when a conditional edge will.
            var typed = ran.Any(conditional.Contains) ? Typed(state) : null;
            return Tasks(ran.SelectMany(node => Routes(node, typed!)));
        }

        JsonObject IWorkflow.Start(JsonNode? input)
        {
            // Through the state type and back: unknown fields fail here, at the start, not in a node.
            var typed = input is null ? new TState() : input.Deserialize<TState>(Strict) ?? new TState();
            return (JsonObject)JsonSerializer.SerializeToNode(typed, Workflow.Json)!;
        }

        private static readonly JsonSerializerOptions Strict = new(Workflow.Json) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };

        private static TState Typed(JsonObject state) => state.Deserialize<TState>(Workflow.Json)!;

        private IEnumerable<Route> Routes(string from, TState state) =>
            edges.TryGetValue(from, out var list) ? list.SelectMany(route => route(state)) : [];

        private List<PendingTask> Tasks(IEnumerable<Route> routes)
        {
            var tasks = new List<PendingTask>();
            var plain = new HashSet<string>(StringComparer.Ordinal);
            var sends = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var route in routes)
            {
                if (route.Node == Workflow.End)
                {
                    continue;
                }
                if (!nodes.ContainsKey(route.Node))
                {
                    throw new InvalidOperationException($"graph '{name}' routes to unknown node '{route.Node}'");
                }
                if (route.Input is null)
                {
                    if (plain.Add(route.Node))
                    {
                        tasks.Add(new PendingTask(route.Node, route.Node, null));
                    }
                }
                else
                {
                    var index = sends.GetValueOrDefault(route.Node);
                    sends[route.Node] = index + 1;
                    tasks.Add(new PendingTask(string.Create(CultureInfo.InvariantCulture, $"{route.Node}:{index:D4}"), route.Node, route.Input));
                }
            }
            return tasks;
        }
    }
}
