using System.Text.Json;
using System.Text.RegularExpressions;
using Helix.Platform.Charts;
using Helix.Platform.Components;
using Helix.Platform.Model;
using Helix.Platform.Simulation;

namespace Helix.Platform.Verification;

/// <summary>
/// Rules for the seed's promises that a hand edit of the tree (or a chart's values) can break
/// quietly: the data tier stays highly available, pooled in transaction mode and backed up; chart
/// versions and images stay pinned; tenants stay in their namespace and their project; only Traefik
/// is exposed, and only over TLS; namespaces keep their Pod Security level; host access stays where
/// the platform needs it.
/// </summary>
internal static partial class PromiseRules
{
    public const string PostgresHaRule = "postgres-ha";
    public const string PoolingRule = "postgres-pooling";
    public const string BackupRule = "postgres-backup";
    public const string ChartPinRule = "chart-pinned";
    public const string ImagePinRule = "image-pinned";
    public const string TenantProjectRule = "tenant-project";
    public const string TenantRbacRule = "tenant-rbac";
    public const string ExposureRule = "exposure";
    public const string RouteTlsRule = "route-tls";
    public const string PodSecurityRule = "pod-security-level";
    public const string HostAccessRule = "host-access";

    private static readonly string[] TenantGuarded = ["ResourceQuota", "LimitRange", "NetworkPolicy", "CiliumNetworkPolicy", "Policy"];
    private static readonly string[] Levels = ["privileged", "baseline", "restricted"];
    private static readonly string[] HostFlags = ["hostNetwork", "hostPID", "hostIPC"];
    private static readonly string[] ContainerFields = ["containers", "initContainers"];

    /// <summary>What the per-object rules read from the model, computed once per verification.</summary>
    private sealed record Intent(IReadOnlyDictionary<string, string> Zones, IReadOnlyDictionary<string, string> Tenants)
    {
        public static Intent Of(PlatformModel model) => new(
            model.Namespaces().ToDictionary(n => n.Namespace, n => n.Zone, StringComparer.Ordinal),
            model.Spec.Tenants.ToDictionary(t => t.Name, t => t.Team, StringComparer.Ordinal));
    }

