using Helix.Platform.Spec;

namespace Helix.Platform.Rendering;

/// <summary>
/// Seed step 9: one IngressRoute per route of the spec and a certificate per domain. Every
/// <c>sso</c> route passes Authentik's ForwardAuth; <c>webhook</c> routes go straight to the
/// receiver, which checks each delivery's signature; <c>public</c> routes carry no gate.
/// </summary>
internal static class Ingress
{
    public const string Namespace = "traefik";
    private const string AuthentikOutpostPath = "/outpost.goauthentik.io/";

    public static ComponentRender Render(PlatformSpec spec)
    {
        var certificates = spec.Domains.Select(d => (object)new Resource<CertificateSpec>("cert-manager.io/v1", "Certificate",
            Meta.Object(TlsSecret(d.Name), Namespace, "ingress"),
            new CertificateSpec(TlsSecret(d.Name),
                new IssuerRef(SpecBinder.Kebab(d.Issuer.ToString()), "ClusterIssuer", "cert-manager.io"),
                [d.Name, $"*.{d.Name}"],
                new CertificatePrivateKey("ECDSA", "Always")))).ToList();
        var routes = spec.Routes
            .OrderBy(r => r.Host, StringComparer.Ordinal).ThenBy(r => r.Path, StringComparer.Ordinal)
            .Select(r => (object)Route(spec, r)).ToList();
        return new ComponentRender(Namespace, [],
        [
            new ManifestFile("certificates.yaml", certificates),
            new ManifestFile("ingress-routes.yaml", routes),
        ]);
    }

    /// <summary>The name of an IngressRoute: its host, and its path when not the root.</summary>
    public static string RouteName(RouteSpec route) =>
        (route.Host.Replace('.', '-') + (route.Path == "/" ? "" : "-" + route.Path.Trim('/').Replace('/', '-'))).ToLowerInvariant();

    private static Resource<IngressRouteSpec> Route(PlatformSpec spec, RouteSpec route)
    {
        var target = Target(spec, route.To);
        var match = route.Path == "/" ? $"Host(`{route.Host}`)" : $"Host(`{route.Host}`) && PathPrefix(`{route.Path}`)";
        var rules = new List<TraefikRoute>();
        if (route.Auth == RouteAuth.Sso)
        {
            // Authentik's outpost answers its own callback path on every protected host.
            rules.Add(new TraefikRoute($"Host(`{route.Host}`) && PathPrefix(`{AuthentikOutpostPath}`)", "Rule",
                [Target(spec, "authentik")], Priority: 1000));
            rules.Add(new TraefikRoute(match, "Rule", [target], [new TraefikMiddlewareRef(PlatformComponents.ForwardAuthMiddleware, Namespace)]));
        }
        else
        {
            rules.Add(new TraefikRoute(match, "Rule", [target]));
        }
        var domain = spec.Domains.Where(d => route.Host == d.Name || route.Host.EndsWith("." + d.Name, StringComparison.Ordinal))
            .OrderByDescending(d => d.Name.Length).First();
        return new Resource<IngressRouteSpec>("traefik.io/v1alpha1", "IngressRoute",
            Meta.Object(RouteName(route), Namespace, "ingress", new Dictionary<string, string> { ["helix.io/auth"] = SpecBinder.Kebab(route.Auth.ToString()) }),
            new IngressRouteSpec(["websecure"], rules, new TraefikTls(TlsSecret(domain.Name))));
    }

    /// <summary>The Service behind a route target: Helix's apps and the platform's UIs.</summary>
    private static TraefikService Target(PlatformSpec spec, string to) => to switch
    {
        "argocd" => new("argocd-server", "argocd", 80),
        "devtron" => new("devtron-service", "devtroncd", 80),
        "grafana" => new("monitoring-grafana", "monitoring", 80),
        "authentik" => new("authentik-server", "authentik", 80),
        _ => spec.Apps.First(a => a.Name == to) is var app ? new(app.Name, app.Namespace, Workloads.ServicePort(app)) : throw new InvalidOperationException(to),
    };

    public static string TlsSecret(string domain) => domain.Replace('.', '-') + "-tls";
}
