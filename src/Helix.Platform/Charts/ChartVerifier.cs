using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Helix.Platform.Output;
using Helix.Platform.Verification;

namespace Helix.Platform.Charts;

/// <summary>What one chart release produced: its objects (chart output, as the cluster gets it) and findings.</summary>
/// <param name="Release">The chart release, as the tree's Application gives it.</param>
/// <param name="Objects">What the chart produced, each object as the cluster gets it.</param>
/// <param name="Findings">Values, render, output and install-order findings.</param>
/// <param name="FromCache">True when the output cache had this render.</param>
/// <param name="HelmTime">How long Helm took (zero when the output cache had the render).</param>
public sealed record ChartResult(ChartRelease Release, IReadOnlyList<JsonElement> Objects, IReadOnlyList<Finding> Findings, bool FromCache, TimeSpan HelmTime = default)
{
    /// <summary>The name findings and objects of this release are filed under: <c>charts/&lt;application&gt;/&lt;chart&gt;-&lt;version&gt;</c>.</summary>
    public string Source => ChartVerifier.SourceOf(Release);

    /// <summary>Every container image the chart's workloads run.</summary>
    public IReadOnlyList<string> Images => SupplyChain.Inventory(Objects);
}

/// <summary>Every chart release of a tree, rendered and checked; <see cref="Error"/> when charts could not be rendered at all.</summary>
public sealed record ChartReport(IReadOnlyList<ChartResult> Charts, string? Error)
{
    public IEnumerable<Finding> Findings => Charts.SelectMany(c => c.Findings);

    /// <summary>The findings but install order's, which the bring-up simulation reports with the hand installs.</summary>
    public IEnumerable<Finding> FindingsBesideInstallOrder => Findings.Where(f => f.Rule != ChartVerifier.CrdOrderRule);

    /// <summary>Time spent in Helm, summed over releases (they render in parallel).</summary>
    public TimeSpan HelmTime => TimeSpan.FromTicks(Charts.Sum(c => c.HelmTime.Ticks));
}

/// <summary>Where charts and rendered output come from.</summary>
/// <param name="Cache">Where the pinned charts are.</param>
/// <param name="KubeVersion">The cluster's Kubernetes version (<c>--kube-version</c>).</param>
/// <param name="OutputCache">Folder of rendered output by chart, version, values and capabilities; null for none.</param>
internal sealed record ChartSettings(ChartCache Cache, string KubeVersion, string? OutputCache)
{
    /// <summary>Settings from the environment: <c>HELIX_CHARTS</c>, <c>HELIX_CACHE</c> (default <c>$XDG_CACHE_HOME/helix</c>).</summary>
    public static ChartSettings FromEnvironment(string kubeVersion, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var cacheRoot = environment("HELIX_CACHE") is { Length: > 0 } configured ? configured : ChartCache.HelixCache(environment);
        return new ChartSettings(ChartCache.FromEnvironment(environment), kubeVersion, Path.Combine(cacheRoot, "renders"));
    }
}

/// <summary>
/// Renders every chart an Application installs with real Helm, as Argo CD would on the first sync:
/// release name, namespace, exact values, the cluster's Kubernetes version, and as API versions only
/// the CRDs that earlier waves installed (so Capabilities-guarded templates behave as they will).
/// Checks the values against the chart, and the output against install order: an object of a kind
/// whose CRD is not installed by an earlier wave (or by the same release) cannot be applied.
/// Releases of one wave render in parallel; output is cached by everything that determines it.
/// </summary>
internal static partial class ChartVerifier
{
    public const string MissingRule = "chart-missing";
    public const string RenderRule = "chart-render";
    public const string ValuesRule = "chart-values";
    public const string CrdOrderRule = "crd-before-use";
    public const string OutputRule = "chart-output";
    public const string PodLabelRule = "pod-labels";
    public const string PortRule = "pod-ports";
    public const string HookSecretRule = "hook-secret";

