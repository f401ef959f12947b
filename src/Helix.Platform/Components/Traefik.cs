using System.Text.Json.Nodes;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;

namespace Helix.Platform.Components;

/// <summary>
/// Seed step 3: Traefik, the only way in: a NodePort behind the Hetzner load balancer (proxy
/// protocol), Authentik's ForwardAuth middleware and the security headers every route carries.
/// </summary>
internal sealed class Traefik : IComponent
{
    public const string Name = "traefik";
    public const string Namespace = "traefik";
    public static readonly ChartPin Pin = new("https://traefik.github.io/charts", "traefik", "41.3.0");

    /// <summary>The node port the public load balancer (Terraform's) forwards 443 to.</summary>
    public const int WebsecureNodePort = 30443;

    /// <summary>The port Traefik's pods listen on for HTTPS (the chart's <c>websecure</c> entry point).</summary>
    private const int WebsecurePort = 8443;

    /// <summary>The ForwardAuth middleware every <c>sso</c> route carries, and the headers of every route.</summary>
    public const string ForwardAuthMiddleware = "authentik";

    /// <summary>The HTTPS entry point: the only one routes are served on.</summary>
    public const string SecureEntryPoint = "websecure";
    private const string HeadersMiddleware = "security-headers";

    public static readonly CrdKind IngressRoute = new("traefik.io", "IngressRoute");
    private static readonly CrdKind Middleware = new("traefik.io", "Middleware");

    public ComponentDeclaration Declare(PlatformSpec spec) => new()
    {
        Name = Name,
        Namespace = Namespace,
        Step = 3,
        Parts = [new(Name, Namespace, "platform", [CertManager.Name])],
        Charts = [Pin],
        Flows = [new(Name, Authentik.Name, Authentik.Port, "ForwardAuth")],
        Metrics = [new(Name, 9100)],
        PeerFlows =
        [
            PeerFlow.KubernetesApi(Name),
            new(Name, Peer.World, false, [WebsecurePort], "HTTPS from the load balancer (proxy protocol)", []),
        ],
        CrdsInstalled = [IngressRoute, Middleware, new("traefik.io", "TLSOption")],
        CrdsUsed = [Middleware, MonitoringCrds.ServiceMonitor],
    };

    public ComponentRender Render(PlatformModel model)
    {
        var spec = model.Spec;
        var forwardAuth = new Resource<MiddlewareSpec>("traefik.io/v1alpha1", "Middleware",
            Meta.Object(ForwardAuthMiddleware, Namespace, Name, annotations: Meta.Wave(1)),
            new MiddlewareSpec(ForwardAuth: new ForwardAuth(
                $"{Authentik.ServerUrl}{Authentik.OutpostPath}auth/traefik",
                true,
                ["X-authentik-username", "X-authentik-groups", "X-authentik-entitlements", "X-authentik-email", "X-authentik-name", "X-authentik-uid", "X-authentik-jwt",
                    AuthentikBlueprint.GrafanaRoleHeader])));
        var headers = new Resource<MiddlewareSpec>("traefik.io/v1alpha1", "Middleware",
            Meta.Object(HeadersMiddleware, Namespace, Name, annotations: Meta.Wave(1)),
            new MiddlewareSpec(Headers: new TraefikHeaders(true, 31536000, true, "strict-origin-when-cross-origin", true)));
        return new ComponentRender(
        [
            new(Pin, Name, new JsonObject
            {
                ["deployment"] = new JsonObject { ["replicas"] = 2 },
                ["podDisruptionBudget"] = new JsonObject { ["enabled"] = true, ["maxUnavailable"] = 1 },
                // The Hetzner load balancer (Terraform's) forwards 443 to this node port with proxy protocol. The
                // chart reads the Service's type from service.spec (a service.type is silently ignored, and a
                // LoadBalancer nothing provisions keeps the Application Progressing).
                ["service"] = new JsonObject { ["spec"] = new JsonObject { ["type"] = "NodePort" } },
                ["ports"] = new JsonObject
                {
                    ["web"] = new JsonObject { ["expose"] = new JsonObject { ["default"] = false } },
                    [SecureEntryPoint] = new JsonObject
                    {
                        ["nodePort"] = WebsecureNodePort,
                        ["proxyProtocol"] = new JsonObject { ["trustedIPs"] = new JsonArray(spec.Infra.Hetzner.NetworkCidr) },
                        ["forwardedHeaders"] = new JsonObject { ["trustedIPs"] = new JsonArray(spec.Infra.Hetzner.NetworkCidr) },
                        ["http"] = new JsonObject { ["middlewares"] = new JsonArray($"{Namespace}-{HeadersMiddleware}@kubernetescrd") },
                    },
                },
                ["providers"] = new JsonObject
                {
                    ["kubernetesCRD"] = new JsonObject { ["enabled"] = true, ["allowCrossNamespace"] = true },
                    ["kubernetesIngress"] = new JsonObject { ["enabled"] = false },
                },
                ["ingressRoute"] = new JsonObject { ["dashboard"] = new JsonObject { ["enabled"] = false } },
                ["accessLog"] = new JsonObject { ["enabled"] = true, ["format"] = "json" },
                ["metrics"] = new JsonObject { ["prometheus"] = new JsonObject { ["serviceMonitor"] = new JsonObject { ["enabled"] = true } } },
                // No calls home from the edge: neither the version check nor usage data.
                ["global"] = new JsonObject { ["checkNewVersion"] = false, ["sendAnonymousUsage"] = false },
            }),
        ],
        [
            new ManifestFile("authentik-middleware.yaml", [forwardAuth]),
            new ManifestFile("security-headers.yaml", [headers]),
        ]);
    }
}
