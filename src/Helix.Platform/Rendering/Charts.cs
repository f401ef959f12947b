using System.Text.Json.Nodes;

namespace Helix.Platform.Rendering;

/// <summary>A Helm chart pinned to one version, installed by an Application with <c>valuesObject</c>.</summary>
public sealed record ChartSource(string Repo, string Chart, string Version, string ReleaseName, JsonObject Values);

/// <summary>A file of the component's own manifests under <c>&lt;folder&gt;/base/</c>.</summary>
public sealed record ManifestFile(string Name, IReadOnlyList<object> Objects);

/// <summary>What one Application installs: pinned charts and its own manifests.</summary>
public sealed record ComponentRender(string Namespace, IReadOnlyList<ChartSource> Charts, IReadOnlyList<ManifestFile> Files)
{
    /// <summary>Fields the cluster fills in that ArgoCD must not report as drift.</summary>
    public IReadOnlyList<IgnoreDifference> IgnoreDifferences { get; init; } = [];

    /// <summary>Delete what it installed when its Application goes (tenants); platform data outlives a deleted Application.</summary>
    public bool Cascade { get; init; }
}

/// <summary>
/// The chart versions Helix installs, in one place so an upgrade is one reviewed line. Each is
/// bumped deliberately (and the CRD schemas under Verification/Schemas with it).
/// </summary>
internal static class Pins
{
    public static readonly (string Repo, string Chart, string Version) Cilium = ("https://helm.cilium.io/", "cilium", "1.17.4");
    public static readonly (string Repo, string Chart, string Version) Longhorn = ("https://charts.longhorn.io", "longhorn", "1.8.1");
    public static readonly (string Repo, string Chart, string Version) Cnpg = ("https://cloudnative-pg.github.io/charts", "cloudnative-pg", "0.26.0");
    public static readonly (string Repo, string Chart, string Version) BarmanCloud = ("https://cloudnative-pg.github.io/charts", "plugin-barman-cloud", "0.2.0");
    public static readonly (string Repo, string Chart, string Version) Redis = ("https://dandydeveloper.github.io/charts", "redis-ha", "4.27.7");
    public static readonly (string Repo, string Chart, string Version) Nats = ("https://nats-io.github.io/k8s/helm/charts/", "nats", "1.3.3");
    public static readonly (string Repo, string Chart, string Version) Traefik = ("https://traefik.github.io/charts", "traefik", "36.3.0");
    public static readonly (string Repo, string Chart, string Version) CertManager = ("https://charts.jetstack.io", "cert-manager", "v1.17.2");
    public static readonly (string Repo, string Chart, string Version) Authentik = ("https://charts.goauthentik.io", "authentik", "2025.4.1");
    public static readonly (string Repo, string Chart, string Version) ArgoCd = ("https://argoproj.github.io/argo-helm", "argo-cd", "8.0.0");
    public static readonly (string Repo, string Chart, string Version) Devtron = ("https://helm.devtron.ai", "devtron-operator", "0.22.94");
    public static readonly (string Repo, string Chart, string Version) PrometheusStack = ("https://prometheus-community.github.io/helm-charts", "kube-prometheus-stack", "72.0.0");
    public static readonly (string Repo, string Chart, string Version) Loki = ("https://grafana.github.io/helm-charts", "loki", "6.30.0");
    public static readonly (string Repo, string Chart, string Version) Alloy = ("https://grafana.github.io/helm-charts", "alloy", "1.0.0");
    public static readonly (string Repo, string Chart, string Version) Kyverno = ("https://kyverno.github.io/kyverno/", "kyverno", "3.4.0");

    /// <summary>Images Helix's own manifests run (charts pin theirs).</summary>
    public const string PostgresImage = "ghcr.io/cloudnative-pg/postgresql:17.5";
    public const string SopsImage = "ghcr.io/getsops/sops:v3.10.2-alpine";
    public const string CurlImage = "docker.io/curlimages/curl:8.11.1";

    public static ChartSource Source(this (string Repo, string Chart, string Version) pin, string releaseName, JsonObject values) =>
        new(pin.Repo, pin.Chart, pin.Version, releaseName, values);

    public static IEnumerable<string> Repositories() =>
        new[] { Cilium, Longhorn, Cnpg, BarmanCloud, Redis, Nats, Traefik, CertManager, Authentik, ArgoCd, Devtron, PrometheusStack, Loki, Alloy, Kyverno }
            .Select(p => p.Repo).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
}
