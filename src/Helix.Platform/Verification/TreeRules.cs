using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Helix.Platform.Model;
using Helix.Platform.Spec;

namespace Helix.Platform.Verification;

/// <summary>The rules that look at a workload's pod, or across all objects of the tree.</summary>
internal static partial class TreeRules
{
    public const string WorkloadRule = "workload-hardening";
    public const string OwnerRule = "single-owner";
    public const string WaveRule = "sync-wave-order";
    public const string SsoRule = "sso-forward-auth";

    private const string SyncWave = "argocd.argoproj.io/sync-wave";
    private const string DependsOn = "helix.io/depends-on";

    /// <summary>Every container of a workload: requests and a memory limit, probes (not for Jobs), non-root without privilege escalation.</summary>
    public static IEnumerable<Finding> Workload(string file, JsonElement resource)
    {
        var kind = resource.GetProperty("kind").GetString();
        var pod = PodTemplate(resource) is { } template ? Path(template, "spec") : null;
        if (pod is not { ValueKind: JsonValueKind.Object } podSpec || !podSpec.TryGetProperty("containers", out var containers) || containers.ValueKind != JsonValueKind.Array)
        {
            yield break;
        }
        var id = TreeVerifier.Id(resource);
        var podNonRoot = Path(podSpec, "securityContext", "runAsNonRoot") is { ValueKind: JsonValueKind.True };
        var batch = kind is "Job" or "CronJob";
        foreach (var container in containers.EnumerateArray())
        {
            var name = container.TryGetProperty("name", out var n) ? n.GetString() : "?";
            if (Path(container, "resources", "requests", "cpu") is null || Path(container, "resources", "requests", "memory") is null)
            {
                yield return Error(file, id, WorkloadRule, $"container {name} has no CPU and memory requests",
                    "set resources.requests.cpu and resources.requests.memory: the scheduler places pods by them");
            }
            if (Path(container, "resources", "limits", "memory") is null)
            {
                yield return Error(file, id, WorkloadRule, $"container {name} has no memory limit",
                    "set resources.limits.memory: without it one leak can take the node's memory from its neighbours");
            }
            if (!batch && (Path(container, "livenessProbe") is null || Path(container, "readinessProbe") is null))
            {
                yield return Error(file, id, WorkloadRule, $"container {name} lacks a liveness or readiness probe",
                    "add livenessProbe and readinessProbe (Helix services: /healthz and /readyz)");
            }
            var nonRoot = Path(container, "securityContext", "runAsNonRoot") is { } c ? c.ValueKind == JsonValueKind.True : podNonRoot;
            if (!nonRoot)
            {
                yield return Error(file, id, WorkloadRule, $"container {name} may run as root",
                    "set securityContext.runAsNonRoot: true (and a runAsUser) on the pod or the container");
            }
            if (Path(container, "securityContext", "allowPrivilegeEscalation") is not { ValueKind: JsonValueKind.False })
            {
                yield return Error(file, id, WorkloadRule, $"container {name} allows privilege escalation",
                    "set securityContext.allowPrivilegeEscalation: false on the container");
            }
        }
    }

