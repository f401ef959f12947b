using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Helix.Platform.Charts;

/// <summary>
/// Helm ignores a values key the chart does not read, so a typo silently leaves a default in place.
/// Every key given is checked against the chart (and each subchart, under its name or alias): a key
/// is the chart's when its default <c>values.yaml</c> has it, or a template reads it
/// (<c>.Values.a.b</c>; many charts read keys they leave out of <c>values.yaml</c>). Below a map the
/// chart takes whole (an empty default, or one its templates pass on with <c>toYaml</c>, <c>omit</c>,
/// <c>merge</c>...) anything goes, and so below the per-chart paths of <see cref="FreeForm"/>; a map the
/// templates <c>range</c> over takes new names, each entry checked like the defaults' own.
/// A key that is none of these is reported with the closest real key.
/// </summary>
internal static partial class ValuesCheck
{
    /// <summary>Maps a chart takes whole in a way the template scan cannot see (keys that hold dots), by chart.</summary>
    private static readonly Dictionary<string, string[]> FreeForm = new(StringComparer.Ordinal)
    {
        // Grafana's INI sections and Loki's configuration blocks, passed through to the programs.
        ["kube-prometheus-stack"] = ["grafana.grafana.ini"],
        ["loki"] = ["loki.limits_config"],
    };

    /// <param name="Path">Dotted path of the key that is not the chart's.</param>
    /// <param name="Message">What is wrong.</param>
    /// <param name="Suggestion">The closest real key, or null.</param>
    /// <param name="Unknown">True for a key the chart does not have (Helm ignores it), false for a value of the wrong shape.</param>
    public sealed record Problem(string Path, string Message, string? Suggestion, bool Unknown);

    public static IReadOnlyList<Problem> Check(string chart, string chartDirectory, JsonObject values)
    {
        var root = ChartValues.Load(chartDirectory);
        var problems = new List<Problem>();
        Walk(values, root.Defaults, root, "", "", FreeForm.GetValueOrDefault(chart, []), problems);
        return problems;
    }

    /// <summary>One chart's defaults, what its templates read, and its subcharts by name or alias.</summary>
    private sealed class ChartValues
    {
        public required YamlMappingNode Defaults { get; init; }

        /// <summary>Every <c>.Values</c> path the templates read, and the maps they take whole.</summary>
        public required HashSet<string> Reads { get; init; }

        public required HashSet<string> Whole { get; init; }

        /// <summary>Maps the templates range over: their keys are names (ports, buckets), each entry shaped like the defaults' entries.</summary>
        public required HashSet<string> Keyed { get; init; }

        public required Dictionary<string, ChartValues> Subcharts { get; init; }

        /// <summary>The globals of this chart and every subchart: each may read any of them.</summary>
        public YamlMappingNode Globals { get; private set; } = new();

        public static ChartValues Load(string directory)
        {
            var defaults = LoadYaml(Path.Combine(directory, "values.yaml"));
            var (reads, whole, keyed) = Scan(directory);
            var chart = new ChartValues { Defaults = defaults, Reads = reads, Whole = whole, Keyed = keyed, Subcharts = new(StringComparer.Ordinal) };
            if (defaults.Children.TryGetValue(new YamlScalarNode("global"), out var g) && g is YamlMappingNode globals)
            {
                chart.Globals = globals;
            }
            var chartYaml = LoadYaml(Path.Combine(directory, "Chart.yaml"));
            if (chartYaml.Children.TryGetValue(new YamlScalarNode("dependencies"), out var deps) && deps is YamlSequenceNode dependencies)
            {
                foreach (var dependency in dependencies.OfType<YamlMappingNode>())
                {
                    if (Scalar(dependency, "name") is not { } name || !Directory.Exists(Path.Combine(directory, "charts", name)))
                    {
                        continue;
                    }
                    var sub = Load(Path.Combine(directory, "charts", name));
                    chart.Subcharts[Scalar(dependency, "alias") ?? name] = sub;
                    Merge(chart.Globals, sub.Globals);
                    foreach (var read in sub.Reads.Where(r => r.StartsWith("global.", StringComparison.Ordinal)))
                    {
                        reads.Add(read);
                    }
                }
            }
            return chart;
        }

