using System.Text.Json.Nodes;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;

namespace Helix.Platform.Components;

/// <summary>Seed step 3: cert-manager, with Let's Encrypt staging and production issuers over Route 53 DNS-01.</summary>
internal sealed class CertManager : IComponent
{
    public const string Name = "cert-manager";
    public const string Namespace = "cert-manager";
    public static readonly ChartPin Pin = new("https://charts.jetstack.io", "cert-manager", "v1.21.1");

    /// <summary>The DNS-over-HTTPS resolver cert-manager checks its DNS-01 records with.</summary>
    public const string SelfCheckResolver = "https://cloudflare-dns.com/dns-query";

    public static readonly CrdKind Certificate = new("cert-manager.io", "Certificate");
    private static readonly CrdKind ClusterIssuer = new("cert-manager.io", "ClusterIssuer");
    private const string Route53Secret = "cert-manager-route53";

    private static readonly (CertificateIssuer Issuer, string Directory)[] Issuers =
    [
        (CertificateIssuer.LetsencryptStaging, "https://acme-staging-v02.api.letsencrypt.org/directory"),
        (CertificateIssuer.LetsencryptProduction, "https://acme-v02.api.letsencrypt.org/directory"),
    ];

    public static string IssuerName(CertificateIssuer issuer) => SpecBinder.Kebab(issuer.ToString());

    public ComponentDeclaration Declare(PlatformSpec spec) => new()
    {
        Name = Name,
        Namespace = Namespace,
        Step = 3,
        Parts = [new(Name, Namespace, "platform", [Cilium.Name])],
        Charts = [Pin],
        Metrics = [new(Name, 9402)],
        PeerFlows =
        [
            PeerFlow.KubernetesApi(Name),
            PeerFlow.AdmissionWebhook(Name, 10250),
            new(Name, Peer.World, true, [443], "ACME and Route 53 DNS-01",
                [.. Issuers.Select(i => new Uri(i.Directory).Host).Reverse(), "route53.amazonaws.com", "sts.amazonaws.com"]),
            new(Name, Peer.World, true, [443], "the DNS-01 self-check, over DNS-over-HTTPS", [new Uri(SelfCheckResolver).Host]),
        ],
        Secrets =
        [
            new(Namespace, Route53Secret, ["access-key-id", "secret-access-key"], SecretCreator.Operator, "DNS-01 answers in Route 53")
            {
                Sources = new Dictionary<string, KeySource>(StringComparer.Ordinal)
                {
                    ["access-key-id"] = KeySource.Issued("an IAM access key that may change the domains' Route 53 records"),
                    ["secret-access-key"] = KeySource.Issued("the same IAM access key's secret"),
                },
            },
            .. Issuers.Select(i => new SecretNeed(Namespace, $"{IssuerName(i.Issuer)}-account", ["tls.key"], SecretCreator.Controller, "the ACME account key")),
        ],
        CrdsInstalled = [Certificate, ClusterIssuer, new("cert-manager.io", "Issuer")],
        CrdsUsed = [ClusterIssuer, MonitoringCrds.ServiceMonitor],
    };

    public ComponentRender Render(PlatformModel model)
    {
        var spec = model.Spec;
        var issuers = Issuers
            .Select(i => (object)new Resource<ClusterIssuerSpec>("cert-manager.io/v1", "ClusterIssuer",
                Meta.Object(IssuerName(i.Issuer), null, Name, annotations: Meta.Wave(1)),
                new ClusterIssuerSpec(new AcmeIssuer(
                    $"hostmaster@{spec.Domains[0].Name}",
                    i.Directory,
                    new NameRef($"{IssuerName(i.Issuer)}-account"),
                    // DNS-01: the load balancer answers HTTPS only, so HTTP-01 cannot reach Traefik.
                    [new AcmeSolver(new AcmeDns01(new Route53Solver(spec.Infra.Aws.Region,
                        new SecretKeyRef(Route53Secret, "access-key-id"),
                        new SecretKeyRef(Route53Secret, "secret-access-key"))))])))).ToList();
        return new ComponentRender(
        [
            new(Pin, Name, new JsonObject
            {
                ["crds"] = new JsonObject { ["enabled"] = true, ["keep"] = true },
                // The self-check would ask the zone's authoritative name servers on port 53, which default-deny
                // egress does not open (and FQDN rules cannot name): it asks a resolver over HTTPS instead.
                ["extraArgs"] = new JsonArray("--dns01-recursive-nameservers-only", $"--dns01-recursive-nameservers={SelfCheckResolver}"),
                ["replicaCount"] = 2,
                ["webhook"] = new JsonObject { ["replicaCount"] = 2 },
                ["cainjector"] = new JsonObject { ["replicaCount"] = 2 },
                ["podDisruptionBudget"] = new JsonObject { ["enabled"] = true, ["minAvailable"] = 1 },
                ["prometheus"] = new JsonObject { ["enabled"] = true, ["servicemonitor"] = new JsonObject { ["enabled"] = true } },
            }),
        ],
        [new ManifestFile("cluster-issuers.yaml", issuers)]);
    }
}