    /// <summary>One object, one writer: the same object in two files (or twice in one) is two owners fighting.</summary>
    public static IEnumerable<Finding> SingleOwner(IReadOnlyList<(string File, JsonElement Object)> objects)
    {
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (file, resource) in objects)
        {
            var apiVersion = resource.GetProperty("apiVersion").GetString()!;
            var group = apiVersion.Contains('/', StringComparison.Ordinal) ? apiVersion[..apiVersion.IndexOf('/', StringComparison.Ordinal)] : "";
            var key = $"{group}/{TreeVerifier.Id(resource)}";
            if (!seen.TryAdd(key, file))
            {
                yield return Error(file, TreeVerifier.Id(resource), OwnerRule, $"declared again (first in {seen[key]})",
                    "keep one declaration: two writers of one object overwrite each other on every sync");
            }
            if (Label(resource, "helix.io/owner") is { } owner && owner is not ("gitops" or "devtron"))
            {
                yield return Error(file, TreeVerifier.Id(resource), OwnerRule, $"owned by '{owner}', yet in the GitOps tree",
                    owner == "terraform" ? "remove it here: Terraform creates it (infra/terraform)" : "label it helix.io/owner: gitops or devtron");
            }
        }
    }

    /// <summary>Each Application syncs in a later wave than every Application it depends on.</summary>
    public static IEnumerable<Finding> SyncWaves(IReadOnlyList<(string File, JsonElement Object)> objects, PlatformModel? intent)
    {
        var apps = objects.Where(o => o.Object.GetProperty("kind").GetString() == "Application"
                && o.Object.GetProperty("apiVersion").GetString()!.StartsWith("argoproj.io/", StringComparison.Ordinal))
            .Select(o => (o.File, Name: Path(o.Object, "metadata", "name")?.GetString() ?? "", o.Object))
            .ToList();
        var waves = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var app in apps)
        {
            waves.TryAdd(app.Name, int.TryParse(Annotation(app.Object, SyncWave), NumberStyles.Integer, CultureInfo.InvariantCulture, out var w) ? w : 0);
        }
        foreach (var (file, name, resource) in apps)
        {
            var declared = Annotation(resource, DependsOn)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
            var intended = intent?.Applications.FirstOrDefault(a => a.Name == name)?.DependsOn ?? [];
            foreach (var dependency in declared.Concat(intended).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                if (!waves.TryGetValue(dependency, out var before))
                {
                    yield return Error(file, TreeVerifier.Id(resource), WaveRule, $"depends on '{dependency}', which no Application in the tree installs",
                        $"add the Application '{dependency}' (helix render writes it) or drop the dependency");
                }
                else if (before >= waves[name])
                {
                    yield return Error(file, TreeVerifier.Id(resource), WaveRule,
                        $"sync wave {waves[name]} is not after wave {before} of '{dependency}', which it depends on",
                        $"set {SyncWave} above {before} (helix render orders the waves by the dependency graph)");
                }
            }
        }
    }

    /// <summary>Every route the spec declares <c>sso</c> (or labelled so) passes a ForwardAuth middleware that exists.</summary>
    public static IEnumerable<Finding> SsoRoutes(IReadOnlyList<(string File, JsonElement Object)> objects, PlatformModel? intent)
    {
        var forwardAuth = objects.Where(o => o.Object.GetProperty("kind").GetString() == "Middleware" && Path(o.Object, "spec", "forwardAuth", "address") is not null)
            .Select(o => $"{Path(o.Object, "metadata", "namespace")?.GetString()}/{Path(o.Object, "metadata", "name")?.GetString()}")
            .ToHashSet(StringComparer.Ordinal);
        var ssoHosts = intent?.Spec.Routes.Where(r => r.Auth == RouteAuth.Sso).Select(r => r.Host).ToHashSet(StringComparer.Ordinal)
            ?? new HashSet<string>(StringComparer.Ordinal);
        var routes = objects.Where(o => o.Object.GetProperty("kind").GetString() == "IngressRoute").ToList();
        var served = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (file, route) in routes)
        {
            var labelled = Label(route, "helix.io/auth") == "sso";
            var ns = Path(route, "metadata", "namespace")?.GetString();
            if (Path(route, "spec", "routes") is not { ValueKind: JsonValueKind.Array } rules)
            {
                continue;
            }
            foreach (var rule in rules.EnumerateArray())
            {
                var match = Path(rule, "match")?.GetString() ?? "";
                var hosts = HostMatcher().Matches(match).Select(m => m.Groups[1].Value).ToList();
                served.UnionWith(hosts);
                if (!(labelled || hosts.Any(ssoHosts.Contains)) || match.Contains("/outpost.goauthentik.io/", StringComparison.Ordinal))
                {
                    continue;
                }
                var guarded = Path(rule, "middlewares") is { ValueKind: JsonValueKind.Array } middlewares
                    && middlewares.EnumerateArray().Any(m =>
                        forwardAuth.Contains($"{(Path(m, "namespace")?.GetString() ?? ns)}/{Path(m, "name")?.GetString()}"));
                if (!guarded)
                {
                    yield return Error(file, TreeVerifier.Id(route), SsoRule, $"SSO route '{match}' reaches its service without Authentik's ForwardAuth",
                        "add the authentik ForwardAuth middleware (namespace traefik) to this route's middlewares");
                }
            }
        }
        foreach (var host in ssoHosts.Where(h => routes.Count > 0 && !served.Contains(h)).Order(StringComparer.Ordinal))
        {
            yield return Error("-", "-", SsoRule, $"the spec's SSO route {host} has no IngressRoute", "run helix render: it writes one IngressRoute per route");
        }
    }

    [GeneratedRegex(@"Host\(`([^`]+)`\)")]
    private static partial Regex HostMatcher();

    private static Finding Error(string file, string id, string rule, string message, string fix) => new(Severity.Error, file, id, rule, message, fix);

    private static string? Annotation(JsonElement resource, string key) =>
        Path(resource, "metadata", "annotations") is { ValueKind: JsonValueKind.Object } a && a.TryGetProperty(key, out var v) ? v.ToString() : null;

    private static string? Label(JsonElement resource, string key) =>
        Path(resource, "metadata", "labels") is { ValueKind: JsonValueKind.Object } l && l.TryGetProperty(key, out var v) ? v.ToString() : null;

    /// <summary>The pod template of a workload (Deployment, StatefulSet, DaemonSet, Job, CronJob), or null for any other kind.</summary>
    internal static JsonElement? PodTemplate(JsonElement resource) =>
        (resource.TryGetProperty("kind", out var kind) ? kind.GetString() : null) switch
        {
            "Deployment" or "StatefulSet" or "DaemonSet" or "Job" => Path(resource, "spec", "template"),
            "CronJob" => Path(resource, "spec", "jobTemplate", "spec", "template"),
            _ => null,
        };

    /// <summary>The value at a path of object properties; null when any step is missing or the value is null.</summary>
    internal static JsonElement? Path(JsonElement node, params string[] path)
    {
        foreach (var segment in path)
        {
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(segment, out node))
            {
                return null;
            }
        }
        return node.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined ? null : node;
    }
}
