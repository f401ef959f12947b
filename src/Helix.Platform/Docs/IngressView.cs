using System.Text;
using Helix.Platform.Components;
using Helix.Platform.Model;
using Helix.Platform.Spec;

namespace Helix.Platform.Docs;

/// <summary><c>multi-domain-ingress.md</c>: every domain, host and route, how each is authenticated and certified, and the path a request takes.</summary>
internal static class IngressView
{
    public const string Path = "docs/architecture/multi-domain-ingress.md";

    public static string Render(PlatformModel model)
    {
        var spec = model.Spec;
        var text = new StringBuilder(Markdown.Header);
        text.Append("# Multi-domain ingress: ").Append(spec.Name).Append("\n\n");
        text.Append("One public entry: the ingress load balancer (HTTPS on 443 only, proxy protocol) to Traefik's node port\n");
        text.Append($"{Traefik.WebsecureNodePort}; Traefik matches host and path, applies the route's middleware and calls the target Service.\n\n");

        text.Append("## Domains\n\n");
        text.Append(Markdown.Table(["domain", "certificate (Secret in `traefik`)", "names", "issuer", "DNS"],
            spec.Domains.Select(d => (IReadOnlyList<string>)[d.Name, $"`{Ingress.TlsSecret(d.Name)}`", $"{d.Name}, *.{d.Name}",
                $"`{CertManager.IssuerName(d.Issuer)}` (ACME DNS-01, Route 53)", "Route 53 zone, records by Terraform"])));

        text.Append("## Routes\n\n");
        text.Append(Markdown.Table(["host", "path", "goes to", "authentication", "middlewares", "certificate"],
            model.Routes.OrderBy(r => r.Route.Host, StringComparer.Ordinal).ThenBy(r => r.Route.Path, StringComparer.Ordinal).Select(r =>
                (IReadOnlyList<string>)[r.Route.Host, r.Route.Path, $"`{r.Target.Service}.{r.Target.Namespace}:{r.Target.ServicePort}`", Auth(r.Route.Auth),
                    r.Route.Auth == RouteAuth.Sso ? $"`{Traefik.ForwardAuthMiddleware}` (ForwardAuth)" : "–", $"`{Ingress.TlsSecret(r.Domain.Name)}`"])));

        text.Append("## A request's path\n\n");
        var sso = model.Routes.FirstOrDefault(r => r.Route.Auth == RouteAuth.Sso);
        var hook = model.Routes.FirstOrDefault(r => r.Route.Auth == RouteAuth.Webhook);
        text.Append("```mermaid\nsequenceDiagram\n  participant U as Browser or sender\n  participant LB as Load balancer :443\n");
        text.Append($"  participant T as Traefik :{Traefik.WebsecureNodePort}\n  participant A as Authentik outpost\n  participant S as Target Service\n");
        if (sso is not null)
        {
            text.Append($"  U->>LB: GET https://{sso.Route.Host}{sso.Route.Path}\n  LB->>T: TCP, proxy protocol\n");
            text.Append($"  T->>A: ForwardAuth ({Traefik.ForwardAuthMiddleware})\n");
            text.Append("  alt not signed in\n    A-->>U: 302 to the Authentik login\n  else signed in\n");
            text.Append($"    A-->>T: 200 with the user's headers\n    T->>S: {sso.Target.Service}:{sso.Target.ServicePort}\n    S-->>U: the page\n  end\n");
        }
        if (hook is not null)
        {
            text.Append($"  U->>LB: POST https://{hook.Route.Host}{hook.Route.Path}/...\n  LB->>T: TCP, proxy protocol\n");
            text.Append($"  T->>S: {hook.Target.Service}:{hook.Target.ServicePort} (no gate: the receiver checks the signature)\n  S-->>U: 200, 401 or 503\n");
        }
        text.Append("```\n");
        return text.ToString();
    }

    private static string Auth(RouteAuth auth) => auth switch
    {
        RouteAuth.Sso => "SSO: Authentik ForwardAuth, 302 to sign in",
        RouteAuth.Webhook => "webhook signature, checked by the receiver",
        _ => "none (public)",
    };
}
