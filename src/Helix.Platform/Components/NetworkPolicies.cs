using System.Globalization;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;
using k8s.Models;

namespace Helix.Platform.Components;

/// <summary>
/// Zero trust from the model alone: every namespace default-deny both ways, then exactly the
/// model's flows (by port), its peers (API server, webhooks, the load balancer, named hosts) and,
/// for egress apps, the world through the egress gateway. Same-namespace traffic and DNS to
/// kube-dns stay open: a component's own replicas talk to each other, and every pod resolves names.
/// </summary>
internal sealed class NetworkPolicies : IComponent
{
    public const string Name = "network-policies";
    public const string NamespaceLabel = "k8s:io.kubernetes.pod.namespace";
    public const string EgressIpNodeLabel = "helix.io/egress-ip";

    public ComponentDeclaration Declare(PlatformSpec spec) => new()
    {
        Name = Name,
        Namespace = Cilium.Namespace,
        Step = 2,
        // Default deny and the flow matrix, in force from the first wave after Cilium.
        Parts = [new(Name, Cilium.Namespace, "platform", [Cilium.Name])],
        CrdsUsed = [Cilium.NetworkPolicy, Cilium.EgressGatewayPolicy],
    };

    public ComponentRender Render(PlatformModel model) => new([],
    [
        .. PlatformNamespaces(model).Select(ns => new ManifestFile($"{ns}.yaml", ForNamespace(model, ns))),
        new ManifestFile("egress-gateways.yaml", EgressGateways(model).ToList()),
    ]);

    /// <summary>Policies of one namespace: a baseline and one policy per part with flows.</summary>
    public static List<object> ForNamespace(PlatformModel model, string ns)
    {
        var policies = new List<object> { Baseline(ns) };
        foreach (var component in model.Parts.Where(c => c.Namespace == ns).OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            if (ForPart(model, component) is { } policy)
            {
                policies.Add(policy);
            }
        }
        return policies;
    }

    /// <summary>Namespaces whose policies the platform's network Application carries (tenants carry their own).</summary>
    private static IEnumerable<string> PlatformNamespaces(PlatformModel model)
    {
        var tenants = model.Spec.Tenants.Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        return model.Namespaces().Select(n => n.Namespace).Where(ns => !tenants.Contains(ns));
    }