        /// <summary>True when a template reads this path or something under it, or takes a map above it whole.</summary>
        public bool IsRead(string path) =>
            Reads.Contains(path) || Reads.Any(r => r.StartsWith(path + ".", StringComparison.Ordinal)) || TakenWhole(path);

        public bool TakenWhole(string path) => Whole.Any(w => path == w || path.StartsWith(w + ".", StringComparison.Ordinal));

        private static (HashSet<string> Reads, HashSet<string> Whole, HashSet<string> Keyed) Scan(string directory)
        {
            var reads = new HashSet<string>(StringComparer.Ordinal);
            var whole = new HashSet<string>(StringComparer.Ordinal);
            var keyed = new HashSet<string>(StringComparer.Ordinal);
            var templates = Path.Combine(directory, "templates");
            if (!Directory.Exists(templates))
            {
                return (reads, whole, keyed);
            }
            foreach (var file in Directory.EnumerateFiles(templates, "*", SearchOption.AllDirectories))
            {
                var text = File.ReadAllText(file);
                foreach (Match match in ValuesReference().Matches(text))
                {
                    reads.Add(match.Groups["path"].Value);
                }
                foreach (Match match in WholeMap().Matches(text))
                {
                    whole.Add(match.Groups["path"].Value);
                }
                foreach (Match match in PipedWhole().Matches(text))
                {
                    whole.Add(match.Groups["path"].Value);
                }
                foreach (Match match in RangedMap().Matches(text))
                {
                    keyed.Add(match.Groups["path"].Value);
                }
                // Inside `with .Values.a.b`, `toYaml .configs` takes a.b.configs whole. Scoped to the file, not the
                // block: a map the file takes whole under any of its `with`s counts as taken whole under each.
                foreach (Match scope in WithScope().Matches(text))
                {
                    foreach (Match relative in RelativeWhole().Matches(text))
                    {
                        whole.Add($"{scope.Groups["path"].Value}.{relative.Groups["path"].Value}");
                    }
                }
            }
            return (reads, whole, keyed);
        }
    }

    private static void Walk(JsonObject given, YamlMappingNode defaults, ChartValues chart, string chartPath, string fullPath, string[] free, List<Problem> problems)
    {
        foreach (var (key, value) in given)
        {
            var path = fullPath.Length == 0 ? key : $"{fullPath}.{key}";
            var inChart = chartPath.Length == 0 ? key : $"{chartPath}.{key}";
            if (free.Contains(path, StringComparer.Ordinal))
            {
                continue;
            }
            if (chartPath.Length == 0 && chart.Subcharts.TryGetValue(key, out var sub))
            {
                if (value is JsonObject subValues)
                {
                    Walk(subValues, Overlay(sub.Defaults, defaults, key), sub, "", path, free, problems);
                }
                continue;
            }
            if (chartPath.Length == 0 && key == "global")
            {
                if (value is JsonObject globals)
                {
                    Walk(globals, chart.Globals, chart, "global", path, free, problems);
                }
                continue;
            }
            if (!defaults.Children.TryGetValue(new YamlScalarNode(key), out var expected))
            {
                if (!chart.IsRead(inChart) && !chart.Keyed.Contains(chartPath))
                {
                    problems.Add(new Problem(path, $"the chart has no values key {path}", Suggest(key, value, defaults, fullPath), Unknown: true));
                }
                continue;
            }
            switch (expected)
            {
                case YamlMappingNode { Children.Count: 0 }:
                    break; // an empty map by default: the chart takes any keys here
                case YamlMappingNode when chart.TakenWhole(inChart):
                    break;
                case YamlMappingNode map when value is JsonObject child:
                    Walk(child, map, chart, inChart, path, free, problems);
                    break;
                case YamlMappingNode when value is not null:
                    problems.Add(new Problem(path, $"{path} is a map in the chart, not a {Kind(value)}", null, Unknown: false));
                    break;
                case YamlScalarNode scalar when value is JsonObject && !IsEmpty(scalar):
                    problems.Add(new Problem(path, $"{path} is a single value in the chart (default {scalar.Value}), not a map", null, Unknown: false));
                    break;
            }
        }
    }

