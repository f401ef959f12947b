using System.Text.Json;
using Helix.Platform.Model;

namespace Helix.Platform.Verification;

/// <summary>One cell of the matrix: what the policies let through from one workload to another, and what the model intends.</summary>
public sealed record Connection(Workload From, Workload To, PortSet Allowed, PortSet Intended)
{
    public PortSet Unexpected => Allowed.Except(Intended);

    public PortSet Blocked => Intended.Except(Allowed);
}

/// <summary>Which workloads reach the world, and how: through a named gateway IP, to named hosts only, or not at all.</summary>
public sealed record WorldEgress(Workload Workload, PortSet Ports, string? Gateway, IReadOnlyList<string> Hosts);

/// <summary>The analysis: every workload, the pairs where anything is allowed or intended (the rest is denied), who reaches the world, and the findings.</summary>
public sealed record ReachabilityReport(IReadOnlyList<Workload> Workloads, IReadOnlyList<Connection> Connections, IReadOnlyList<WorldEgress> World, IReadOnlyList<Finding> Findings);

/// <summary>
/// Computes, from the rendered CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy and NetworkPolicy
/// objects alone, which (source, destination, port) connections are allowed, with Cilium's
/// semantics: a direction is default deny for a pod once a policy selecting it has rules in that
/// direction (or <c>enableDefaultDeny</c> says so); a connection needs the source's egress and
/// the destination's ingress; deny rules beat allow rules. The model supplies the workloads (which
/// pods exist, with which labels) and the intent the result is compared with.
/// </summary>
internal static class Reachability
{
    public const string Rule = "reachability";
    public const string DefaultDenyRule = "default-deny";
    public const string PeerRule = "peer-access";
    public const string EgressRule = "egress-gateway";

    private const string KubeDns = "kube-dns";

    public static ReachabilityReport Analyse(IReadOnlyList<(string File, JsonElement Object)> objects, PlatformModel model)
    {
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentNullException.ThrowIfNull(model);
        var policies = objects.Select(o => Policy.Read(o.File, TreeVerifier.Id(o.Object), o.Object)).OfType<Policy>().ToList();
        var gateways = Gateways(objects);
        var (workloads, byComponent) = Workloads(model, objects);
        var findings = new List<Finding>();

        var selecting = workloads.ToDictionary(w => w, w => policies.Where(p => p.Selects(w)).ToList());
        var ingressEnforced = workloads.ToDictionary(w => w, w => selecting[w].Any(p => p.DenyIngress));
        var egressEnforced = workloads.ToDictionary(w => w, w => selecting[w].Any(p => p.DenyEgress));
        foreach (var w in workloads.Where(w => w.Name != KubeDns))
        {
            foreach (var (direction, enforced) in new[] { ("ingress", ingressEnforced[w]), ("egress", egressEnforced[w]) }.Where(d => !d.Item2))
            {
                findings.Add(new Finding(Severity.Error, "-", $"{w.Namespace}/{w.Name}", DefaultDenyRule,
                    $"{w.Name} ({w.Zone} zone) has no default deny for {direction}: every {(direction == "ingress" ? "client" : "destination")} is allowed",
                    $"select its pods with a policy that sets enableDefaultDeny.{direction}: true (helix render writes one per namespace)"));
            }
        }

        var intended = Intended(model, workloads, byComponent);
        var connections = new List<Connection>();
        foreach (var from in workloads)
        {
            foreach (var to in workloads)
            {
                var (egress, egressVia) = Allowed(selecting[from], egressEnforced[from], to, outbound: true);
                var (ingress, ingressVia) = Allowed(selecting[to], ingressEnforced[to], from, outbound: false);
                var allowed = egress.Intersect(ingress);
                var want = intended.TryGetValue((from, to), out var ports) ? ports : PortSet.None;
                if (allowed.IsEmpty && want.IsEmpty)
                {
                    continue; // denied as intended: most pairs, kept out of memory
                }
                var connection = new Connection(from, to, allowed, want);
                connections.Add(connection);
                var unexpected = connection.Unexpected;
                // A leak through two unpoliced sides is the missing default deny, reported once above.
                if (!unexpected.IsEmpty && (egressVia is not null || ingressVia is not null))
                {
                    var by = string.Join(" and ", new[] { egressVia, ingressVia }.OfType<Policy>().Select(p => $"policy {p.Id}").Distinct());
                    findings.Add(new Finding(Severity.Error, (ingressVia ?? egressVia)!.File, (ingressVia ?? egressVia)!.Id, Rule,
                        $"{to.Zone} zone reachable from {Describe(from)} on {unexpected}: {to.Name} in {to.Namespace} via {by}",
                        $"narrow the selector or ports of {(ingressVia ?? egressVia)!.Id}, or declare the flow in the spec if it is intended"));
                }
                var blocked = connection.Blocked;
                if (!blocked.IsEmpty)
                {
                    findings.Add(new Finding(Severity.Error, "-", $"{from.Namespace}/{from.Name}", Rule,
                        $"intended flow {from.Name} -> {to.Name} on {blocked} is blocked (egress of {from.Name} allows {egress}, ingress of {to.Name} allows {ingress})",
                        $"allow {from.Name}'s egress to {to.Name} and {to.Name}'s ingress from {from.Name} on {blocked} (helix render derives both from the model)"));
                }
            }
        }

        var world = new List<WorldEgress>();
        foreach (var w in workloads.Where(w => w.Name != KubeDns))
        {
            var flows = byComponent.Where(c => c.Value == w).SelectMany(c => model.PeerFlows.Where(p => p.Part == c.Key)).ToList();
            findings.AddRange(Peers(w, selecting[w], egressEnforced[w], ingressEnforced[w], flows, gateways, world));
        }
        return new ReachabilityReport(workloads, connections, world, findings);
    }