    private static IEnumerable<object> EgressGateways(PlatformModel model)
    {
        var ips = model.Spec.Infra.NatEgressIps;
        // Spec apps with egress: true by their pods' name; other parts that reach the world through the gateway (Devtron's runners) by namespace.
        var apps = model.Spec.Apps.Where(a => a.Egress).OrderBy(a => a.Name, StringComparer.Ordinal)
            .Select(a => (a.Name, a.Namespace, Pods: new Dictionary<string, string> { ["app.kubernetes.io/name"] = a.Name }))
            .Concat(model.PeerFlows.Where(f => f.ViaGateway && model.Spec.Apps.All(a => a.Name != f.Part)).Select(f => model.Part(f.Part))
                .DistinctBy(p => p.Name).OrderBy(p => p.Name, StringComparer.Ordinal)
                .Select(p => (p.Name, p.Namespace, Pods: new Dictionary<string, string>(p.PodLabels))))
            .ToList();
        for (var i = 0; i < apps.Count; i++)
        {
            var (name, ns, pods) = apps[i];
            // Open-source Cilium has one gateway per policy: apps are spread over the egress IPs.
            var ip = ips[i % ips.Count];
            yield return new Resource<EgressGatewayPolicySpec>("cilium.io/v2", "CiliumEgressGatewayPolicy",
                Meta.Object($"egress-{name}", null, Name),
                new EgressGatewayPolicySpec(
                    [new EgressSelector(
                        new V1LabelSelector { MatchLabels = pods },
                        new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = ns } })],
                    ["0.0.0.0/0"],
                    [model.Spec.Cluster.PodCidr, model.Spec.Cluster.ServiceCidr, model.Spec.Infra.Hetzner.NetworkCidr],
                    new EgressGateway(new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [EgressIpNodeLabel] = ip } }, ip)));
        }
    }

    private static Resource<CiliumPolicySpec> Baseline(string ns) => new("cilium.io/v2", "CiliumNetworkPolicy",
        Meta.Object("baseline", ns, Name),
        new CiliumPolicySpec(
            $"Default deny for {ns}: only its own pods, and DNS through kube-dns",
            new CiliumSelector(),
            new CiliumDefaultDeny(true, true),
            [new CiliumIngressRule(FromEndpoints: [Namespace(ns)])],
            [
                new CiliumEgressRule(ToEndpoints: [Namespace(ns)]),
                new CiliumEgressRule(
                    ToEndpoints: [new CiliumSelector(new Dictionary<string, string>(StringComparer.Ordinal) { [NamespaceLabel] = "kube-system", ["k8s:k8s-app"] = "kube-dns" })],
                    ToPorts: [new CiliumPortRule([new CiliumPort("53", "UDP"), new CiliumPort("53", "TCP")], new CiliumL7Rules([new CiliumFqdn(MatchPattern: "*")]))]),
            ]));

    private static Resource<CiliumPolicySpec>? ForPart(PlatformModel model, Part component)
    {
        var ingress = new List<CiliumIngressRule>();
        var egress = new List<CiliumEgressRule>();
        foreach (var group in model.Flows.Where(f => f.To == component.Name && Source(model, f.From) is { } s && s.Namespace != component.Namespace)
                     .GroupBy(f => f.From, StringComparer.Ordinal))
        {
            ingress.Add(new CiliumIngressRule(FromEndpoints: [Selector(model.Part(group.Key))], ToPorts: [Tcp(group.Select(f => f.Port))]));
        }
        foreach (var group in model.Flows.Where(f => f.From == component.Name && Source(model, f.To) is { } d && d.Namespace != component.Namespace)
                     .GroupBy(f => f.To, StringComparer.Ordinal))
        {
            egress.Add(new CiliumEgressRule(ToEndpoints: [Selector(model.Part(group.Key))], ToPorts: [Tcp(group.Select(f => f.Port))]));
        }
        foreach (var peer in model.PeerFlows.Where(p => p.Part == component.Name))
        {
            var entities = Entities(peer.Peer);
            if (!peer.Outbound)
            {
                ingress.Add(new CiliumIngressRule(FromEntities: entities, ToPorts: [Tcp(peer.Ports)]));
            }
            else if (peer.Fqdns.Count > 0)
            {
                egress.Add(new CiliumEgressRule(
                    ToFqdns: peer.Fqdns.Select(f => f.Contains('*', StringComparison.Ordinal) ? new CiliumFqdn(MatchPattern: f) : new CiliumFqdn(MatchName: f)).ToList(),
                    ToPorts: [Tcp(peer.Ports)]));
            }
            else
            {
                egress.Add(new CiliumEgressRule(ToEntities: entities, ToPorts: [Tcp(peer.Ports)]));
            }
        }
        if (ingress.Count == 0 && egress.Count == 0)
        {
            return null;
        }
        return new Resource<CiliumPolicySpec>("cilium.io/v2", "CiliumNetworkPolicy",
            Meta.Object(component.Name, component.Namespace, Name),
            new CiliumPolicySpec(
                $"What {component.Name} may open and accept beyond its namespace (the model's flows)",
                new CiliumSelector(component.PodLabels.Count > 0 ? component.PodLabels : null),
                null,
                ingress.Count > 0 ? ingress : null,
                egress.Count > 0 ? egress : null));
    }

    /// <summary>Parts in kube-system (Cilium itself) are not policed by Helix.</summary>
    private static Part? Source(PlatformModel model, string name) =>
        model.Parts.FirstOrDefault(c => c.Name == name) is { Namespace: not "kube-system" } c ? c : null;

    public static CiliumSelector Selector(Part component)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal) { [NamespaceLabel] = component.Namespace };
        foreach (var (key, value) in component.PodLabels)
        {
            labels[key] = value;
        }
        return new CiliumSelector(labels);
    }

    private static CiliumSelector Namespace(string ns) => new(new Dictionary<string, string>(StringComparer.Ordinal) { [NamespaceLabel] = ns });

    private static List<string> Entities(Peer peer) => peer switch
    {
        Peer.World => ["world"],
        Peer.KubeApiserver => ["kube-apiserver"],
        Peer.Nodes => ["host", "remote-node"],
        _ => throw new ArgumentOutOfRangeException(nameof(peer), peer, null),
    };

    private static CiliumPortRule Tcp(IEnumerable<int> ports) =>
        new(ports.Distinct().Order().Select(p => new CiliumPort(p.ToString(CultureInfo.InvariantCulture), "TCP")).ToList());
}
