using System.Globalization;
using System.Text.Json;

namespace Helix.Platform.Verification;

/// <summary>A pod as network policy sees it: its labels, its namespace's labels, and a name to report.</summary>
public sealed record Workload(string Name, string Namespace, string Zone, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> NamespaceLabels);

/// <summary>TCP/UDP ports as closed ranges; <see cref="Any"/> is every port.</summary>
public sealed class PortSet
{
    private readonly List<(int Low, int High)> _ranges;

    private PortSet(List<(int, int)> ranges) => _ranges = Normalize(ranges);

    public static PortSet None { get; } = new([]);

    public static PortSet Any { get; } = new([(1, 65535)]);

    public static PortSet Of(params int[] ports) => new(ports.Select(p => (p, p)).ToList());

    public static PortSet Range(int low, int high) => new([(low, high)]);

    public bool IsEmpty => _ranges.Count == 0;

    public bool IsAny => _ranges is [(1, 65535)];

    public bool Contains(int port) => _ranges.Any(r => r.Low <= port && port <= r.High);

    public PortSet Union(PortSet other) => other.IsEmpty ? this : IsEmpty ? other : new([.. _ranges, .. other._ranges]);

    public PortSet Intersect(PortSet other)
    {
        if (IsEmpty || other.IsEmpty)
        {
            return None;
        }
        if (other.IsAny)
        {
            return this;
        }
        if (IsAny)
        {
            return other;
        }
        var result = new List<(int, int)>();
        foreach (var a in _ranges)
        {
            foreach (var b in other._ranges)
            {
                var low = Math.Max(a.Low, b.Low);
                var high = Math.Min(a.High, b.High);
                if (low <= high)
                {
                    result.Add((low, high));
                }
            }
        }
        return new PortSet(result);
    }

    public PortSet Except(PortSet other)
    {
        if (IsEmpty || other.IsEmpty)
        {
            return this;
        }
        var result = new List<(int, int)>();
        foreach (var range in _ranges)
        {
            var pieces = new List<(int Low, int High)> { range };
            foreach (var cut in other._ranges)
            {
                pieces = pieces.SelectMany(p => Cut(p, cut)).ToList();
            }
            result.AddRange(pieces);
        }
        return new PortSet(result);
    }

    private static IEnumerable<(int, int)> Cut((int Low, int High) piece, (int Low, int High) cut)
    {
        if (cut.High < piece.Low || cut.Low > piece.High)
        {
            yield return piece;
            yield break;
        }
        if (piece.Low < cut.Low)
        {
            yield return (piece.Low, cut.Low - 1);
        }
        if (cut.High < piece.High)
        {
            yield return (cut.High + 1, piece.High);
        }
    }

    private static List<(int, int)> Normalize(List<(int Low, int High)> ranges)
    {
        var sorted = ranges.OrderBy(r => r.Low).ToList();
        var merged = new List<(int Low, int High)>();
        foreach (var range in sorted)
        {
            if (merged.Count > 0 && range.Low <= merged[^1].High + 1)
            {
                merged[^1] = (merged[^1].Low, Math.Max(merged[^1].High, range.High));
            }
            else
            {
                merged.Add(range);
            }
        }
        return merged;
    }

    public override string ToString() => IsEmpty ? "none" : IsAny ? "any port" :
        string.Join(",", _ranges.Select(r => r.Low == r.High ? r.Low.ToString(CultureInfo.InvariantCulture) : $"{r.Low}-{r.High}"));
}

/// <summary>A label selector with Kubernetes' semantics (<c>matchLabels</c> and <c>matchExpressions</c>).</summary>
internal sealed record LabelSelector(IReadOnlyDictionary<string, string> MatchLabels, IReadOnlyList<(string Key, string Operator, IReadOnlyList<string> Values)> Expressions)
{
    public static LabelSelector Everything { get; } = new(new Dictionary<string, string>(), []);

