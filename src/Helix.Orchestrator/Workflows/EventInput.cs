using System.Text.Json;
using System.Text.Json.Nodes;
using Helix.Events;

namespace Helix.Orchestrator.Workflows;

/// <summary>The event that started a run, as a workflow's state holds it (field <c>event</c>).</summary>
public sealed record EventInput
{
    public string Source { get; init; } = "";

    public string Type { get; init; } = "";

    public string DeliveryId { get; init; } = "";

    public DateTimeOffset ReceivedAt { get; init; }

    public string? ContentType { get; init; }

    /// <summary>The body: its JSON when it is JSON, else the text.</summary>
    public JsonNode? Body { get; init; }

    internal static JsonObject StateOf(WebhookEvent delivery, ReadOnlyMemory<byte> body)
    {
        JsonNode? parsed;
        try
        {
            parsed = JsonNode.Parse(body.Span);
        }
        catch (JsonException)
        {
            parsed = JsonValue.Create(System.Text.Encoding.UTF8.GetString(body.Span));
        }
        var input = new EventInput
        {
            Source = delivery.Source,
            Type = delivery.EventType,
            DeliveryId = delivery.DeliveryId,
            ReceivedAt = delivery.ReceivedAt,
            ContentType = delivery.ContentType,
            Body = parsed,
        };
        return new JsonObject { ["event"] = JsonSerializer.SerializeToNode(input, Helix.Workflows.Workflow.Json) };
    }
}
