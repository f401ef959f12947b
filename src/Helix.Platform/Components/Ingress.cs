using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;

namespace Helix.Platform.Components;

/// <summary>
/// Seed step 9: one IngressRoute per route of the spec and a certificate per domain. Every
/// <c>sso</c> route passes Authentik's ForwardAuth; <c>webhook</c> routes go straight to the
/// receiver, which checks each delivery's signature; <c>public</c> routes carry no gate.
/// </summary>
internal sealed class Ingress : IComponent
{
    public const string Name = "ingress";

    public ComponentDeclaration Declare(PlatformSpec spec) => new()
    {
        Name = Name,
        Namespace = Traefik.Namespace,
        Step = 9,
        Parts = [new(Name, Traefik.Namespace, "platform", [Traefik.Name, Authentik.Name, .. spec.Apps.Select(a => a.Name)])],
        Secrets = [.. spec.Domains.Select(d => new SecretNeed(Traefik.Namespace, TlsSecret(d.Name), ["tls.crt", "tls.key"], SecretCreator.Controller, $"the certificate of {d.Name} and *.{d.Name}"))],
        CrdsUsed = [CertManager.Certificate, Traefik.IngressRoute],
    };

    public ComponentRender Render(PlatformModel model)
    {
        var certificates = model.Spec.Domains.Select(d => (object)new Resource<CertificateSpec>("cert-manager.io/v1", "Certificate",
            Meta.Object(TlsSecret(d.Name), Traefik.Namespace, Name),
            new CertificateSpec(TlsSecret(d.Name),
                new IssuerRef(CertManager.IssuerName(d.Issuer), "ClusterIssuer", "cert-manager.io"),
                [d.Name, $"*.{d.Name}"],
                new CertificatePrivateKey("ECDSA", "Always")))).ToList();
        var routes = model.Routes
            .OrderBy(r => r.Route.Host, StringComparer.Ordinal).ThenBy(r => r.Route.Path, StringComparer.Ordinal)
            .Select(r => (object)Route(model, r)).ToList();
        return new ComponentRender([],
        [
            new ManifestFile("certificates.yaml", certificates),
            new ManifestFile("ingress-routes.yaml", routes),
        ]);
    }

    private static Resource<IngressRouteSpec> Route(PlatformModel model, ResolvedRoute resolved)
    {
        var route = resolved.Route;
        var target = Service(resolved.Target);
        var match = route.Path == "/" ? $"Host(`{route.Host}`)" : $"Host(`{route.Host}`) && PathPrefix(`{route.Path}`)";
        var rules = new List<TraefikRoute>();
        if (route.Auth == RouteAuth.Sso)
        {
            // Authentik's outpost answers its own callback path on every protected host.
            var outpost = model.Declaration(Authentik.Name).RouteTargets.Single();
            rules.Add(new TraefikRoute($"Host(`{route.Host}`) && PathPrefix(`{Authentik.OutpostPath}`)", "Rule", [Service(outpost)], Priority: 1000));
            rules.Add(new TraefikRoute(match, "Rule", [target], [new TraefikMiddlewareRef(Traefik.ForwardAuthMiddleware, Traefik.Namespace)]));
        }
        else
        {
            rules.Add(new TraefikRoute(match, "Rule", [target]));
        }
        return new Resource<IngressRouteSpec>("traefik.io/v1alpha1", "IngressRoute",
            Meta.Object(resolved.Name, Traefik.Namespace, Name, new Dictionary<string, string> { ["helix.io/auth"] = SpecBinder.Kebab(route.Auth.ToString()) }),
            new IngressRouteSpec([Traefik.SecureEntryPoint], rules, new TraefikTls(TlsSecret(resolved.Domain.Name))));
    }

    private static TraefikService Service(RouteTarget target) => new(target.Service, target.Namespace, target.ServicePort);

    public static string TlsSecret(string domain) => domain.Replace('.', '-') + "-tls";
}