    // Called for every pair of workloads and rule: loops, not LINQ, so a match allocates nothing.
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (key, value) in MatchLabels)
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }
        for (var i = 0; i < Expressions.Count; i++)
        {
            var (key, op, values) = Expressions[i];
            var has = labels.TryGetValue(key, out var v);
            var ok = op switch
            {
                "In" => has && values.Contains(v!),
                "NotIn" => !has || !values.Contains(v!),
                "Exists" => has,
                "DoesNotExist" => !has,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Does the selector say anything about namespaces (the pod's, or its namespace's labels)?</summary>
    public bool NamesNamespaces { get; } =
        MatchLabels.Keys.Concat(Expressions.Select(e => e.Key)).Any(k => k == Policy.NamespaceKey || k.StartsWith("io.cilium.k8s.namespace.labels.", StringComparison.Ordinal));

    /// <summary>Reads a selector; Cilium's source prefixes (<c>k8s:</c>, <c>any:</c>) are dropped.</summary>
    public static LabelSelector Read(JsonElement? selector)
    {
        if (selector is not { ValueKind: JsonValueKind.Object } s)
        {
            return Everything;
        }
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (s.TryGetProperty("matchLabels", out var ml) && ml.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in ml.EnumerateObject())
            {
                labels[Key(p.Name)] = p.Value.ToString();
            }
        }
        var expressions = new List<(string, string, IReadOnlyList<string>)>();
        if (s.TryGetProperty("matchExpressions", out var me) && me.ValueKind == JsonValueKind.Array)
        {
            foreach (var e in me.EnumerateArray())
            {
                var values = e.TryGetProperty("values", out var vs) && vs.ValueKind == JsonValueKind.Array ? vs.EnumerateArray().Select(v => v.ToString()).ToList() : [];
                expressions.Add((Key(e.GetProperty("key").GetString() ?? ""), e.GetProperty("operator").GetString() ?? "", values));
            }
        }
        return new LabelSelector(labels, expressions);
    }

    private static string Key(string key) =>
        key.StartsWith("k8s:", StringComparison.Ordinal) ? key[4..] : key.StartsWith("any:", StringComparison.Ordinal) ? key[4..] : key;
}

/// <summary>One allow or deny rule of a policy, reduced to what decides reachability.</summary>
internal sealed record PolicyRule(IReadOnlyList<LabelSelector> Endpoints, IReadOnlyList<string> Entities, bool WorldCidr, IReadOnlyList<string> Fqdns, bool AnyPeer, PortSet Ports)
{
    /// <summary>NetworkPolicy peers: pods, in the namespaces a selector picks (null: the policy's own).</summary>
    public IReadOnlyList<(LabelSelector Pods, LabelSelector? Namespaces)> KubernetesPeers { get; init; } = [];
}

