using System.Text.Json.Nodes;

namespace Helix.Workflows;

/// <summary>Where a graph goes next: a node, or a node with an input of its own (a fan-out branch).</summary>
public readonly record struct Route
{
    private Route(string node, JsonNode? input)
    {
        Node = node;
        Input = input;
    }

    public string Node { get; }

    /// <summary>The branch's own input (<see cref="Send{T}"/>), null for a plain edge.</summary>
    public JsonNode? Input { get; }

    public static Route To(string node) => new(node, null);

    /// <summary>One branch of a fan-out: the node runs once per send, in the same step as its siblings, with this input.</summary>
    public static Route Send<T>(string node, T input) => new(node, System.Text.Json.JsonSerializer.SerializeToNode(input, Workflow.Json));

    public static implicit operator Route(string node) => To(node);
}

/// <summary>A task of a step: a node to run, with its input when it is a fan-out branch.</summary>
/// <param name="Id">The node's name, or <c>node:0003</c> for the fourth branch of a fan-out: stable across restarts.</param>
/// <param name="Node">The node to run.</param>
/// <param name="Input">The branch's input, for a fan-out branch.</param>
internal sealed record PendingTask(string Id, string Node, JsonNode? Input);
