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
public sealed record InstallStep(int Number, string Title, Owner Owner, IReadOnlyList<string> Components)
{
    /// <summary>The first ArgoCD sync wave of the step's applications; null for Terraform's step.</summary>
    public int? SyncWave => Owner == Owner.Terraform ? null : Number * 10;
}

/// <summary>A box of the seed diagram that Helix installs: where it runs and what it waits for.</summary>
public sealed record Component(string Name, string Namespace, string Zone, Owner Owner, int Step, IReadOnlyList<string> DependsOn)
{
    /// <summary>The ArgoCD Application that installs it (the CNPG operator, cluster and pooler are one).</summary>
    public string Application { get; init; } = Name;

    /// <summary>Labels that tell its pods from others in a shared namespace; empty when the namespace is its own.</summary>
    public IReadOnlyDictionary<string, string> PodLabels { get; init; } = new Dictionary<string, string>();
}

/// <summary>Traffic between a component and something outside the cluster's pods.</summary>
public enum Peer
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
/// component, or inbound to it. World egress is either limited to <paramref name="Fqdns"/> or, for
/// egress apps, any host through the egress gateway.
/// </summary>
public sealed record PeerFlow(string Component, Peer Peer, bool Outbound, IReadOnlyList<int> Ports, string Why, IReadOnlyList<string> Fqdns)
{
    public bool ViaGateway => Peer == Peer.World && Outbound && Fqdns.Count == 0;
}

/// <summary>
/// One ArgoCD Application of the root app-of-apps: its folder under <c>gitops/</c>, its project and
/// its sync wave. Waves follow the DAG: ten per installation step, and within a step one more than
/// the highest wave of what it depends on.
/// </summary>
public sealed record GitOpsApp(string Name, string Folder, string Project, int Step, int Wave, IReadOnlyList<string> DependsOn, IReadOnlyList<string> Components);

/// <summary>An intended connection: client component to server component on a TCP port.</summary>
public sealed record Flow(string From, string To, int Port, string Why);

/// <summary>
/// Facts derived once from the spec: components with their zones, namespaces, owners and install
/// steps; the intended flow matrix from the seed's arrows; the install-order DAG.
/// </summary>
public sealed record PlatformModel(
    PlatformSpec Spec,
    IReadOnlyList<Component> Components,
    IReadOnlyList<InstallStep> Steps,
    IReadOnlyList<Flow> Flows,
    IReadOnlyList<string> TerraformResources,
    IReadOnlyList<GitOpsApp> Applications)
{
    /// <summary>Intended traffic with the world, the API server and the nodes.</summary>
    public IReadOnlyList<PeerFlow> PeerFlows { get; init; } = [];

    public GitOpsApp Application(string name) =>
        Applications.FirstOrDefault(a => a.Name == name) ?? throw new KeyNotFoundException($"no application '{name}'");

    /// <summary>Every namespace the platform renders, with its zone (kube-system is Talos', not Helix's).</summary>
    public IReadOnlyList<(string Namespace, string Zone)> Namespaces() =>
        Components.Where(c => c.Namespace != "kube-system")
            .GroupBy(c => c.Namespace, StringComparer.Ordinal)
            .Select(g => (g.Key, g.First().Zone))
            .OrderBy(n => n.Key, StringComparer.Ordinal)
            .ToList();

    public Component Component(string name) =>
        Components.FirstOrDefault(c => c.Name == name) ?? throw new KeyNotFoundException($"no component '{name}'");

    /// <summary>Components in an order that respects every dependency (stable: by step, then name).</summary>
    public IReadOnlyList<Component> InstallOrder()
    {
        var ordered = new List<Component>();
        var done = new HashSet<string>(StringComparer.Ordinal);
        var remaining = Components.OrderBy(c => c.Step).ThenBy(c => c.Name, StringComparer.Ordinal).ToList();
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