    public static string SourceOf(ChartRelease release)
    {
        ArgumentNullException.ThrowIfNull(release);
        return $"charts/{release.Application}/{release.Pin.Chart}-{release.Pin.Version}";
    }

    /// <summary>Renders and checks the chart releases of <paramref name="tree"/>'s Applications.</summary>
    public static ChartReport Verify(IReadOnlyList<(string File, JsonElement Object)> tree, ChartSettings settings, Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(settings);
        var releases = ChartRelease.FromTree(tree);
        if (releases.Count == 0)
        {
            return new ChartReport([], null);
        }
        Helm helm;
        try
        {
            helm = Helm.Locate(environment);
        }
        catch (ChartToolException e)
        {
            return new ChartReport([], e.Message);
        }

        // CRDs by the wave that installs them: the tree's own manifests (by the Application that syncs their folder), then chart output.
        // A manifest outside every Application's folder (the bootstrap) is there before any wave.
        var folders = ChartRelease.Folders(tree);
        var crds = new List<(int Wave, string Source, Crd Crd)>();
        foreach (var (file, o) in tree)
        {
            if (Crd.From(o) is { } crd)
            {
                var owner = folders.Where(f => InFolder(file, f.Folder)).Select(f => (int?)f.Wave).FirstOrDefault();
                crds.Add((owner ?? int.MinValue, file, crd));
            }
        }

        var results = new List<ChartResult>();
        foreach (var wave in releases.GroupBy(r => r.Wave).OrderBy(g => g.Key))
        {
            var available = crds.Where(c => c.Wave < wave.Key).Select(c => c.Crd).ToList();
            var apiVersions = BuiltInApiVersions.Value.Concat(available.SelectMany(c => c.ApiVersions())).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            var rendered = new ChartResult[wave.Count()];
            Parallel.ForEach(wave.Select((r, i) => (r, i)), new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                item => rendered[item.i] = Render(item.r, helm, settings, apiVersions, crds, available));
            foreach (var result in rendered)
            {
                results.Add(result);
                foreach (var o in result.Objects)
                {
                    if (Crd.From(o) is { } crd)
                    {
                        crds.Add((wave.Key, result.Source, crd));
                    }
                }
            }
        }
        // Every object a chart produces is read as the API server would: built-in kinds strictly,
        // custom resources against the CRD the platform installs (whichever wave brings it).
        var installed = new Dictionary<(string ApiVersion, string Kind), JsonElement>();
        foreach (var (_, _, crd) in crds)
        {
            foreach (var (version, schema) in crd.Schemas)
            {
                installed.TryAdd(($"{crd.Group}/{version}", crd.Kind), schema);
            }
        }
        var verdicts = settings.OutputCache is null ? null : Path.Combine(settings.OutputCache, "verdicts");
        return new ChartReport([.. results.AsParallel().AsOrdered().Select(result => result with
        {
            Findings = [.. result.Findings, .. result.Objects.SelectMany(o => TreeVerifier.IsCustomResource(Gvk(o).Group)
                ? TreeVerifier.VerifyObject(result.Source, o, installed)
                : Verdict(verdicts, result.Source, o))],
        })], null);
    }