/// <summary>
/// A network policy of any of the three kinds, normalised: which pods it selects, whether it turns
/// default deny on per direction, and its rules. Namespaced policies select only their namespace,
/// and their peer selectors without a namespace label mean their own namespace.
/// </summary>
internal sealed record Policy(string File, string Id, string? Namespace, LabelSelector Subject, bool DenyIngress, bool DenyEgress,
    IReadOnlyList<PolicyRule> Ingress, IReadOnlyList<PolicyRule> IngressDeny, IReadOnlyList<PolicyRule> Egress, IReadOnlyList<PolicyRule> EgressDeny,
    bool IsKubernetes)
{
    public const string NamespaceKey = "io.kubernetes.pod.namespace";

    public bool Selects(Workload workload) => (Namespace is null || Namespace == workload.Namespace) && Subject.Matches(workload.Labels);

    /// <summary>Does an endpoint selector of this policy's rules match the peer?</summary>
    public bool PeerMatches(LabelSelector selector, Workload peer)
    {
        // Cilium adds the policy's namespace to a peer selector that names no namespace.
        if (Namespace is not null && !selector.NamesNamespaces && peer.Namespace != Namespace)
        {
            return false;
        }
        return selector.Matches(peer.Labels);
    }

    public static Policy? Read(string file, string id, JsonElement resource)
    {
        var kind = resource.GetProperty("kind").GetString();
        var ns = resource.TryGetProperty("metadata", out var m) && m.TryGetProperty("namespace", out var n) ? n.GetString() : null;
        if (!resource.TryGetProperty("spec", out var spec) || spec.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        return kind switch
        {
            "CiliumNetworkPolicy" => Cilium(file, id, ns ?? "default", spec),
            "CiliumClusterwideNetworkPolicy" => Cilium(file, id, null, spec),
            "NetworkPolicy" => Kubernetes(file, id, ns ?? "default", spec),
            _ => null,
        };
    }

    private static Policy Cilium(string file, string id, string? ns, JsonElement spec)
    {
        var ingress = Rules(spec, "ingress", "from");
        var ingressDeny = Rules(spec, "ingressDeny", "from");
        var egress = Rules(spec, "egress", "to");
        var egressDeny = Rules(spec, "egressDeny", "to");
        var explicitIngress = spec.TryGetProperty("enableDefaultDeny", out var d) && d.TryGetProperty("ingress", out var di) ? di.GetBoolean() : (bool?)null;
        var explicitEgress = d.ValueKind == JsonValueKind.Object && d.TryGetProperty("egress", out var de) ? de.GetBoolean() : (bool?)null;
        var hasIngress = spec.TryGetProperty("ingress", out _) || spec.TryGetProperty("ingressDeny", out _);
        var hasEgress = spec.TryGetProperty("egress", out _) || spec.TryGetProperty("egressDeny", out _);
        return new Policy(file, id, ns, LabelSelector.Read(spec.TryGetProperty("endpointSelector", out var es) ? es : null),
            explicitIngress ?? hasIngress, explicitEgress ?? hasEgress, ingress, ingressDeny, egress, egressDeny, false);
    }

    private static List<PolicyRule> Rules(JsonElement spec, string section, string prefix)
    {
        var rules = new List<PolicyRule>();
        if (!spec.TryGetProperty(section, out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return rules;
        }
        foreach (var rule in list.EnumerateArray())
        {
            var endpoints = rule.TryGetProperty($"{prefix}Endpoints", out var e) && e.ValueKind == JsonValueKind.Array
                ? e.EnumerateArray().Select(x => LabelSelector.Read(x)).ToList() : [];
            var entities = rule.TryGetProperty($"{prefix}Entities", out var en) && en.ValueKind == JsonValueKind.Array
                ? en.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : [];
            var cidrs = new List<string>();
            if (rule.TryGetProperty($"{prefix}CIDR", out var c) && c.ValueKind == JsonValueKind.Array)
            {
                cidrs.AddRange(c.EnumerateArray().Select(x => x.GetString() ?? ""));
            }
            if (rule.TryGetProperty($"{prefix}CIDRSet", out var cs) && cs.ValueKind == JsonValueKind.Array)
            {
                cidrs.AddRange(cs.EnumerateArray().Select(x => x.TryGetProperty("cidr", out var v) ? v.GetString() ?? "" : ""));
            }
            var fqdns = rule.TryGetProperty($"{prefix}FQDNs", out var f) && f.ValueKind == JsonValueKind.Array
                ? f.EnumerateArray()
                    .Select(x => (x.TryGetProperty("matchName", out var mn) ? mn.GetString() : x.TryGetProperty("matchPattern", out var mp) ? mp.GetString() : null) ?? "")
                    .ToList()
                : [];
            var ports = Ports(rule);
            var hasPeer = endpoints.Count > 0 || entities.Count > 0 || cidrs.Count > 0 || fqdns.Count > 0
                || rule.TryGetProperty($"{prefix}Nodes", out _) || rule.TryGetProperty($"{prefix}Services", out _) || rule.TryGetProperty($"{prefix}Groups", out _);
            // A rule naming no peer but ports allows those ports from everyone; an empty rule allows nothing.
            var anyPeer = !hasPeer && rule.TryGetProperty("toPorts", out _);
            rules.Add(new PolicyRule(endpoints, entities, cidrs.Any(IsWorldCidr), fqdns, anyPeer, ports));
        }
        return rules;
    }

    /// <summary>A CIDR reaching beyond private address space (0.0.0.0/0 and the like) counts as the world.</summary>
    private static bool IsWorldCidr(string cidr) =>
        cidr.Split('/') is [var address, var bits] && int.TryParse(bits, NumberStyles.Integer, CultureInfo.InvariantCulture, out var prefix)
        && (prefix < 8 || !(address.StartsWith("10.", StringComparison.Ordinal) || address.StartsWith("192.168.", StringComparison.Ordinal) || address.StartsWith("172.", StringComparison.Ordinal)));

    private static PortSet Ports(JsonElement rule)
    {
        if (!rule.TryGetProperty("toPorts", out var toPorts) || toPorts.ValueKind != JsonValueKind.Array)
        {
            return PortSet.Any;
        }
        var set = PortSet.None;
        foreach (var entry in toPorts.EnumerateArray())
        {
            if (!entry.TryGetProperty("ports", out var ports) || ports.ValueKind != JsonValueKind.Array || ports.GetArrayLength() == 0)
            {
                return PortSet.Any;
            }
            foreach (var port in ports.EnumerateArray())
            {
                set = set.Union(Port(port, "port", "endPort"));
            }
        }
        return set;
    }

    private static PortSet Port(JsonElement port, string name, string endName)
    {
        var text = port.TryGetProperty(name, out var p) ? p.ToString() : "0";
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) || number == 0)
        {
            return PortSet.Any; // "0" or a named port: Helix cannot narrow it, so it counts as every port
        }
        return port.TryGetProperty(endName, out var end) && end.TryGetInt32(out var high) && high >= number ? PortSet.Range(number, high) : PortSet.Of(number);
    }

    private static Policy Kubernetes(string file, string id, string ns, JsonElement spec)
    {
        var types = spec.TryGetProperty("policyTypes", out var t) && t.ValueKind == JsonValueKind.Array ? t.EnumerateArray().Select(x => x.GetString()).ToList() : [];
        var hasEgress = types.Contains("Egress") || (types.Count == 0 && spec.TryGetProperty("egress", out _));
        var hasIngress = types.Count == 0 || types.Contains("Ingress");
        return new Policy(file, id, ns, LabelSelector.Read(spec.TryGetProperty("podSelector", out var s) ? s : null),
            hasIngress, hasEgress, KubernetesRules(spec, "ingress", "from"), [], KubernetesRules(spec, "egress", "to"), [], true);
    }

    private static List<PolicyRule> KubernetesRules(JsonElement spec, string section, string peersKey)
    {
        var rules = new List<PolicyRule>();
        if (!spec.TryGetProperty(section, out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return rules;
        }
        foreach (var rule in list.EnumerateArray())
        {
            var ports = PortSet.Any;
            if (rule.TryGetProperty("ports", out var ps) && ps.ValueKind == JsonValueKind.Array && ps.GetArrayLength() > 0)
            {
                ports = PortSet.None;
                foreach (var port in ps.EnumerateArray())
                {
                    ports = ports.Union(Port(port, "port", "endPort"));
                }
            }
            var peers = new List<(LabelSelector, LabelSelector?)>();
            var world = false;
            if (rule.TryGetProperty(peersKey, out var f) && f.ValueKind == JsonValueKind.Array)
            {
                foreach (var peer in f.EnumerateArray())
                {
                    if (peer.TryGetProperty("ipBlock", out var block))
                    {
                        world |= block.TryGetProperty("cidr", out var cidr) && IsWorldCidr(cidr.GetString() ?? "");
                        continue;
                    }
                    var pods = peer.TryGetProperty("podSelector", out var pod) ? LabelSelector.Read(pod) : LabelSelector.Everything;
                    LabelSelector? namespaces = peer.TryGetProperty("namespaceSelector", out var nsel) ? LabelSelector.Read(nsel) : null;
                    peers.Add((pods, namespaces));
                }
            }
            var open = !rule.TryGetProperty(peersKey, out var any) || any.ValueKind != JsonValueKind.Array || any.GetArrayLength() == 0;
            // NetworkPolicy: a rule without peers admits every peer, the world included.
            rules.Add(new PolicyRule([], open ? ["all"] : [], world, [], false, ports) { KubernetesPeers = peers });
        }
        return rules;
    }
}
