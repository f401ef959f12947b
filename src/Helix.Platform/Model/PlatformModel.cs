using Helix.Platform.Spec;

namespace Helix.Platform.Model;

/// <summary>Who creates and changes a resource: exactly one of them, never two.</summary>
public enum Owner
{
    Terraform,
    GitOps,
    Devtron,
}

/// <summary>One of the seed's nine installation steps; a GitOps step owns the ten sync waves from ten times its number.</summary>
public sealed record InstallStep(int Number, string Title, Owner Owner, IReadOnlyList<string> Parts)
{
    /// <summary>The first ArgoCD sync wave of the step's applications; null for Terraform's step.</summary>
    public int? SyncWave => Owner == Owner.Terraform ? null : Number * 10;
}

/// <summary>
/// A part of a component with pods of its own: its zone, its namespace, its place in the flow
/// matrix and what it waits for (the CNPG component has the operator, the cluster and the pooler).
/// </summary>
internal sealed record Part(string Name, string Namespace, string Zone, IReadOnlyList<string> DependsOn)
{
    public Owner Owner { get; init; } = Owner.GitOps;

    /// <summary>The ArgoCD Application that installs it: its component's (the model sets it).</summary>
    public string Application { get; init; } = Name;

    /// <summary>Its component's installation step (the model sets it).</summary>
    public int Step { get; init; }

    /// <summary>Labels that tell its pods from others in a shared namespace; empty when the namespace is its own.</summary>
    public IReadOnlyDictionary<string, string> PodLabels { get; init; } = new Dictionary<string, string>();
}

/// <summary>Traffic between a part and something outside the cluster's pods.</summary>
internal enum Peer
{
    /// <summary>Anything outside the cluster (Cilium's <c>world</c>).</summary>
    World,

    /// <summary>The Kubernetes API server (Cilium's <c>kube-apiserver</c>).</summary>
    KubeApiserver,

    /// <summary>Nodes (Cilium's <c>host</c> and <c>remote-node</c>): kubelets and host-network exporters.</summary>
    Nodes,
}

/// <summary>
/// An intended connection with a peer outside the pods: <paramref name="Outbound"/> from the
/// part, or inbound to it. World egress is either limited to <paramref name="Fqdns"/> or, for
/// egress apps, any host through the egress gateway.
/// </summary>
internal sealed record PeerFlow(string Part, Peer Peer, bool Outbound, IReadOnlyList<int> Ports, string Why, IReadOnlyList<string> Fqdns)
{
    /// <summary>The API server's port as pods reach it.</summary>
    public const int KubernetesApiPort = 6443;

    public bool ViaGateway => Peer == Peer.World && Outbound && Fqdns.Count == 0;

    /// <summary>A part that talks to the Kubernetes API (operators, controllers).</summary>
    public static PeerFlow KubernetesApi(string part) => new(part, Peer.KubeApiserver, true, [KubernetesApiPort], "Kubernetes API", []);

    /// <summary>An egress app: the world on 80 and 443, through the egress gateway only.</summary>
    public static PeerFlow ThroughEgressGateway(string part) => new(part, Peer.World, true, [80, 443], "through the egress gateway", []);

    /// <summary>A part that serves an admission webhook the API server calls.</summary>
    public static PeerFlow AdmissionWebhook(string part, int port) => new(part, Peer.KubeApiserver, false, [port], "admission webhook", []);

    /// <summary>Declared by Argo CD: the model adds the host of every chart repository a component installs from.</summary>
    public bool WithChartRepositories { get; init; }
}

/// <summary>
/// One ArgoCD Application of the root app-of-apps: its folder under <c>gitops/</c>, its project,
/// destination namespace and sync wave. Waves follow the DAG: ten per installation step, and within
/// a step one more than the highest wave of what it depends on.
/// </summary>
public sealed record GitOpsApp(string Name, string Folder, string Project, string Namespace, int Step, int Wave, IReadOnlyList<string> DependsOn, IReadOnlyList<string> Parts);

/// <summary>An intended connection: client part to server part on a TCP port.</summary>
internal sealed record Flow(string From, string To, int Port, string Why);

/// <summary>A route of the spec with what it resolves to: its domain (the longest that holds its host) and its target.</summary>
internal sealed record ResolvedRoute(RouteSpec Route, DomainSpec Domain, RouteTarget Target)
{
    /// <summary>The IngressRoute's name: its host, and its path when not the root.</summary>
    public string Name =>
        (Route.Host.Replace('.', '-') + (Route.Path == "/" ? "" : "-" + Route.Path.Trim('/').Replace('/', '-'))).ToLowerInvariant();
}