    /// <summary>The rules over the whole tree, with the model's intent.</summary>
    public static IEnumerable<Finding> Tree(IReadOnlyList<(string File, JsonElement Object)> tree, PlatformModel model)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(model);
        var objects = tree.Select(t => new KubeObject(t.File, t.Object)).ToList();
        var intent = Intent.Of(model);
        return DataTier(objects, model)
            .Concat(objects.SelectMany(o => Objects(o, o.DeclaredNamespace, intent)))
            .Concat(objects.Where(o => o.Kind == "Application" && o.Group == "argoproj.io").SelectMany(ChartPins))
            .Concat(objects.Where(o => o.Kind == "AppProject").SelectMany(p => TenantProject(p, intent)))
            .Concat(objects.Where(o => o.Kind == "Namespace" && o.Group == "").SelectMany(n => PodSecurity(n, intent)))
            .Concat(AlertRouting(objects, model.Applications.Select(a => a.Name).ToHashSet(StringComparer.Ordinal)))
            .Concat(BlueprintRules.Check(objects));
    }

    /// <summary>
    /// The rules every object answers alone, whether the tree's or a chart's (in the release's
    /// namespace <paramref name="ns"/> when it names none): exposure, TLS, images, host access, tenants' RBAC.
    /// </summary>
    /// <remarks>
    /// A chart's unpinned image is a warning, not an error: the chart chose it, and Helix pins it through
    /// the values only once a digest is known (Devtron's charts run kubectl:latest).
    /// Helm test hooks are left out, since Argo CD never runs them.
    /// </remarks>
    public static IEnumerable<Finding> Objects(string source, IEnumerable<JsonElement> objects, string ns, PlatformModel model)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var intent = Intent.Of(model);
        return objects.Select(o => new KubeObject(source, o)).Where(o => !o.IsTestHook)
            .SelectMany(o => Objects(o, ApiScope.IsClusterScoped(o.Group, o.Kind) ? null : o.DeclaredNamespace ?? ns, intent, chart: true));
    }

    private static IEnumerable<Finding> Objects(KubeObject o, string? ns, Intent intent, bool chart = false)
    {
        var resource = $"{o.Kind}/{ns ?? "-"}/{o.Name}";
        Finding Error(string rule, string message, string fix) => new(Severity.Error, o.Source, resource, rule, message, fix);

        if (o.Group == "" && o.Kind == "Service" && KubeObject.Text(o.Json, "spec", "type") is "LoadBalancer" or "NodePort" && ns != Traefik.Namespace)
        {
            yield return Error(ExposureRule, $"a {KubeObject.Text(o.Json, "spec", "type")} Service outside {Traefik.Namespace}: it is reachable around Traefik, TLS and SSO",
                "make it a ClusterIP and route to it through Traefik (routes: in the spec)");
        }
        if (o.Group == "traefik.io" && o.Kind == "IngressRoute")
        {
            var entryPoints = KubeObject.Items(o.At("spec", "entryPoints")).Select(e => e.ValueKind == JsonValueKind.String ? e.GetString() : null).ToList();
            if (entryPoints.Count == 0 || entryPoints.Any(e => e != Traefik.SecureEntryPoint) || o.At("spec", "tls") is not { ValueKind: JsonValueKind.Object })
            {
                yield return Error(RouteTlsRule, "a route served without TLS (an entry point besides websecure, or no tls)",
                    "serve it on websecure only, with tls: the platform's certificate for its domain");
            }
        }
        var pods = PodShape.Of(o, null);
        if (pods?.Spec is { } pod)
        {
            foreach (var image in ContainerFields.SelectMany(f => KubeObject.Items(KubeObject.Element(pod, f)))
                         .Select(c => KubeObject.Text(c, "image")).OfType<string>().Where(i => !Pinned(i)).Distinct(StringComparer.Ordinal))
            {
                yield return new Finding(chart ? Severity.Warning : Severity.Error, o.Source, resource, ImagePinRule,
                    $"image {image} is not pinned: no tag, or latest, moves under the same name",
                    chart ? "pin it by digest in the chart's values once the digest is known" : "name a version tag or, better, a digest (image@sha256:...)");
            }
            var zone = ns is null ? null : intent.Zones.GetValueOrDefault(ns);
            if (ns is not null && ns != "kube-system" && (zone is null ? "restricted" : Pods.PodSecurity(ns, zone)) != "privileged"
                && HostAccess(pod) is { } access)
            {
                yield return Error(HostAccessRule, $"its pods use {access} in {ns}, where the platform grants no host access",
                    "drop the host access, or move the workload to a namespace the platform makes privileged (storage, node agents)");
            }
        }
        foreach (var key in StaticKeys(o, pods?.Spec))
        {
            yield return Error(StaticKeysRule, $"{key}: the platform reaches AWS with roles, not keys",
                "give the workload's service account an AWS role (AwsIdentities in its component) and a projected token; drop the key");
        }
        var tenants = intent.Tenants;
        if (o.Group == "rbac.authorization.k8s.io" && o.Kind == "ClusterRoleBinding")
        {
            foreach (var subject in KubeObject.Items(o.At("subjects")))
            {
                var tenant = KubeObject.Text(subject, "kind") switch
                {
                    "ServiceAccount" => KubeObject.Text(subject, "namespace") is { } sa && tenants.ContainsKey(sa) ? sa : null,
                    "Group" => tenants.FirstOrDefault(t => t.Value == KubeObject.Text(subject, "name")).Key,
                    _ => null,
                };
                if (tenant is not null)
                {
                    yield return Error(TenantRbacRule, $"binds tenant {tenant} to a cluster-wide role",
                        "bind the tenant with a RoleBinding in its own namespace");
                }
            }
        }
        if (o.Group == "rbac.authorization.k8s.io" && o.Kind == "RoleBinding" && ns is { } bound && tenants.ContainsKey(bound)
            && KubeObject.Text(o.Json, "roleRef", "kind") == "ClusterRole" && KubeObject.Text(o.Json, "roleRef", "name") == "cluster-admin")
        {
            yield return Error(TenantRbacRule, $"gives tenant {bound} cluster-admin in its namespace (it could change its own quota and policies)",
                "bind the built-in admin or edit role instead");
        }
    }

    private static string? HostAccess(JsonElement pod)
    {
        foreach (var host in HostFlags)
        {
            if (KubeObject.Flag(pod, host))
            {
                return host;
            }
        }
        if (KubeObject.Items(KubeObject.Element(pod, "volumes")).Any(v => KubeObject.Element(v, "hostPath") is not null))
        {
            return "a hostPath volume";
        }
        return ContainerFields.SelectMany(f => KubeObject.Items(KubeObject.Element(pod, f)))
            .Any(c => KubeObject.Flag(c, "securityContext", "privileged")) ? "a privileged container" : null;
    }

    private static bool Pinned(string image)
    {
        if (image.Contains("@sha256:", StringComparison.Ordinal))
        {
            return true;
        }
        var name = image[(image.LastIndexOf('/') + 1)..];
        return name.LastIndexOf(':') is var colon and > 0 && name[(colon + 1)..] is { Length: > 0 } tag && tag != "latest";
    }

    private static IEnumerable<Finding> DataTier(IReadOnlyList<KubeObject> objects, PlatformModel model)
    {
        var pg = model.Spec.Data.Postgres;
        foreach (var cluster in objects.Where(o => o.Group == Cnpg.Group && o.Kind == "Cluster"))
        {
            var resource = $"Cluster/{cluster.DeclaredNamespace}/{cluster.Name}";
            Finding Error(string rule, string message, string fix) => new(Severity.Error, cluster.Source, resource, rule, message, fix);
            var instances = KubeObject.Number(cluster.Json, "spec", "instances") ?? 1;
            if (instances < Math.Max(2, pg.Instances))
            {
                yield return Error(PostgresHaRule, $"{instances} instance(s), where the spec asks for {pg.Instances}: one node lost is the database lost",
                    $"run {pg.Instances} instances (data.postgres.instances)");
            }
            if (KubeObject.Element(cluster.Json, "spec", "affinity", "enablePodAntiAffinity")?.ValueKind == JsonValueKind.False
                || KubeObject.Text(cluster.Json, "spec", "affinity", "podAntiAffinityType") != "required")
            {
                yield return Error(PostgresHaRule, "its instances may share a node (pod anti-affinity is not required)",
                    "set affinity.enablePodAntiAffinity: true and podAntiAffinityType: required");
            }
            var archiving = KubeObject.Items(cluster.At("spec", "plugins"))
                .Any(p => KubeObject.Text(p, "name") == Cnpg.BarmanPlugin && KubeObject.Flag(p, "isWALArchiver"));
            if (!archiving)
            {
                yield return Error(BackupRule, "no WAL archive: the barman-cloud plugin is not the cluster's WAL archiver, so there is no point-in-time recovery",
                    "give the cluster the barman-cloud plugin with isWALArchiver: true and its ObjectStore");
            }
            if (!objects.Any(o => o.Group == Cnpg.Group && o.Kind == "ScheduledBackup" && KubeObject.Text(o.Json, "spec", "cluster", "name") == cluster.Name
                    && o.DeclaredNamespace == cluster.DeclaredNamespace))
            {
                yield return Error(BackupRule, "no ScheduledBackup takes base backups of it", $"schedule backups ({pg.Backup.Schedule}, data.postgres.backup)");
            }
            var poolers = objects.Where(o => o.Group == Cnpg.Group && o.Kind == "Pooler" && KubeObject.Text(o.Json, "spec", "cluster", "name") == cluster.Name).ToList();
            if (poolers.Count == 0)
            {
                yield return Error(PoolingRule, "no Pooler in front of it: every client holds a server connection", "put a PgBouncer Pooler in front of the cluster");
            }
            foreach (var pooler in poolers)
            {
                var mode = KubeObject.Text(pooler.Json, "spec", "pgbouncer", "poolMode") ?? "session";
                var count = KubeObject.Number(pooler.Json, "spec", "instances") ?? 1;
                // The session pooler exists for clients that need a session whatever the spec's mode (Devtron's migrations).
                var session = pooler.Name == Cnpg.SessionPooler;
                var wanted = session ? "session" : pg.Pooler.Mode.ToString().ToLowerInvariant();
                if (mode != wanted || count < Math.Max(2, pg.Pooler.Instances))
                {
                    yield return new Finding(Severity.Error, pooler.Source, $"Pooler/{pooler.DeclaredNamespace}/{pooler.Name}", PoolingRule,
                        $"pools in {mode} mode with {count} instance(s), where {(session ? "session clients need session" : $"the spec asks for {wanted}")} with {pg.Pooler.Instances}",
                        session ? "set pgbouncer.poolMode: session, and instances as data.postgres.pooler says" : "set pgbouncer.poolMode and instances as data.postgres.pooler says");
                }
            }
        }
    }

    private static IEnumerable<Finding> ChartPins(KubeObject app)
    {
        var sources = app.At("spec") is { ValueKind: JsonValueKind.Object } spec ? ChartRelease.Sources(spec) : [];
        foreach (var source in sources.Where(s => KubeObject.Text(s, "chart") is not null))
        {
            var version = KubeObject.Text(source, "targetRevision") ?? "";
            if (!ExactVersion().IsMatch(version))
            {
                yield return new Finding(Severity.Error, app.Source, $"Application/{app.DeclaredNamespace}/{app.Name}", ChartPinRule,
                    $"chart {KubeObject.Text(source, "chart")} at \"{version}\": not one exact version, so a sync may install another",
                    "pin the chart's exact version (its component's ChartPin)");
            }
        }
    }

    private static IEnumerable<Finding> TenantProject(KubeObject project, Intent intent)
    {
        var tenants = intent.Tenants;
        var destinations = KubeObject.Items(project.At("spec", "destinations")).Select(d => KubeObject.Text(d, "namespace") ?? "").ToList();
        var tenant = project.Name.StartsWith("tenant-", StringComparison.Ordinal) ? project.Name["tenant-".Length..] : null;
        if (tenant is null || !tenants.ContainsKey(tenant))
        {
            yield break;
        }
        var resource = $"AppProject/{project.DeclaredNamespace}/{project.Name}";
        Finding Error(string message, string fix) => new(Severity.Error, project.Source, resource, TenantProjectRule, message, fix);
        if (destinations.FirstOrDefault(d => d != tenant) is { } other)
        {
            yield return Error($"tenant {tenant}'s project deploys to namespace {other}, beyond its own", $"keep its destinations to namespace {tenant}");
        }
        if (KubeObject.Items(project.At("spec", "clusterResourceWhitelist")).Any())
        {
            yield return Error($"tenant {tenant}'s project may create cluster-scoped objects", "leave clusterResourceWhitelist empty");
        }
        var denied = KubeObject.Items(project.At("spec", "namespaceResourceBlacklist")).Select(k => KubeObject.Text(k, "kind")).ToHashSet(StringComparer.Ordinal);
        if (TenantGuarded.FirstOrDefault(k => !denied.Contains(k)) is { } open)
        {
            yield return Error($"tenant {tenant}'s project may change its own {open}", $"keep {open} on the project's namespaceResourceBlacklist");
        }
        if (KubeObject.Items(project.At("spec", "sourceRepos")).Any(r => r.ValueKind == JsonValueKind.String && r.GetString() == "*"))
        {
            yield return Error($"tenant {tenant}'s project deploys from any repository", "name the repositories (or owner/*) it may deploy from");
        }
    }

    private static IEnumerable<Finding> PodSecurity(KubeObject ns, Intent intent)
    {
        var expected = intent.Zones.TryGetValue(ns.Name, out var zone) ? Pods.PodSecurity(ns.Name, zone) : null;
        if (expected is null)
        {
            yield break;
        }
        var level = ns.Labels.GetValueOrDefault("pod-security.kubernetes.io/enforce");
        if (Array.IndexOf(Levels, level) < Array.IndexOf(Levels, expected))
        {
            yield return new Finding(Severity.Error, ns.Source, $"Namespace/-/{ns.Name}", PodSecurityRule,
                $"Pod Security enforce is {level ?? "not set"}, where the platform runs {ns.Name} at {expected}",
                $"label it pod-security.kubernetes.io/enforce: {expected}");
        }
    }

    [GeneratedRegex(@"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")]
    private static partial Regex ExactVersion();
}
