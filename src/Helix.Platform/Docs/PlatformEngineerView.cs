using System.Text;
using Helix.Platform.Model;
using Helix.Platform.Spec;

namespace Helix.Platform.Docs;

/// <summary><c>platform-engineer-architecture.md</c>: what is installed where, in which order, owned by whom, and how to add to it.</summary>
internal static class PlatformEngineerView
{
    public const string Path = "docs/architecture/platform-engineer-architecture.md";

    public static string Render(PlatformModel model)
    {
        var spec = model.Spec;
        var text = new StringBuilder(Markdown.Header);
        text.Append("# Platform engineer's view: ").Append(spec.Name).Append("\n\n");
        text.Append($"Kubernetes {spec.Cluster.KubernetesVersion} on Talos {spec.Cluster.TalosVersion}, Hetzner `{spec.Infra.Hetzner.Location}`; ");
        text.Append($"GitOps from `{spec.GitOps.RepoUrl}` (`{spec.GitOps.Branch}`), synced by Argo CD.\n");
        text.Append("Everything here is rendered from `platform/helix.yaml`: change the spec, run `helix render`, review, commit.\n\n");

        text.Append("## Node pools\n\n");
        text.Append(Markdown.Table(["pool", "role", "server", "nodes", "taint", "runs"],
            spec.NodePools.Select(p => (IReadOnlyList<string>)[p.Name, SpecBinder.Kebab(p.Role.ToString()), p.ServerType, $"{p.Count}",
                p.Role is NodeRole.Db or NodeRole.Egress ? $"`{Output.Meta.NodeRoleLabel}={SpecBinder.Kebab(p.Role.ToString())}:NoSchedule`" : "–",
                string.Join(", ", model.Declarations.Where(d => d.NodePools.Contains(p.Role)).Select(d => d.Name))])));

        text.Append("## Components\n\n");
        text.Append("In install order. A wave starts when every Application of the earlier waves is Healthy.\n\n");
        text.Append(Markdown.Table(["component", "namespace", "zone", "step", "wave", "waits for", "charts", "owner"],
            model.Applications.OrderBy(a => a.Wave).ThenBy(a => a.Name, StringComparer.Ordinal).Select(a =>
            {
                var declaration = model.Declarations.FirstOrDefault(d => d.Name == a.Name);
                var parts = a.Parts.Select(model.Part).ToList();
                return (IReadOnlyList<string>)[$"`{a.Name}`", a.Namespace, string.Join(", ", parts.Select(p => p.Zone).Distinct(StringComparer.Ordinal)),
                    $"{a.Step}", $"{a.Wave}", a.DependsOn.Count == 0 ? "–" : string.Join(", ", a.DependsOn),
                    declaration is null || declaration.Charts.Count == 0 ? "Helix's own objects" : string.Join(", ", declaration.Charts.Select(c => $"{c.Chart} {c.Version}")),
                    string.Join(", ", parts.Select(p => p.Owner).Distinct())];
            })));
        var terraform = model.Parts.Where(p => p.Owner == Owner.Terraform).Select(p => p.Name).ToList();
        if (terraform.Count > 0)
        {
            text.Append("Terraform owns, outside the GitOps tree: ").Append(string.Join(", ", terraform)).Append(".\n\n");
        }

        text.Append("## Secrets and who creates them\n\n");
        text.Append("The operator's are made with `helix secrets --script` (a value several Secrets share is made once) and committed\n");
        text.Append("SOPS-encrypted under `secrets/`; none is in the repository in plain text. Controllers write theirs when they run.\n\n");
        text.Append(Markdown.Table(["namespace", "Secret", "keys", "created by", "for"],
            model.Secrets().Select(s => (IReadOnlyList<string>)[s.Namespace, $"`{s.Name}`", string.Join(", ", s.Keys), s.Creator.ToString().ToLowerInvariant(), s.Why])));

        text.Append("## Tenants\n\n");
        text.Append(spec.Tenants.Count == 0 ? "None yet.\n\n" : Markdown.Table(["tenant", "team", "zone", "quota (cpu, memory, pods)", "flows"],
            spec.Tenants.Select(t => (IReadOnlyList<string>)[t.Name, t.Team, t.Zone, $"{t.Quota.Cpu}, {t.Quota.Memory}, {t.Quota.Pods}",
                t.Flows.Count == 0 ? "–" : string.Join(", ", t.Flows.Select(f => $"{f.To}:{f.Port}"))])));

        text.Append("## How to\n\n");
        text.Append("- **Add a tenant**: `helix onboard <name> --team <team>` (or a `tenants:` entry), `helix render`, commit. The tenant gets a\n");
        text.Append("  namespace with quota, Pod Security `restricted`, default-deny policies, and an Argo CD project fenced to it.\n");
        text.Append("- **Add a route**: a `routes:` entry (host under one of `domains:`, `to:` an app or platform UI, `auth: sso | public | webhook`),\n");
        text.Append("  `helix render`: the IngressRoute, its certificate and the network policy that lets Traefik reach the target follow.\n");
        text.Append("- **Add a component**: one file in `src/Helix.Platform/Components/` implementing `IComponent` (its declaration: namespace,\n");
        text.Append("  zone, step, chart pin, flows, Secrets, node pools, storage), registered in `PlatformComponents`, and its tests.\n");
        text.Append("- **Bump a chart**: change its `ChartPin` in its component, `helix verify` (renders the chart for real), commit.\n");
        return text.ToString();
    }
}
