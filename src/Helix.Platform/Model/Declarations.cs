using Helix.Platform.Spec;

namespace Helix.Platform.Model;

// What a component declares about itself (Components/, one file each): the model is built from
// these records alone, and every fact in them is written once, in the component that owns it.

/// <summary>Where a component's Application lives: its folder under <c>gitops/</c> and its AppProject.</summary>
internal enum ApplicationKind
{
    /// <summary><c>platform/&lt;name&gt;</c>, project <c>platform</c>: the seed's boxes and the AI tier.</summary>
    Platform,

    /// <summary><c>apps/&lt;name&gt;</c>, project <c>apps</c>: Helix's own services, fenced to their namespaces.</summary>
    Service,

    /// <summary><c>tenants/&lt;tenant&gt;</c>, project <c>platform</c>: a tenant's namespace, quota and policies.</summary>
    Tenant,
}

/// <summary>A Helm chart at one pinned version: bumping it is one reviewed line in its component.</summary>
public sealed record ChartPin(string Repo, string Chart, string Version);

/// <summary>Who creates a Secret the platform needs.</summary>
public enum SecretCreator
{
    /// <summary>A controller in the cluster writes it (cert-manager's certificates and ACME keys).</summary>
    Controller,

    /// <summary>Terraform's output, committed SOPS-encrypted by the operator.</summary>
    Terraform,

    /// <summary>The operator, with values generated at random or issued elsewhere, committed SOPS-encrypted.</summary>
    Operator,
}

/// <summary>Where the operator gets a key's value.</summary>
public enum KeyOrigin
{
    /// <summary>Generated at random when the Secret is made.</summary>
    Random,

    /// <summary>A fixed value the platform knows (<see cref="KeySource.Detail"/>).</summary>
    Literal,

    /// <summary>Issued by another system (<see cref="KeySource.Detail"/> says which), handed in by the operator.</summary>
    Issued,

    /// <summary>The same value as another Secret's key (<see cref="KeySource.Detail"/>: namespace/name/key), its one source of truth.</summary>
    SameAs,
}

/// <summary>Where one key of a Secret comes from.</summary>
public sealed record KeySource(KeyOrigin Origin, string Detail = "")
{
    public static KeySource Literal(string value) => new(KeyOrigin.Literal, value);

    public static KeySource Issued(string by) => new(KeyOrigin.Issued, by);

    public static KeySource Same(string ns, string name, string key) => new(KeyOrigin.SameAs, $"{ns}/{name}/{key}");
}

/// <summary>A Secret a component reads: where, which keys (and where each value comes from: random unless said), and who makes it.</summary>
public sealed record SecretNeed(string Namespace, string Name, IReadOnlyList<string> Keys, SecretCreator Creator, string Why)
{
    public IReadOnlyDictionary<string, KeySource> Sources { get; init; } = new Dictionary<string, KeySource>(StringComparer.Ordinal);

    public KeySource Source(string key) => Sources.TryGetValue(key, out var source) ? source : new KeySource(KeyOrigin.Random);
}

/// <summary>A UI or API a route can send traffic to: the Service Traefik calls and the port of the pods behind it.</summary>
internal sealed record RouteTarget(string Name, string Part, string Service, string Namespace, int ServicePort, int PodPort);

/// <summary>A port Prometheus scrapes on a part's pods.</summary>
internal sealed record MetricsPort(string Part, int Port);

/// <summary>Persistent volumes a part claims (Longhorn's storage class): <see cref="Claims"/> of <see cref="Size"/> each.</summary>
internal sealed record StorageClaim(string Part, string Size, string Why)
{
    /// <summary>How many volumes of the size: one per instance or replica.</summary>
    public int Claims { get; init; } = 1;
}

/// <summary>A custom resource kind, as <c>group/Kind</c>.</summary>
internal sealed record CrdKind(string Group, string Kind)
{
    public override string ToString() => $"{Group}/{Kind}";
}

/// <summary>The AWS resources Terraform makes that a workload may be granted rights on.</summary>
internal enum AwsResource
{
    /// <summary>Every Route 53 hosted zone of the platform's domains.</summary>
    DnsZones,