    private static ChartResult Render(ChartRelease release, Helm helm, ChartSettings settings, IReadOnlyList<string> apiVersions,
        IReadOnlyList<(int Wave, string Source, Crd Crd)> allCrds, IReadOnlyList<Crd> available)
    {
        var source = SourceOf(release);
        var resource = $"Application/argocd/{release.Application}";
        if (settings.Cache.Find(release.Pin) is not { } chartDirectory)
        {
            return new ChartResult(release, [], [new Finding(Severity.Error, release.File, resource, MissingRule,
                $"chart {release.Pin.Chart} {release.Pin.Version} is not in the chart cache ({settings.Cache.Root})", settings.Cache.HowToFetch(release.Pin))], false);
        }

        var valuesJson = release.Values.ToJsonString(); // JSON is YAML: Helm reads it as given
        var key = CacheKey(helm, release, valuesJson, settings.KubeVersion, apiVersions);
        var cached = settings.OutputCache is null ? null : Path.Combine(settings.OutputCache, key + ".json");
        var rendered = Read(cached);
        var fromCache = rendered is not null;
        var helmTime = TimeSpan.Zero;
        if (rendered is null)
        {
            var problems = ValuesCheck.Check(release.Pin.Chart, chartDirectory, release.Values);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var output = helm.Template(release, chartDirectory, valuesJson, settings.KubeVersion, apiVersions);
            helmTime = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            if (output.Error is { } error)
            {
                return new ChartResult(release, [], [.. ValueFindings(release, resource, problems), new Finding(Severity.Error, release.File, resource, RenderRule,
                    $"{release.Pin.Chart} {release.Pin.Version} does not render with these values on Kubernetes {settings.KubeVersion}: {error}",
                    "change the values (or the install order) so the chart renders; Helm's message above says what it needs")], false, helmTime);
            }
            rendered = Parse(problems, output.Manifests!);
            Write(cached, rendered);
        }

        var findings = new List<Finding>(ValueFindings(release, resource, rendered.Values));
        if (release.ValuesProblem is { } valuesProblem)
        {
            findings.Add(new Finding(Severity.Error, release.File, resource, ValuesRule, $"the helm-trim plugin's values parameter {valuesProblem}",
                "give the values as one JSON object, as helix render writes them"));
        }
        findings.AddRange(release.Removed.Select(HelmTrim.Problem).OfType<string>().Select(problem => new Finding(Severity.Error, release.File, resource, RenderRule,
            $"the helm-trim plugin's removal {problem}", "write each removal on its own line as Kind/pattern, the pattern an extended regular expression without backslashes")));
        findings.AddRange(rendered.OutputErrors.Select(error => new Finding(Severity.Error, source, "-", OutputRule,
            // What Argo CD would apply cannot be read past this point: say so rather than verify half of it.
            $"{release.Pin.Chart}'s output does not parse: {error}", "change the values that produce this text, or report it to the chart")));
        // What the helm-trim plugin leaves out never reaches the cluster.
        var removals = release.Removed.Select(HelmTrim.Matcher).OfType<Func<string?, string?, bool>>().ToList();
        var objects = removals.Count == 0 ? rendered.Objects : [.. rendered.Objects.Where(o => !removals.Any(removes => removes(Gvk(o).Kind, Name(o))))];

        findings.AddRange(objects.Where(IsHookSecret).Select(o => new Finding(Severity.Error, source, $"Secret/{release.Namespace}/{Name(o)}", HookSecretRule,
            $"{release.Pin.Chart} writes Secret {Name(o)} as a Helm hook: Argo CD deletes and re-creates it on every sync with what the chart renders, "
                + "and a chart's generated values (its lookup of the live Secret does not run under Argo CD) change each time",
            "turn it off in the values, or write the Secret yourself (the secrets inventory) and leave the chart's out with the helm-trim plugin's removals")));

        var own = objects.Select(Crd.From).OfType<Crd>().ToList();
        foreach (var o in objects)
        {
            var (group, version, kind) = Gvk(o);
            if (kind is null || !TreeVerifier.IsCustomResource(group) || kind == "CustomResourceDefinition")
            {
                continue;
            }
            if (available.Concat(own).Any(c => c.Serves(group, version, kind)))
            {
                continue;
            }
            var later = allCrds.Where(c => c.Crd.Serves(group, version, kind)).OrderBy(c => c.Wave).FirstOrDefault();
            var name = Name(o) ?? "?";
            findings.Add(new Finding(Severity.Error, source, $"{kind}/{release.Namespace}/{name}", CrdOrderRule,
                later.Crd is null
                    ? $"{release.Pin.Chart} renders a {kind} ({group}/{version}) at wave {release.Wave}, and nothing installs its CRD before"
                    : $"{release.Pin.Chart} renders a {kind} ({group}/{version}) at wave {release.Wave}, but its CRD arrives with {later.Source} at wave {later.Wave}: the sync fails until then",
                $"turn that object off in the values until its CRD is installed, or install the CRD in an earlier wave"));
        }
        return new ChartResult(release, objects, findings, fromCache, helmTime);
    }