    private static string Describe(Workload w) => w.Zone == "app" && w.NamespaceLabels.ContainsKey("helix.io/tenant")
        ? $"app tenant {w.Name}"
        : $"{w.Name} ({w.Zone} zone)";

    /// <summary>The ports one side lets through to or from <paramref name="peer"/>, and the first policy that allows any.</summary>
    private static (PortSet Ports, Policy? Via) Allowed(List<Policy> policies, bool enforced, Workload peer, bool outbound)
    {
        if (!enforced)
        {
            return (PortSet.Any, null);
        }
        var allowed = PortSet.None;
        Policy? via = null;
        foreach (var policy in policies)
        {
            var rules = outbound ? policy.Egress : policy.Ingress;
            for (var i = 0; i < rules.Count; i++)
            {
                if (Matches(policy, rules[i], peer))
                {
                    allowed = allowed.Union(rules[i].Ports);
                    via ??= policy;
                }
            }
        }
        foreach (var policy in policies)
        {
            var denies = outbound ? policy.EgressDeny : policy.IngressDeny;
            for (var i = 0; i < denies.Count; i++)
            {
                if (Matches(policy, denies[i], peer))
                {
                    allowed = allowed.Except(denies[i].Ports);
                }
            }
        }
        return (allowed, via);
    }