    /// <summary>Route 53 change batches (to wait on a record change) and zone listing: account-wide by AWS' design.</summary>
    DnsAccount,

    /// <summary>The PostgreSQL backup bucket and its objects.</summary>
    BackupBucket,

    /// <summary>The platform's KMS key (SOPS, the state, the buckets).</summary>
    PlatformKey,
}

/// <summary>Actions on one kind of AWS resource.</summary>
internal sealed record AwsGrant(AwsResource On, IReadOnlyList<string> Actions);

/// <summary>
/// A service account that acts on AWS with a role it assumes through its projected token: the
/// cluster's issuer is trusted by IAM, so no static key exists (seed: "no static keys").
/// </summary>
internal sealed record AwsIdentity(string Namespace, string ServiceAccount, string Why, IReadOnlyList<AwsGrant> Grants)
{
    /// <summary>The IAM role's name: the platform, the namespace and the service account.</summary>
    public string RoleName(PlatformSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return $"{spec.Name}-{Namespace}-{ServiceAccount}";
    }

    public string RoleArn(PlatformSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return $"arn:aws:iam::{spec.Infra.Aws.AccountId}:role/{RoleName(spec)}";
    }

    /// <summary>The token subject IAM's trust policy admits: only this service account.</summary>
    public string Subject => $"system:serviceaccount:{Namespace}:{ServiceAccount}";
}

/// <summary>A Grafana time-series panel: its title, PromQL, and the unit Grafana shows it in.</summary>
internal sealed record DashboardPanel(string Title, string Expr, string Unit);

/// <summary>A Grafana dashboard a component ships: its uid, title and panels.</summary>
internal sealed record Dashboard(string Uid, string Title, IReadOnlyList<DashboardPanel> Panels);

/// <summary>Everything one component says about itself; the model reads nothing else.</summary>
internal sealed record ComponentDeclaration
{
    /// <summary>Its ArgoCD Application (and folder) name.</summary>
    public required string Name { get; init; }

    /// <summary>The Application's destination namespace.</summary>
    public required string Namespace { get; init; }

    /// <summary>The seed's installation step (2 to 9).</summary>
    public required int Step { get; init; }

    public ApplicationKind Kind { get; init; } = ApplicationKind.Platform;

    /// <summary>Its parts with pods of their own: a zone, a namespace, a place in the flow matrix.</summary>
    public IReadOnlyList<Part> Parts { get; init; } = [];

    public IReadOnlyList<ChartPin> Charts { get; init; } = [];

    /// <summary>Connections between parts it needs (as client) or accepts (as server).</summary>
    public IReadOnlyList<Flow> Flows { get; init; } = [];

    /// <summary>Connections with the API server, the nodes and the world, day-one egress included.</summary>
    public IReadOnlyList<PeerFlow> PeerFlows { get; init; } = [];

    public IReadOnlyList<MetricsPort> Metrics { get; init; } = [];

    /// <summary>What a route may name as its target.</summary>
    public IReadOnlyList<RouteTarget> RouteTargets { get; init; } = [];

    public IReadOnlyList<SecretNeed> Secrets { get; init; } = [];

    public IReadOnlyList<CrdKind> CrdsInstalled { get; init; } = [];

    /// <summary>Custom resource kinds among its own objects (what a chart renders is the chart's).</summary>
    public IReadOnlyList<CrdKind> CrdsUsed { get; init; } = [];

    /// <summary>Node pools its pods run on (a tainted pool takes a toleration).</summary>
    public IReadOnlyList<NodeRole> NodePools { get; init; } = [];

    public IReadOnlyList<StorageClaim> Storage { get; init; } = [];

    /// <summary>Grafana dashboards of its own metrics (the observability component renders them all).</summary>
    public IReadOnlyList<Dashboard> Dashboards { get; init; } = [];

    /// <summary>Its service accounts that act on AWS, each with a role of its own.</summary>
    public IReadOnlyList<AwsIdentity> AwsIdentities { get; init; } = [];

}
