using System.Text;
using System.Text.Json.Nodes;
using Helix.Platform.Model;

namespace Helix.Platform.Docs;

/// <summary><c>network-admin-architecture.md</c>: zones, the flow matrix, what is open from the world and the mesh, and who leaves through which address.</summary>
internal static class NetworkAdminView
{
    public const string Path = "docs/architecture/network-admin-architecture.md";

    public static string Render(PlatformModel model, IReadOnlyList<(string Type, string Name, JsonObject Body)> resources)
    {
        var spec = model.Spec;
        var text = new StringBuilder(Markdown.Header);
        text.Append("# Network administrator's view: ").Append(spec.Name).Append("\n\n");
        text.Append("Every namespace is default-deny (Cilium); the flows below are the only connections the rendered\n");
        text.Append("policies allow, and `helix verify` proves it over the rendered tree (the reachability check).\n\n");

        text.Append("## Zones\n\n");
        text.Append(Markdown.Table(["zone", "namespaces"],
            model.Namespaces().GroupBy(n => n.Zone).OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => (IReadOnlyList<string>)[g.Key, string.Join(", ", g.Select(n => $"`{n.Namespace}`"))])));

        text.Append("## Flows between zones\n\n```mermaid\nflowchart LR\n");
        foreach (var zone in model.Parts.Select(p => p.Zone).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            text.Append("  ").Append(Markdown.Id(zone)).Append("[\"zone ").Append(zone).Append("\"]\n");
        }
        text.Append("  world((\"the Internet\"))\n");
        foreach (var pair in model.Flows.GroupBy(f => (From: model.Part(f.From).Zone, To: model.Part(f.To).Zone)).OrderBy(g => g.Key.From, StringComparer.Ordinal).ThenBy(g => g.Key.To,
            StringComparer.Ordinal))
        {
            text.Append("  ").Append(Markdown.Id(pair.Key.From)).Append(" -->|\"")
                .Append(string.Join(", ", pair.Select(f => f.Port).Distinct().Order())).Append("\"| ").Append(Markdown.Id(pair.Key.To)).Append('\n');
        }
        foreach (var zone in model.PeerFlows.Where(f => f.Peer == Peer.World && f.Outbound).Select(f => model.Part(f.Part).Zone).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            text.Append("  ").Append(Markdown.Id(zone)).Append(" -.->|egress| world\n");
        }
        text.Append("```\n\n");

        text.Append("## Flow matrix\n\n");
        text.Append(Markdown.Table(["from", "zone", "to", "zone", "port", "why"],
            model.Flows.OrderBy(f => f.From, StringComparer.Ordinal).ThenBy(f => f.To, StringComparer.Ordinal).ThenBy(f => f.Port)
                .Select(f => (IReadOnlyList<string>)[f.From, model.Part(f.From).Zone, f.To, model.Part(f.To).Zone, $"{f.Port}", f.Why])));

        text.Append("## Open from the world\n\n");
        text.Append("Hetzner firewalls and load balancers, as Terraform creates them:\n\n");
        text.Append(Markdown.Table(["firewall", "direction", "protocol", "port", "from", "what"],
            resources.Where(r => r.Type == "hcloud_firewall").SelectMany(r => Rules(r.Name, r.Body))));
        text.Append(Markdown.Table(["load balancer", "public", "listens on", "to node port", "protocol"],
            resources.Where(r => r.Type == "hcloud_load_balancer_service").Select(r =>
            {
                var balancer = LoadBalancerOf(r.Body);
                var network = resources.FirstOrDefault(n => n.Type == "hcloud_load_balancer_network" && n.Name == balancer).Body;
                var isPublic = network?["enable_public_interface"] is not JsonValue p || p.GetValue<bool>();
                return (IReadOnlyList<string>)[balancer, isPublic ? "yes" : "no: private network and mesh only", $"{r.Body["listen_port"]}", $"{r.Body["destination_port"]}", $"{r.Body["protocol"]}"];
            })));
        text.Append("From the mesh (NetBird, management at `").Append(spec.Infra.NetBird.ManagementUrl)
            .Append("`): the Kubernetes (6443) and Talos (50000) APIs on the API load balancer's private address; nothing else.\n\n");

        text.Append("## Leaving the cluster\n\n");
        var gateway = model.PeerFlows.Where(f => f.ViaGateway).Select(f => f.Part).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        text.Append("Through the egress gateway, from the floating IPs ").Append(string.Join(", ", spec.Infra.NatEgressIps.Select(ip => $"`{ip}`")))
            .Append(" (allow-list these at partners): ").Append(gateway.Count == 0 ? "nobody" : string.Join(", ", gateway)).Append(".\n\n");
        text.Append("Everything else that leaves does so to named hosts only (Cilium FQDN policies), from the node's address:\n\n");
        text.Append(Markdown.Table(["part", "zone", "ports", "hosts", "why"],
            model.PeerFlows.Where(f => f.Peer == Peer.World && f.Outbound && !f.ViaGateway).OrderBy(f => f.Part, StringComparer.Ordinal)
                .Select(f => (IReadOnlyList<string>)[f.Part, model.Part(f.Part).Zone, string.Join(", ", f.Ports), f.Fqdns.Count == 0 ? "–" : string.Join(", ", f.Fqdns), f.Why])));

        text.Append("## The API server and the nodes\n\n");
        text.Append(Markdown.Table(["part", "peer", "direction", "ports", "why"],
            model.PeerFlows.Where(f => f.Peer != Peer.World).OrderBy(f => f.Part, StringComparer.Ordinal)
                .Select(f => (IReadOnlyList<string>)[f.Part, f.Peer.ToString(), f.Outbound ? "out" : "in", string.Join(", ", f.Ports), f.Why])));
        return text.ToString();
    }

    private static IEnumerable<IReadOnlyList<string>> Rules(string firewall, JsonObject body) =>
        (body["rule"] as JsonArray ?? []).OfType<JsonObject>().Select(rule => (IReadOnlyList<string>)[firewall, $"{rule["direction"]}", $"{rule["protocol"]}",
            $"{rule["port"] ?? "–"}", string.Join(", ", (rule["source_ips"] as JsonArray ?? []).Select(ip => $"{ip}")), $"{rule["description"] ?? ""}"]);

    // "${hcloud_load_balancer.ingress.id}" -> ingress
    private static string LoadBalancerOf(JsonObject service) =>
        ((string)service["load_balancer_id"]!).Split('.')[1];
}
