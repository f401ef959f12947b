using System.Globalization;
using System.Text.Json;

namespace Helix.Platform.Simulation;

/// <summary>
/// One object as Argo CD applies it: where it comes from (a tree file or a chart release), its
/// identity, and typed reads of the few fields the simulation needs. Every read tolerates a field
/// of the wrong JSON type (the tree verifier reports those): it reads as absent.
/// </summary>
internal sealed record KubeObject(string Source, JsonElement Json)
{
    public string ApiVersion => Text(Json, "apiVersion") ?? "";

    public string Group => ApiVersion.LastIndexOf('/') is var slash and >= 0 ? ApiVersion[..slash] : "";

    public string Kind => Text(Json, "kind") ?? "";

    public string Name => Text(Json, "metadata", "name") ?? "";

    /// <summary>The namespace the object names; null when it names none (cluster-scoped, or the Application's destination).</summary>
    public string? DeclaredNamespace => Text(Json, "metadata", "namespace");

    public IReadOnlyDictionary<string, string> Labels => Map(Json, "metadata", "labels");

    public IReadOnlyDictionary<string, string> Annotations => Map(Json, "metadata", "annotations");

    /// <summary>Its sync wave inside its Application (Argo CD's annotation, else 0).</summary>
    public int Wave => int.TryParse(Annotations.GetValueOrDefault("argocd.argoproj.io/sync-wave"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var w) ? w : 0;

    /// <summary>Helm test hooks, which Argo CD never applies.</summary>
    public bool IsTestHook => Annotations.GetValueOrDefault("helm.sh/hook") is { } hook
        && hook.Split(',').Any(h => h.Trim() is "test" or "test-success" or "test-failure");

    /// <summary>A Helm or Argo CD hook: run around the sync, and not tracked as the Application's.</summary>
    public bool IsHook => Annotations.ContainsKey("helm.sh/hook") || Annotations.ContainsKey("argocd.argoproj.io/hook");

    public JsonElement? At(params string[] path) => Element(Json, path);

    public static string? Text(JsonElement element, params string[] path) =>
        Element(element, path) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    public static JsonElement? Element(JsonElement element, params string[] path)
    {
        foreach (var key in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(key, out element))
            {
                return null;
            }
        }
        return element;
    }

    public static IEnumerable<JsonElement> Items(JsonElement? element) =>
        element is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];

    public static IReadOnlyDictionary<string, string> Map(JsonElement element, params string[] path) =>
        Element(element, path) is { ValueKind: JsonValueKind.Object } map
            ? map.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);

    public static bool Flag(JsonElement element, params string[] path) => Element(element, path)?.ValueKind == JsonValueKind.True;

    public static int? Number(JsonElement element, params string[] path) =>
        Element(element, path) is { ValueKind: JsonValueKind.Number } n && n.TryGetInt32(out var value) ? value : null;
}