    // Tree files are named from the repository root (a render) or from gitops/ (a tree on disk); Application paths from the root.
    internal static bool InFolder(string file, string folder)
    {
        var path = file.StartsWith(Rendering.GitOpsRenderer.Root + "/", StringComparison.Ordinal) ? file : $"{Rendering.GitOpsRenderer.Root}/{file}";
        return path.StartsWith(folder.TrimEnd('/') + "/", StringComparison.Ordinal);
    }

    /// <summary>
    /// The model's parts in a chart's namespace are told apart by pod labels, and the zero-trust
    /// policies select pods by them: each part's labels must be on a pod the chart really runs, or its
    /// policies select nothing and its flows are blocked.
    /// </summary>
    internal static IEnumerable<Finding> PodLabels(ChartResult chart, IEnumerable<Model.Part> parts)
    {
        ArgumentNullException.ThrowIfNull(chart);
        ArgumentNullException.ThrowIfNull(parts);
        var pods = chart.Objects.Select(PodLabelsOf).OfType<IReadOnlyDictionary<string, string>>().ToList();
        if (pods.Count == 0)
        {
            yield break; // a chart of CRDs or configuration only
        }
        foreach (var part in parts.Where(p => p.PodLabels.Count > 0))
        {
            if (!pods.Any(pod => part.PodLabels.All(l => pod.TryGetValue(l.Key, out var value) && value == l.Value)))
            {
                var wanted = string.Join(", ", part.PodLabels.Select(l => $"{l.Key}={l.Value}"));
                yield return new Finding(Severity.Error, chart.Source, $"{part.Namespace}/{part.Name}", PodLabelRule,
                    $"the network policies select {part.Name}'s pods by {wanted}, but no pod {chart.Release.Pin.Chart} {chart.Release.Pin.Version} runs carries those labels",
                    "give the part the labels the chart puts on its pods (or set them through the chart's values)");
            }
        }
    }

    /// <summary>
    /// The ports the model sends traffic to, on the pods the chart really runs: each route target's
    /// Service has the port and it leads to the pod port, and each metrics port is a container port
    /// (parts in the chart's namespace; pods an operator makes later are not the chart's to show).
    /// </summary>
    /// <param name="chart">The Application's first chart: findings are filed under it.</param>
    /// <param name="objects">Everything the Application installs (all its charts) and the tree's own objects.</param>
    /// <param name="declaration">The Application's component declaration.</param>
    internal static IEnumerable<Finding> Ports(ChartResult chart, IReadOnlyList<JsonElement> objects, Model.ComponentDeclaration declaration)
    {
        ArgumentNullException.ThrowIfNull(chart);
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentNullException.ThrowIfNull(declaration);
        var ns = chart.Release.Namespace;
        var containers = objects.Where(o => PodLabelsOf(o) is not null && NamespaceOf(o, ns) == ns).SelectMany(Containers).ToList();
        if (containers.Count == 0)
        {
            yield break;
        }
        foreach (var target in declaration.RouteTargets.Where(t => t.Namespace == ns))
        {
            var service = objects.FirstOrDefault(o => o.TryGetProperty("kind", out var k) && k.GetString() == "Service" && NamespaceOf(o, ns) == ns
                && TreeRules.Path(o, "metadata", "name") is { } n && n.GetString() == target.Service);
            if (service.ValueKind != JsonValueKind.Object)
            {
                yield return new Finding(Severity.Error, chart.Source, $"Service/{ns}/{target.Service}", PortRule,
                    $"routes to {target.Name} go to Service {target.Service}, which {chart.Release.Application}'s charts do not create",
                    "name the Service the chart creates in the component's route target");
                continue;
            }
            var port = (TreeRules.Path(service, "spec", "ports") is { ValueKind: JsonValueKind.Array } ports ? ports.EnumerateArray() : Enumerable.Empty<JsonElement>())
                .FirstOrDefault(p => p.TryGetProperty("port", out var number) && number.TryGetInt32(out var value) && value == target.ServicePort);
            if (port.ValueKind != JsonValueKind.Object)
            {
                yield return new Finding(Severity.Error, chart.Source, $"Service/{ns}/{target.Service}", PortRule,
                    $"routes to {target.Name} go to port {target.ServicePort} of Service {target.Service}, which has no such port",
                    "use a port the Service has in the component's route target");
                continue;
            }
            var podPort = port.TryGetProperty("targetPort", out var targetPort)
                ? targetPort.ValueKind == JsonValueKind.Number ? targetPort.GetInt32() : containers.FirstOrDefault(c => c.Name == targetPort.GetString()).Port
                : target.ServicePort;
            if (podPort != target.PodPort)
            {
                yield return new Finding(Severity.Error, chart.Source, $"Service/{ns}/{target.Service}", PortRule,
                    $"the network policies let Traefik reach {target.Name}'s pods on port {target.PodPort}, but Service {target.Service} sends port {target.ServicePort} to pod port {podPort}",
                    $"set the route target's pod port to {podPort}");
            }
        }
        foreach (var metrics in declaration.Metrics.Where(m => declaration.Parts.Any(p => p.Name == m.Part && p.Namespace == ns)))
        {
            if (!containers.Any(c => c.Port == metrics.Port))
            {
                yield return new Finding(Severity.Error, chart.Source, $"{ns}/{metrics.Part}", PortRule,
                    $"Prometheus is let in to {metrics.Part}'s pods on port {metrics.Port}, but no container {chart.Release.Application}'s charts run listens there",
                    "declare the metrics port the chart's containers expose");
            }
        }
    }