/// <summary>
/// Facts derived once from the spec and the components' declarations: parts with their zones,
/// namespaces, owners and install steps; the intended flow matrix; the install-order DAG; routes
/// resolved to their domains and targets; the secrets, charts and CRDs the platform needs.
/// </summary>
/// <remarks>
/// Outside Helix.Platform it is a handle: what the CLI prints (steps, applications, Secrets) is public,
/// the rest is for the compiler's own renderers and rules.
/// </remarks>
public sealed record PlatformModel
{
    internal PlatformModel(PlatformSpec spec, IReadOnlyList<ComponentDeclaration> declarations, IReadOnlyList<Part> parts, IReadOnlyList<InstallStep> steps,
        IReadOnlyList<Flow> flows, IReadOnlyList<PeerFlow> peerFlows, IReadOnlyList<string> terraformResources, IReadOnlyList<GitOpsApp> applications,
        IReadOnlyList<ResolvedRoute> routes)
    {
        Spec = spec;
        Declarations = declarations;
        Parts = parts;
        Steps = steps;
        Flows = flows;
        PeerFlows = peerFlows;
        TerraformResources = terraformResources;
        Applications = applications;
        Routes = routes;
    }

    internal PlatformSpec Spec { get; init; }

    internal IReadOnlyList<ComponentDeclaration> Declarations { get; init; }

    internal IReadOnlyList<Part> Parts { get; init; }

    /// <summary>The seed's install steps, Terraform's first, then one sync wave each.</summary>
    public IReadOnlyList<InstallStep> Steps { get; init; }

    internal IReadOnlyList<Flow> Flows { get; init; }

    internal IReadOnlyList<PeerFlow> PeerFlows { get; init; }

    internal IReadOnlyList<string> TerraformResources { get; init; }

    /// <summary>The Argo CD Applications, one per component, in install order.</summary>
    public IReadOnlyList<GitOpsApp> Applications { get; init; }

    internal IReadOnlyList<ResolvedRoute> Routes { get; init; }

    public GitOpsApp Application(string name) =>
        Applications.FirstOrDefault(a => a.Name == name) ?? throw new KeyNotFoundException($"no application '{name}'");

    internal ComponentDeclaration Declaration(string application) =>
        Declarations.FirstOrDefault(d => d.Name == application) ?? throw new KeyNotFoundException($"no component '{application}'");

    /// <summary>Every namespace the platform renders, with its zone (kube-system is Talos', not Helix's).</summary>
    internal IReadOnlyList<(string Namespace, string Zone)> Namespaces() =>
        Parts.Where(c => c.Namespace != "kube-system")
            .GroupBy(c => c.Namespace, StringComparer.Ordinal)
            .Select(g => (g.Key, g.First().Zone))
            .OrderBy(n => n.Key, StringComparer.Ordinal)
            .ToList();

    internal Part Part(string name) =>
        Parts.FirstOrDefault(c => c.Name == name) ?? throw new KeyNotFoundException($"no part '{name}'");

    /// <summary>Where people open a UI: its route's host, or <c>&lt;target&gt;.</c> the first domain.</summary>
    internal string Host(string target) => HostOf(Spec, target);

    /// <summary>The same from the spec alone, for a component's declaration (made before the model).</summary>
    internal static string HostOf(PlatformSpec spec, string target)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Routes.FirstOrDefault(r => r.To == target)?.Host ?? $"{target}.{spec.Domains[0].Name}";
    }

    /// <summary>Every chart repository a component installs from, sorted.</summary>
    internal IReadOnlyList<string> ChartRepositories() =>
        Declarations.SelectMany(d => d.Charts).Select(c => c.Repo).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    /// <summary>Every Secret the platform needs, by namespace and name.</summary>
    public IReadOnlyList<SecretNeed> Secrets() =>
        Declarations.SelectMany(d => d.Secrets)
            .GroupBy(s => (s.Namespace, s.Name))
            .Select(g => g.First() with
            {
                Keys = g.SelectMany(s => s.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
                Sources = g.SelectMany(s => s.Sources).DistinctBy(s => s.Key).ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal),
            })
            .OrderBy(s => s.Namespace, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal)
            .ToList();

    /// <summary>Parts in an order that respects every dependency (stable: by step, then name).</summary>
    internal IReadOnlyList<Part> InstallOrder()
    {
        var ordered = new List<Part>();
        var done = new HashSet<string>(StringComparer.Ordinal);
        var remaining = Parts.OrderBy(c => c.Step).ThenBy(c => c.Name, StringComparer.Ordinal).ToList();
        while (remaining.Count > 0)
        {
            var next = remaining.FirstOrDefault(c => c.DependsOn.All(done.Contains))
                ?? throw new InvalidOperationException($"dependency cycle among: {string.Join(", ", remaining.Select(c => c.Name))}");
            ordered.Add(next);
            done.Add(next.Name);
            remaining.Remove(next);
        }
        return ordered;
    }
}
