using System.Text.Json.Nodes;
using CsCheck;
using Helix.Testing;

namespace Helix.Platform.Tests;

/// <summary>Edits of a rendered file's JSON, the kind a careless or hostile hand makes: any field, anywhere, to any JSON value.</summary>
internal static class HostileEdits
{
    // What an edit writes: null, a boolean, a huge or negative number, a list, a map, or any Unicode text.
    private static readonly Func<JsonNode?>[] Values =
    [
        () => null,
        () => JsonValue.Create(true),
        () => JsonValue.Create(1e308),
        () => JsonValue.Create(-1),
        () => new JsonArray(JsonValue.Create(0), new JsonObject()),
        () => new JsonObject { ["*"] = "?" },
    ];

    private static readonly Gen<Func<JsonNode?>> Hostile = Gen.Frequency(
        (6, Gen.Int[0, Values.Length - 1].Select(i => Values[i])),
        (4, HostileJson.Text.Where(l => l.Unicode).Select<HostileJson.Literal, Func<JsonNode?>>(l => () => JsonValue.Create(l.Text))));

    /// <summary>One edit: which object, where in it, and the value written.</summary>
    public static Gen<(int Which, int Where, Func<JsonNode?> Value)> Edit { get; } = Gen.Select(Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue], Hostile);

    /// <summary>Writes the value at the <paramref name="where"/>-th place of the node (its fields and items, depth first).</summary>
    public static void Apply(JsonNode node, int where, Func<JsonNode?> value)
    {
        var places = Places(node);
        if (places.Count == 0)
        {
            return;
        }
        var (parent, key, index) = places[where % places.Count];
        if (parent is JsonObject o)
        {
            o[key!] = value();
        }
        else
        {
            ((JsonArray)parent)[index] = value();
        }
    }

    // Every node of an object, by path: where an edit can land.
    private static List<(JsonNode Parent, string? Key, int Index)> Places(JsonNode node)
    {
        var places = new List<(JsonNode, string?, int)>();
        void Walk(JsonNode n)
        {
            switch (n)
            {
                case JsonObject o:
                    foreach (var (key, child) in o.ToList())
                    {
                        places.Add((o, key, -1));
                        if (child is not null)
                        {
                            Walk(child);
                        }
                    }
                    break;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++)
                    {
                        places.Add((a, null, i));
                        if (a[i] is { } child)
                        {
                            Walk(child);
                        }
                    }
                    break;
            }
        }
        Walk(node);
        return places;
    }
}