    private static string NamespaceOf(JsonElement o, string releaseNamespace) =>
        TreeRules.Path(o, "metadata", "namespace") is { ValueKind: JsonValueKind.String } n ? n.GetString()! : releaseNamespace;

    private static IEnumerable<(string? Name, int Port)> Containers(JsonElement o)
    {
        if (TreeRules.PodTemplate(o) is not { } template)
        {
            yield break;
        }
        foreach (var list in new[] { "containers", "initContainers" })
        {
            if (TreeRules.Path(template, "spec", list) is not { ValueKind: JsonValueKind.Array } containers)
            {
                continue;
            }
            foreach (var container in containers.EnumerateArray())
            {
                if (TreeRules.Path(container, "ports") is not { ValueKind: JsonValueKind.Array } ports)
                {
                    continue;
                }
                foreach (var port in ports.EnumerateArray())
                {
                    if (port.TryGetProperty("containerPort", out var number) && number.TryGetInt32(out var value))
                    {
                        yield return (port.TryGetProperty("name", out var name) ? name.GetString() : null, value);
                    }
                }
            }
        }
    }

    private static IReadOnlyDictionary<string, string>? PodLabelsOf(JsonElement o) =>
        TreeRules.PodTemplate(o) is { } template && TreeRules.Path(template, "metadata", "labels") is { ValueKind: JsonValueKind.Object } labels
            ? labels.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString(), StringComparer.Ordinal)
            : null;

    /// <summary>What one render produced: the values check, the objects, and output that did not parse; cached as one JSON file.</summary>
    private sealed record Rendered(IReadOnlyList<ValuesCheck.Problem> Values, IReadOnlyList<JsonElement> Objects, IReadOnlyList<string> OutputErrors);

    private static Rendered Parse(IReadOnlyList<ValuesCheck.Problem> problems, string manifests)
    {
        var objects = new List<JsonElement>();
        var errors = new List<string>();
        using var reader = new StringReader(BlankLinesEmptied().Replace(manifests, ""));
        foreach (var (document, error) in TreeVerifier.Documents(reader))
        {
            if (error is not null)
            {
                errors.Add(error);
            }
            else if (document.ValueKind == JsonValueKind.Object)
            {
                objects.Add(document);
            }
        }
        return new Rendered(problems, objects, errors);
    }

    private static Rendered? Read(string? path)
    {
        if (path is null || !File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<Rendered>(File.ReadAllBytes(path));
        }
        catch (JsonException)
        {
            return null; // a damaged entry is rendered again
        }
    }

    private static void Write(string? path, Rendered rendered)
    {
        if (path is null)
        {
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var partial = $"{path}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.partial";
        File.WriteAllBytes(partial, JsonSerializer.SerializeToUtf8Bytes(rendered));
        File.Move(partial, path, overwrite: true); // readers see a whole entry or none
    }

    /// <summary>
    /// A built-in object's verdict (the strict read of its YAML is most of a warm verify: CRDs are
    /// megabytes) depends only on its text and this build of Helix, so it is kept in the output cache
    /// under both. A custom resource's depends on the CRDs installed too, and is checked every time.
    /// </summary>
    // A built-in kind reads no CRD; passing none (not null) says it is a chart's object, not the tree's.
    private static readonly Dictionary<(string ApiVersion, string Kind), JsonElement> NoCrds = [];

    private static IEnumerable<Finding> Verdict(string? folder, string source, JsonElement o)
    {
        if (folder is null)
        {
            return TreeVerifier.VerifyObject(source, o, NoCrds);
        }
        var identity = Encoding.UTF8.GetBytes(HelixBuild + "\n" + o.GetRawText());
        var path = Path.Combine(folder, Convert.ToHexStringLower(SHA256.HashData(identity))[..32] + ".json");
        try
        {
            if (File.Exists(path) && JsonSerializer.Deserialize<List<Finding>>(File.ReadAllBytes(path)) is { } kept)
            {
                return kept.Select(f => f with { File = source });
            }
        }
        catch (JsonException)
        {
            // a damaged entry is verified again
        }
        var findings = TreeVerifier.VerifyObject(source, o, NoCrds).ToList();
        Directory.CreateDirectory(folder);
        var partial = $"{path}.{Environment.ProcessId}.{Environment.CurrentManagedThreadId}.partial";
        File.WriteAllBytes(partial, JsonSerializer.SerializeToUtf8Bytes(findings));
        File.Move(partial, path, overwrite: true);
        return findings;
    }

    private static IEnumerable<Finding> ValueFindings(ChartRelease release, string resource, IEnumerable<ValuesCheck.Problem> problems) =>
        problems.Select(problem => problem.Unknown
            ? new Finding(Severity.Error, release.File, resource, ValuesRule,
                $"{problem.Message} ({release.Pin.Chart} {release.Pin.Version}); Helm ignores it, so the chart's default stays in place",
                problem.Suggestion is { } suggestion ? $"write {suggestion}" : "remove it, or write a key the chart's values.yaml has")
            : new Finding(Severity.Error, release.File, resource, ValuesRule, $"{problem.Message} ({release.Pin.Chart} {release.Pin.Version})",
                $"give {problem.Path} the shape it has in the chart's values.yaml"));

    // Go's YAML (Argo CD, kubectl) takes a block scalar whose first lines hold only spaces, more than
    // its indentation (Loki's config); YamlDotNet follows the spec and refuses it. Such lines are empty.
    [System.Text.RegularExpressions.GeneratedRegex(@"(?m)^[ \t]+$")]
    private static partial System.Text.RegularExpressions.Regex BlankLinesEmptied();

    /// <summary>
    /// What Argo CD passes for the cluster's own API: every served group/version and group/version/kind
    /// (charts test either form). The served built-in API is KubernetesClient's models, generated from
    /// the Kubernetes release it targets.
    /// </summary>
    private static readonly Lazy<IReadOnlyList<string>> BuiltInApiVersions = new(() =>
        [.. typeof(k8s.Models.V1Pod).Assembly.GetTypes()
            .Select(t => t.GetCustomAttributes(typeof(k8s.Models.KubernetesEntityAttribute), false).OfType<k8s.Models.KubernetesEntityAttribute>().FirstOrDefault())
            .OfType<k8s.Models.KubernetesEntityAttribute>()
            .Where(e => !string.IsNullOrEmpty(e.Kind) && !string.IsNullOrEmpty(e.ApiVersion) && !e.Kind.EndsWith("List", StringComparison.Ordinal))
            .SelectMany(e =>
            {
                var groupVersion = string.IsNullOrEmpty(e.Group) ? e.ApiVersion : $"{e.Group}/{e.ApiVersion}";
                return new[] { groupVersion, $"{groupVersion}/{e.Kind}" };
            })
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)]);

    /// <summary>A Secret annotated as a Helm hook, which Argo CD runs as a sync hook (its default delete policy re-creates it each sync).</summary>
    private static bool IsHookSecret(JsonElement o) =>
        Gvk(o) is ("", "v1", "Secret") && o.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object
        && m.TryGetProperty("annotations", out var a) && a.ValueKind == JsonValueKind.Object
        && (a.TryGetProperty("helm.sh/hook", out _) || a.TryGetProperty("argocd.argoproj.io/hook", out _));

    private static string? Name(JsonElement o) =>
        o.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object && m.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String ? n.GetString() : null;

    private static (string Group, string Version, string? Kind) Gvk(JsonElement o)
    {
        var apiVersion = o.TryGetProperty("apiVersion", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "";
        var kind = o.TryGetProperty("kind", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
        var slash = apiVersion.LastIndexOf('/');
        return slash < 0 ? ("", apiVersion, kind) : (apiVersion[..slash], apiVersion[(slash + 1)..], kind);
    }

    private static readonly string HelixBuild = typeof(ChartVerifier).Assembly.ManifestModule.ModuleVersionId.ToString("N");

    private static string CacheKey(Helm helm, ChartRelease release, string values, string kubeVersion, IReadOnlyList<string> apiVersions)
    {
        // Helix's own build too: the cached findings are its rules' (a deterministic build keeps its id until the code changes).
        var identity = string.Join('\n', [HelixBuild, helm.Version, release.Pin.Chart, release.Pin.Version, release.ReleaseName, release.Namespace, kubeVersion, values, .. apiVersions]);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..32];
    }

    /// <summary>A CustomResourceDefinition's group, kind and served versions.</summary>
    private sealed record Crd(string Group, string Kind, IReadOnlyList<string> Versions, IReadOnlyDictionary<string, JsonElement> Schemas)
    {
        public static Crd? From(JsonElement o)
        {
            if (Gvk(o) is not ("apiextensions.k8s.io", _, "CustomResourceDefinition")
                || !o.TryGetProperty("spec", out var spec) || spec.ValueKind != JsonValueKind.Object
                || !spec.TryGetProperty("group", out var group) || group.ValueKind != JsonValueKind.String
                || !spec.TryGetProperty("names", out var names) || !names.TryGetProperty("kind", out var kind) || kind.ValueKind != JsonValueKind.String)
            {
                return null;
            }
            var versions = spec.TryGetProperty("versions", out var v) && v.ValueKind == JsonValueKind.Array
                ? v.EnumerateArray().Where(x => x.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String).ToList()
                : [];
            var schemas = versions
                .Where(x => x.TryGetProperty("schema", out var schema) && schema.TryGetProperty("openAPIV3Schema", out _))
                .ToDictionary(x => x.GetProperty("name").GetString()!, x => x.GetProperty("schema").GetProperty("openAPIV3Schema"), StringComparer.Ordinal);
            return new Crd(group.GetString()!, kind.GetString()!, [.. versions.Select(x => x.GetProperty("name").GetString()!)], schemas);
        }

        public bool Serves(string group, string version, string kind) => Group == group && Kind == kind && Versions.Contains(version, StringComparer.Ordinal);

        public IEnumerable<string> ApiVersions() => Versions.SelectMany(v => new[] { $"{Group}/{v}", $"{Group}/{v}/{Kind}" });
    }
}