    // A subchart's defaults as the parent sees them: the parent's values.yaml may set keys under the subchart's name.
    private static YamlMappingNode Overlay(YamlMappingNode sub, YamlMappingNode parent, string key)
    {
        var merged = new YamlMappingNode();
        Merge(merged, sub);
        if (parent.Children.TryGetValue(new YamlScalarNode(key), out var view) && view is YamlMappingNode parentView)
        {
            Merge(merged, parentView);
        }
        return merged;
    }

    private static void Merge(YamlMappingNode into, YamlMappingNode from)
    {
        foreach (var (key, value) in from.Children)
        {
            if (into.Children.TryGetValue(key, out var existing) && existing is YamlMappingNode a && value is YamlMappingNode b)
            {
                Merge(a, b);
            }
            else if (!into.Children.ContainsKey(key))
            {
                into.Children[key] = value;
            }
        }
    }

    // The user's path with this key left out, when that is a real key (ports.websecure.http.middlewares
    // -> ports.websecure.middlewares), else the sibling nearest in spelling.
    private static string? Suggest(string key, JsonNode? value, YamlMappingNode siblings, string prefix)
    {
        string Full(string name) => prefix.Length == 0 ? name : $"{prefix}.{name}";
        if (value is JsonObject inner)
        {
            foreach (var (innerKey, _) in inner)
            {
                if (siblings.Children.ContainsKey(new YamlScalarNode(innerKey)))
                {
                    return Full(innerKey);
                }
            }
        }
        var best = siblings.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value!)
            .Select(name => (Name: name, Distance: Distance(key.ToLowerInvariant(), name.ToLowerInvariant())))
            .OrderBy(c => c.Distance).ThenBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(2, key.Length / 2) ? Full(best.Name) : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            previous = current;
        }
        return previous[b.Length];
    }

    private static string Kind(JsonNode value) => value switch
    {
        JsonArray => "list",
        JsonValue v when v.TryGetValue<string>(out _) => "string",
        JsonValue v when v.TryGetValue<bool>(out _) => "boolean",
        _ => "number",
    };

    private static bool IsEmpty(YamlScalarNode scalar) => scalar.Value is null or "" or "~" or "null";

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    private static YamlMappingNode LoadYaml(string path)
    {
        if (!File.Exists(path))
        {
            return new YamlMappingNode();
        }
        var stream = new YamlStream();
        // Chart files are small and trusted to parse: a broken values.yaml fails helm template too.
        using (var reader = new StreamReader(path))
        {
            stream.Load(reader);
        }
        return stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode root ? root : new YamlMappingNode();
    }

    [GeneratedRegex(@"\$?\.Values\.(?<path>[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")]
    private static partial Regex ValuesReference();

    [GeneratedRegex(@"(?:toYaml|toJson|omit|mergeOverwrite\s+\S+|merge\s+\S+|deepCopy)\s*\(?\s*\$?\.Values\.(?<path>[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")]
    private static partial Regex WholeMap();

    [GeneratedRegex(@"\$?\.Values\.(?<path>[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)\s*\|\s*(?:toYaml|toJson)")]
    private static partial Regex PipedWhole();

    [GeneratedRegex(@"\{\{-?\s*with\s+\$?\.Values\.(?<path>[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)\s*-?\}\}")]
    private static partial Regex WithScope();

    [GeneratedRegex(@"(?:toYaml|toJson)\s+\.(?<path>(?!Values\b)[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")]
    private static partial Regex RelativeWhole();

    [GeneratedRegex(@"range\s+\$\w*\s*,\s*\$\w*\s*:=\s*\(?\s*\$?\.Values\.(?<path>[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)")]
    private static partial Regex RangedMap();
}
