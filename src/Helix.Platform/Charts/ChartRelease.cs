using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Helix.Platform.Model;
using Helix.Platform.Output;

namespace Helix.Platform.Charts;

/// <summary>
/// One Helm chart an Argo CD Application installs, read back from the tree as Argo CD reads it: the
/// pinned chart, release name, namespace, exact values and sync wave.
/// </summary>
/// <param name="File">The tree file of the Application.</param>
/// <param name="Application">The Application's name.</param>
/// <param name="Wave">Its sync wave: what has been synced before it is what exists when it renders.</param>
/// <param name="Pin">The chart's repository, name and version.</param>
/// <param name="ReleaseName">Helm's release name (the Application's name unless set).</param>
/// <param name="Namespace">The Application's destination namespace.</param>
/// <param name="Values">The values exactly as the Application gives them (<c>valuesObject</c>).</param>
/// <param name="GitPaths">The repository folders the same Application syncs beside the chart.</param>
public sealed record ChartRelease(string File, string Application, int Wave, ChartPin Pin, string ReleaseName, string Namespace, JsonObject Values, IReadOnlyList<string> GitPaths)
{
    /// <summary>What the repo-server's <c>helm-trim</c> plugin leaves out of the output (<c>Kind/pattern</c>); empty for a Helm source.</summary>
    public IReadOnlyList<string> Removed { get; init; } = [];

    /// <summary>Why the plugin's values parameter could not be read (it must be a JSON object); null when it was.</summary>
    public string? ValuesProblem { get; init; }

    private const string SyncWave = "argocd.argoproj.io/sync-wave";

    /// <summary>Every chart source of every Application among <paramref name="objects"/>.</summary>
    public static IReadOnlyList<ChartRelease> FromTree(IReadOnlyList<(string File, JsonElement Object)> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var releases = new List<ChartRelease>();
        foreach (var (file, app) in objects)
        {
            if (!IsApplication(app) || !app.TryGetProperty("spec", out var spec) || spec.ValueKind != JsonValueKind.Object)
            {
                continue;
            }
            var name = Text(app, "metadata", "name") ?? "";
            var wave = WaveOf(app);
            var ns = Text(spec, "destination", "namespace") ?? "default";
            var sources = Sources(spec).ToList();
            var gitPaths = sources.Select(s => Text(s, "path")).OfType<string>().ToList();
            foreach (var source in sources)
            {
                if (Trimmed(source) is { } parameters)
                {
                    releases.Add(new ChartRelease(file, name, wave,
                        new ChartPin(parameters.GetValueOrDefault(HelmTrim.Repo, ""), parameters.GetValueOrDefault(HelmTrim.Chart, ""), parameters.GetValueOrDefault(HelmTrim.Version, "")),
                        parameters.GetValueOrDefault(HelmTrim.Release, name), ns, ObjectOf(parameters.GetValueOrDefault(HelmTrim.Values, "{}"), out var problem), gitPaths)
                    {
                        Removed = [.. parameters.GetValueOrDefault(HelmTrim.Remove, "").Split('\n', StringSplitOptions.RemoveEmptyEntries)],
                        ValuesProblem = problem,
                    });
                    continue;
                }
                if (Text(source, "chart") is not { } chart)
                {
                    continue;
                }
                var values = source.TryGetProperty("helm", out var helm) && helm.TryGetProperty("valuesObject", out var v) && v.ValueKind == JsonValueKind.Object
                    ? JsonNode.Parse(v.GetRawText())!.AsObject()
                    : [];
                releases.Add(new ChartRelease(file, name, wave,
                    new ChartPin(Text(source, "repoURL") ?? "", chart, Text(source, "targetRevision") ?? ""),
                    Text(source, "helm", "releaseName") ?? name, ns, values, gitPaths));
            }
        }
        return [.. releases.OrderBy(r => r.Wave).ThenBy(r => r.Application, StringComparer.Ordinal).ThenBy(r => r.Pin.Chart, StringComparer.Ordinal)];
    }

    /// <summary>The string parameters of a source rendered by the <c>helm-trim</c> plugin; null for any other source.</summary>
    private static Dictionary<string, string>? Trimmed(JsonElement source)
    {
        if (!source.TryGetProperty("plugin", out var plugin) || Text(plugin, "name") != HelmTrim.Name)
        {
            return null;
        }
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        if (plugin.TryGetProperty("parameters", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var p in list.EnumerateArray())
            {
                if (Text(p, "name") is { } key && Text(p, "string") is { } value)
                {
                    parameters.TryAdd(key, value);
                }
            }
        }
        return parameters;
    }

    /// <summary>The values parameter, which Helix writes as a JSON object; anything else is reported and rendered as no values.</summary>
    private static JsonObject ObjectOf(string values, out string? problem)
    {
        try
        {
            var node = JsonNode.Parse(values);
            problem = node is JsonObject ? null : "is not a JSON object";
            return node as JsonObject ?? [];
        }
        catch (JsonException e)
        {
            problem = $"is not JSON: {e.Message}";
            return [];
        }
    }

    /// <summary>The repository folders each Application syncs, with its wave: where the tree's own manifests are installed from.</summary>
    public static IReadOnlyList<(int Wave, string Folder)> Folders(IReadOnlyList<(string File, JsonElement Object)> objects)
    {
        ArgumentNullException.ThrowIfNull(objects);
        return [.. objects.Where(o => IsApplication(o.Object) && o.Object.TryGetProperty("spec", out var s) && s.ValueKind == JsonValueKind.Object)
            .SelectMany(o => Sources(o.Object.GetProperty("spec")).Select(s => Text(s, "path")).OfType<string>()
                .Select(path => (WaveOf(o.Object), path)))];
    }

    private static int WaveOf(JsonElement app) =>
        int.TryParse(Text(app, "metadata", "annotations", SyncWave), NumberStyles.Integer, CultureInfo.InvariantCulture, out var w) ? w : 0;

    private static bool IsApplication(JsonElement o) =>
        o.ValueKind == JsonValueKind.Object && Text(o, "kind") == "Application" && Text(o, "apiVersion")?.StartsWith("argoproj.io/", StringComparison.Ordinal) == true;

    /// <summary>An Application's sources: its <c>source</c>, then each of its <c>sources</c>.</summary>
    internal static IEnumerable<JsonElement> Sources(JsonElement spec)
    {
        if (spec.TryGetProperty("source", out var single) && single.ValueKind == JsonValueKind.Object)
        {
            yield return single;
        }
        if (spec.TryGetProperty("sources", out var many) && many.ValueKind == JsonValueKind.Array)
        {
            foreach (var source in many.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object))
            {
                yield return source;
            }
        }
    }

    private static string? Text(JsonElement element, params string[] path)
    {
        foreach (var key in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(key, out element))
            {
                return null;
            }
        }
        return element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number => element.GetRawText(),
            _ => null,
        };
    }
}
