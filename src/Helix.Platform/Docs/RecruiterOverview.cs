using System.Text;
using Helix.Platform.Model;

namespace Helix.Platform.Docs;

/// <summary><c>recruiter-overview.md</c>: what the platform is and does, in plain language, with one picture.</summary>
internal static class RecruiterOverview
{
    public const string Path = "docs/architecture/recruiter-overview.md";

    public static string Render(PlatformModel model, CostReport cost)
    {
        var spec = model.Spec;
        var nodes = spec.NodePools.Sum(p => p.Count);
        var text = new StringBuilder(Markdown.Header);
        text.Append("# ").Append(spec.Name).Append(": the platform in plain words\n\n");
        text.Append($"`{spec.Name}` runs other teams' software for them. It is a Kubernetes cluster of {nodes} servers at Hetzner, on\n");
        text.Append("Talos Linux (an operating system with no shell to log in to), described entirely as code: one file describes\n");
        text.Append("it, and the tool Helix turns that file into everything the cluster runs, then checks the result before anyone\n");
        text.Append("applies it. Changes go through Git; Argo CD copies what Git says into the cluster.\n\n");
        text.Append("What it gives the teams on it:\n\n");
        text.Append($"- **A place of their own**: {spec.Tenants.Count} team(s) today, each in its own namespace with a quota, fenced off from the others.\n");
        text.Append($"- **Web addresses with certificates**: {spec.Domains.Count} domain(s), {model.Routes.Count} public route(s); internal tools sit behind single sign-on.\n");
        text.Append("- **Databases and queues that survive a server failure**: PostgreSQL with a standby and backups, Redis, NATS.\n");
        text.Append("- **Only trusted software**: every image must be signed by the platform's build; anything else is refused.\n");
        text.Append("- **Nothing talks to anything by default**: each connection is allowed explicitly, and the allowed ones are listed.\n");
        text.Append("- **A safety net**: when a release makes an application unhealthy, a service proposes the rollback as a pull request.\n\n");
        text.Append("```mermaid\nflowchart LR\n  people([Users and partners]) --> entry[\"Web entry<br/>certificates and sign-in\"]\n");
        text.Append("  entry --> apps[\"Teams' applications\"]\n  apps --> data[(\"Databases, cache, queues\")]\n");
        text.Append("  git[(\"Git: the platform as code\")] --> argo[\"Argo CD\"] --> apps\n  watch[\"Monitoring\"] -.-> apps\n");
        text.Append("  watch -.->|alerts| rollback[\"Rollback proposals\"] -.-> git\n```\n\n");
        text.Append($"In numbers: {model.Declarations.Count} components, {model.Declarations.SelectMany(d => d.Charts).Distinct().Count()} upstream packages at pinned versions, ");
        text.Append($"{model.Flows.Count} allowed internal connections, about {Markdown.Money(cost.Total, cost.Currency)} a month in cloud costs ");
        text.Append("([cost-time-complexity.md](cost-time-complexity.md)).\n");
        return text.ToString();
    }
}
