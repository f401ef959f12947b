using System.Text.Json.Nodes;
using k8s.Models;
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
    /// <summary>The service account whose token cert-manager exchanges for the Route 53 role (cert-manager's own account requests it).</summary>
    private const string Route53Account = "cert-manager-route53";

    /// <summary>The chart's controller account (release name cert-manager).</summary>
    private const string ControllerAccount = "cert-manager";

    /// <summary>DNS-01 in Route 53: change and list the domains' records, and wait for a change to sync.</summary>
    private static readonly AwsIdentity Route53 = new(Namespace, Route53Account, "DNS-01 answers in the domains' Route 53 zones",
    [
        new(AwsResource.DnsZones, ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"]),
        new(AwsResource.DnsAccount, ["route53:GetChange", "route53:ListHostedZonesByName"]),
    ]);

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
                [.. Issuers.Select(i => new Uri(i.Directory).Host).Reverse(), "route53.amazonaws.com", WorkloadIdentity.StsHost(spec)]),
            new(Name, Peer.World, true, [443], "the DNS-01 self-check, over DNS-over-HTTPS", [new Uri(SelfCheckResolver).Host]),
        ],
        Secrets =
        [
            .. Issuers.Select(i => new SecretNeed(Namespace, $"{IssuerName(i.Issuer)}-account", ["tls.key"], SecretCreator.Controller, "the ACME account key")),
        ],
        CrdsInstalled = [Certificate, ClusterIssuer, new("cert-manager.io", "Issuer")],
        CrdsUsed = [ClusterIssuer, MonitoringCrds.ServiceMonitor],
        AwsIdentities = [Route53],
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
                    // The role is assumed with a token cert-manager requests for its Route 53 account: no static key.
                    [new AcmeSolver(new AcmeDns01(new Route53Solver(spec.Infra.Aws.Region, Route53.RoleArn(spec),
                        new Route53Auth(new Route53Kubernetes(new Route53ServiceAccount(Route53Account, [WorkloadIdentity.Audience]))))))])))).ToList();
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
        [new ManifestFile("cluster-issuers.yaml", issuers), new ManifestFile("route53-identity.yaml", Route53Objects())]);
    }

    /// <summary>The Route 53 account, and the right of cert-manager's controller to request its tokens (and nothing else).</summary>
    private static List<object> Route53Objects()
    {
        const string TokenRequester = "cert-manager-route53-token";
        return
        [
            new V1ServiceAccount { ApiVersion = "v1", Kind = "ServiceAccount", Metadata = Meta.Object(Route53Account, Namespace, Name), AutomountServiceAccountToken = false },
            new V1Role
            {
                ApiVersion = "rbac.authorization.k8s.io/v1",
                Kind = "Role",
                Metadata = Meta.Object(TokenRequester, Namespace, Name),
                Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["serviceaccounts/token"], ResourceNames = [Route53Account], Verbs = ["create"] }],
            },
            new V1RoleBinding
            {
                ApiVersion = "rbac.authorization.k8s.io/v1",
                Kind = "RoleBinding",
                Metadata = Meta.Object(TokenRequester, Namespace, Name),
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = TokenRequester },
                Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = ControllerAccount, NamespaceProperty = Namespace }],
            },
        ];
    }
}