    private static bool Matches(Policy policy, PolicyRule rule, Workload peer)
    {
        if (rule.AnyPeer)
        {
            return true;
        }
        for (var i = 0; i < rule.Entities.Count; i++)
        {
            if (rule.Entities[i] is "all" or "cluster")
            {
                return true;
            }
        }
        for (var i = 0; i < rule.Endpoints.Count; i++)
        {
            if (policy.PeerMatches(rule.Endpoints[i], peer))
            {
                return true;
            }
        }
        for (var i = 0; i < rule.KubernetesPeers.Count; i++)
        {
            var (pods, namespaces) = rule.KubernetesPeers[i];
            if ((namespaces is null ? peer.Namespace == policy.Namespace : namespaces.Matches(peer.NamespaceLabels)) && pods.Matches(peer.Labels))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Ports open towards (or from) an entity, and FQDN-limited world egress with its host names.</summary>
    private static (PortSet Ports, Policy? Via) Entity(List<Policy> policies, bool enforced, string entity, bool outbound)
    {
        if (!enforced)
        {
            return (PortSet.Any, null);
        }
        var allowed = PortSet.None;
        Policy? via = null;
        foreach (var policy in policies)
        {
            foreach (var rule in outbound ? policy.Egress : policy.Ingress)
            {
                var hit = rule.AnyPeer || rule.Entities.Contains("all") || rule.Entities.Contains(entity)
                    || (entity == "world" && rule.WorldCidr)
                    || (entity != "world" && rule.Entities.Contains("cluster"));
                if (hit)
                {
                    allowed = allowed.Union(rule.Ports);
                    via ??= policy;
                }
            }
        }
        foreach (var policy in policies)
        {
            foreach (var rule in outbound ? policy.EgressDeny : policy.IngressDeny)
            {
                if (rule.AnyPeer || rule.Entities.Contains("all") || rule.Entities.Contains(entity) || (entity == "world" && rule.WorldCidr))
                {
                    allowed = allowed.Except(rule.Ports);
                }
            }
        }
        return (allowed, via);
    }

    private static IEnumerable<Finding> Peers(Workload w, List<Policy> policies, bool egressEnforced, bool ingressEnforced, List<PeerFlow> intent,
        List<(string Name, LabelSelector Pods, LabelSelector Namespaces, string Ip)> gateways, List<WorldEgress> world)
    {
        var subject = $"{w.Namespace}/{w.Name}";
        foreach (var (peer, entity) in new[] { (Peer.KubeApiserver, "kube-apiserver"), (Peer.Nodes, "host"), (Peer.World, "world") })
        {
            foreach (var outbound in new[] { true, false })
            {
                var (ports, via) = Entity(policies, outbound ? egressEnforced : ingressEnforced, entity, outbound);
                if (via is null && !ports.IsEmpty)
                {
                    continue; // unpoliced: the default-deny finding says it
                }
                var wanted = intent.Where(f => f.Peer == peer && f.Outbound == outbound && f.Fqdns.Count == 0)
                    .Aggregate(PortSet.None, (set, f) => set.Union(PortSet.Of([.. f.Ports])));
                var extra = ports.Except(wanted);
                var direction = outbound ? $"reaches {entity}" : $"accepts connections from {entity}";
                if (!extra.IsEmpty)
                {
                    yield return new Finding(Severity.Error, via!.File, via.Id, PeerRule, $"{w.Name} ({w.Zone} zone) {direction} on {extra}, which the model does not intend",
                        peer == Peer.World && outbound
                            ? "only egress apps reach the world, through the egress gateway; give others named hosts (toFQDNs) or nothing"
                            : $"remove {entity} from the rule of {via.Id}, or declare it in the model");
                }
                var missing = wanted.Except(ports);
                if (!missing.IsEmpty)
                {
                    yield return new Finding(Severity.Error, "-", subject, PeerRule,
                        $"{w.Name} ({w.Zone} zone) should {(outbound ? "reach" : "accept")} {entity} on {missing} but the policies block it",
                        $"allow {entity} on {missing} in {w.Name}'s policy (helix render writes it)");
                }
            }
        }

        // World egress limited to host names needs those names allowed, nothing more.
        var hosts = policies.SelectMany(p => p.Egress).SelectMany(r => r.Fqdns).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var intendedHosts = intent.Where(f => f.Peer == Peer.World && f.Outbound).SelectMany(f => f.Fqdns).ToHashSet(StringComparer.Ordinal);
        foreach (var host in hosts.Where(h => egressEnforced && !intendedHosts.Contains(h)))
        {
            yield return new Finding(Severity.Error, "-", subject, PeerRule, $"{w.Name} ({w.Zone} zone) may reach {host}, which the model does not name",
                "remove the host from toFQDNs, or name it in the model");
        }
        foreach (var host in intendedHosts.Where(h => egressEnforced && !hosts.Contains(h)).Order(StringComparer.Ordinal))
        {
            yield return new Finding(Severity.Error, "-", subject, PeerRule, $"{w.Name} ({w.Zone} zone) needs {host} but no toFQDNs rule allows it",
                "add the host to the component's toFQDNs (helix render writes it)");
        }

        var (worldPorts, _) = Entity(policies, egressEnforced, "world", true);
        var gateway = gateways.FirstOrDefault(g => g.Pods.Matches(w.Labels) && g.Namespaces.Matches(w.NamespaceLabels));
        if (!worldPorts.IsEmpty || hosts.Count > 0)
        {
            world.Add(new WorldEgress(w, worldPorts, gateway.Name is null ? null : $"{gateway.Name} ({gateway.Ip})", hosts));
        }
        if (!worldPorts.IsEmpty && gateway.Name is null && egressEnforced)
        {
            yield return new Finding(Severity.Error, "-", subject, EgressRule, $"{w.Name} ({w.Zone} zone) reaches the world on {worldPorts} without an egress gateway",
                "select its pods with a CiliumEgressGatewayPolicy (helix render writes one for every app with egress: true)");
        }
    }

    private static Dictionary<(Workload, Workload), PortSet> Intended(PlatformModel model, List<Workload> workloads, Dictionary<string, Workload> byComponent)
    {
        var intended = new Dictionary<(Workload, Workload), PortSet>();
        void Add(Workload from, Workload to, PortSet ports) =>
            intended[(from, to)] = intended.TryGetValue((from, to), out var known) ? known.Union(ports) : ports;

        foreach (var group in workloads.GroupBy(w => w.Namespace, StringComparer.Ordinal))
        {
            foreach (var a in group)
            {
                foreach (var b in group)
                {
                    Add(a, b, PortSet.Any); // a component's own replicas, and its neighbours in the namespace
                }
            }
        }
        var dns = workloads.Single(w => w.Name == KubeDns);
        foreach (var w in workloads.Where(w => w != dns))
        {
            Add(w, dns, PortSet.Of(53));
        }
        foreach (var flow in model.Flows)
        {
            if (byComponent.TryGetValue(flow.From, out var from) && byComponent.TryGetValue(flow.To, out var to))
            {
                Add(from, to, PortSet.Of(flow.Port));
            }
        }
        return intended;
    }

    /// <summary>One workload per distinct (namespace, pod labels) of the model's components, plus kube-dns.</summary>
    private static (List<Workload>, Dictionary<string, Workload>) Workloads(PlatformModel model, IReadOnlyList<(string File, JsonElement Object)> objects)
    {
        var namespaceLabels = objects.Where(o => o.Object.GetProperty("kind").GetString() == "Namespace" && !o.Object.GetProperty("apiVersion").GetString()!.Contains('/', StringComparison.Ordinal))
            .Select(o => o.Object.GetProperty("metadata"))
            .ToDictionary(m => m.GetProperty("name").GetString()!,
                m => m.TryGetProperty("labels", out var l) ? l.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString(), StringComparer.Ordinal) : [], StringComparer.Ordinal);
        var workloads = new List<Workload>();
        var byKey = new Dictionary<string, Workload>(StringComparer.Ordinal);
        var byComponent = new Dictionary<string, Workload>(StringComparer.Ordinal);
        foreach (var component in model.Parts.Where(c => c.Namespace != "kube-system"))
        {
            var key = component.Namespace + "|" + string.Join(",", component.PodLabels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
            if (!byKey.TryGetValue(key, out var existing))
            {
                var nsLabels = namespaceLabels.TryGetValue(component.Namespace, out var known)
                    ? new Dictionary<string, string>(known, StringComparer.Ordinal)
                    : new Dictionary<string, string>(StringComparer.Ordinal) { ["helix.io/zone"] = component.Zone };
                nsLabels["kubernetes.io/metadata.name"] = component.Namespace;
                existing = new Workload(component.Name, component.Namespace, component.Zone, Labels(component.Namespace, component.PodLabels, nsLabels), nsLabels);
                byKey[key] = existing;
                workloads.Add(existing);
            }
            byComponent[component.Name] = existing;
        }
        var systemLabels = new Dictionary<string, string>(StringComparer.Ordinal) { ["kubernetes.io/metadata.name"] = "kube-system" };
        workloads.Add(new Workload(KubeDns, "kube-system", "system", Labels("kube-system", new Dictionary<string, string> { ["k8s-app"] = "kube-dns" }, systemLabels), systemLabels));
        return (workloads, byComponent);
    }

    /// <summary>The labels Cilium gives a pod's identity: its own, its namespace, and its namespace's labels.</summary>
    private static Dictionary<string, string> Labels(string ns, IReadOnlyDictionary<string, string> pod, IReadOnlyDictionary<string, string> namespaceLabels)
    {
        var labels = new Dictionary<string, string>(pod, StringComparer.Ordinal) { [Policy.NamespaceKey] = ns };
        foreach (var (key, value) in namespaceLabels)
        {
            labels[$"io.cilium.k8s.namespace.labels.{key}"] = value;
        }
        return labels;
    }

    private static List<(string Name, LabelSelector Pods, LabelSelector Namespaces, string Ip)> Gateways(IReadOnlyList<(string File, JsonElement Object)> objects) =>
        objects.Where(o => o.Object.GetProperty("kind").GetString() == "CiliumEgressGatewayPolicy" && o.Object.TryGetProperty("spec", out _))
            .SelectMany(o =>
            {
                var spec = o.Object.GetProperty("spec");
                var ip = spec.TryGetProperty("egressGateway", out var g) && g.TryGetProperty("egressIP", out var i) ? i.GetString() ?? "" : "";
                var name = o.Object.GetProperty("metadata").GetProperty("name").GetString()!;
                return spec.TryGetProperty("selectors", out var selectors) && selectors.ValueKind == JsonValueKind.Array
                    ? selectors.EnumerateArray().Select(s => (name,
                        LabelSelector.Read(s.TryGetProperty("podSelector", out var p) ? p : null),
                        LabelSelector.Read(s.TryGetProperty("namespaceSelector", out var n) ? n : null), ip))
                    : [];
            })
            .ToList();
}
