using System.Text.Json.Nodes;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;
using k8s.Models;

namespace Helix.Platform.Components;

/// <summary>
/// Seed step 7, Kyverno: keyless cosign signatures from the CI's identity on every image of the app
/// zone, images only from the allowed registries, and Pod Security (restricted for apps, baseline
/// for the platform), in the spec's mode (audit first, then enforce). Next to the policies, a
/// Kyverno CLI suite (<c>tests/</c>, not synced) with pods that must pass and pods that must fail.
/// </summary>
internal sealed class Kyverno : IComponent
{
    /// <summary>The Application (and folder, <c>gitops/platform/policies</c>, which the seed links).</summary>
    public const string Name = "policies";
    public const string Namespace = "kyverno";
    /// <summary>The policy engine's part.</summary>
    public const string Engine = "kyverno";
    public static readonly ChartPin Pin = new("https://kyverno.github.io/kyverno/", "kyverno", "3.6.4");
    private static readonly CrdKind ClusterPolicy = new("kyverno.io", "ClusterPolicy");

    public const string VerifyImagesPolicy = "verify-image-signatures";
    public const string RegistriesPolicy = "restrict-image-registries";
    public const string RestrictedPolicy = "pod-security-restricted";
    public const string BaselinePolicy = "pod-security-baseline";

    /// <summary>Namespaces whose images must be signed: the app zone (Helix's apps, Ollama, Steel, tenants).</summary>
    public static IReadOnlyList<string> Covered(PlatformModel model) =>
        model.Namespaces().Where(n => n.Zone == "app").Select(n => n.Namespace).ToList();

    private static List<string> Baseline(PlatformModel model) =>
        model.Namespaces().Where(n => Components.Pods.PodSecurity(n.Namespace, n.Zone) == "baseline").Select(n => n.Namespace).ToList();

    public ComponentDeclaration Declare(PlatformSpec spec) => new()
    {
        Name = Name,
        Namespace = Namespace,
        Step = 7,
        Parts = [new(Engine, Namespace, "platform", [Observability.Prometheus])],
        Charts = [Pin],
        Metrics = [new(Engine, 8000)],
        PeerFlows =
        [
            PeerFlow.KubernetesApi(Engine),
            PeerFlow.AdmissionWebhook(Engine, 9443),
            new(Engine, Peer.World, true, [443], "image signatures and the transparency log",
                ["ghcr.io", "pkg-containers.githubusercontent.com", "rekor.sigstore.dev", "tuf-repo-cdn.sigstore.dev"]),
        ],
        CrdsInstalled = [ClusterPolicy, new("kyverno.io", "Policy"), new("kyverno.io", "PolicyException")],
        CrdsUsed = [ClusterPolicy],
    };

    public ComponentRender Render(PlatformModel model) => new(
    [
        new(Pin, Engine, new JsonObject
        {
            ["admissionController"] = new JsonObject { ["replicas"] = 3, ["serviceMonitor"] = new JsonObject { ["enabled"] = true } },
            ["backgroundController"] = new JsonObject { ["replicas"] = 2, ["serviceMonitor"] = new JsonObject { ["enabled"] = true } },
            ["cleanupController"] = new JsonObject { ["replicas"] = 2, ["serviceMonitor"] = new JsonObject { ["enabled"] = true } },
            ["reportsController"] = new JsonObject { ["replicas"] = 2, ["serviceMonitor"] = new JsonObject { ["enabled"] = true } },
        }),
    ],
    [
        new ManifestFile("verify-images.yaml", [VerifyImages(model)]),
        new ManifestFile("restrict-registries.yaml", [Registries(model)]),
        new ManifestFile("pod-security.yaml", [PodSecurity(RestrictedPolicy, "restricted", Covered(model), model), PodSecurity(BaselinePolicy, "baseline", Baseline(model), model)]),
    ])
    {
        Unsynced = [.. TestSuite(model).Select(f => new UnsyncedFile($"tests/{f.Name}", f.Text))],
    };

    /// <summary>Kyverno CLI suite: <c>kyverno test gitops/platform/policies/tests</c>.</summary>
    private static IEnumerable<(string Name, string Text)> TestSuite(PlatformModel model)
    {
        var registry = model.Spec.SupplyChain.Registries[0];
        var ns = Covered(model)[0];
        var good = Pod("good-pod", ns, $"{registry}/app:1.0.0", nonRoot: true);
        var unknownRegistry = Pod("pod-from-elsewhere", ns, "docker.io/library/nginx:1.27", nonRoot: true);
        var root = Pod("pod-as-root", ns, $"{registry}/app:1.0.0", nonRoot: false);
        var test = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["apiVersion"] = "cli.kyverno.io/v1alpha1",
            ["kind"] = "Test",
            ["metadata"] = new Dictionary<string, object> { ["name"] = "helix-policies" },
            ["policies"] = new[] { "../base/restrict-registries.yaml", "../base/pod-security.yaml" },
            ["resources"] = new[] { "resources.yaml" },
            ["results"] = new object[]
            {
                Result(RegistriesPolicy, "allowed-registries", "good-pod", "pass"),
                Result(RegistriesPolicy, "allowed-registries", "pod-from-elsewhere", "fail"),
                Result(RestrictedPolicy, "restricted", "good-pod", "pass"),
                Result(RestrictedPolicy, "restricted", "pod-as-root", "fail"),
            },
        };
        yield return ("kyverno-test.yaml", YamlWriter.Write(test));
        yield return ("resources.yaml", YamlWriter.WriteAll([good, unknownRegistry, root]));
    }

    private static Dictionary<string, object> Result(string policy, string rule, string resource, string result) => new(StringComparer.Ordinal)
    {
        ["policy"] = policy,
        ["rule"] = rule,
        ["resources"] = new[] { resource },
        ["kind"] = "Pod",
        ["result"] = result,
    };

    private static V1Pod Pod(string name, string ns, string image, bool nonRoot) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1PodSpec
        {
            SecurityContext = new V1PodSecurityContext { RunAsNonRoot = nonRoot, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } },
            Containers =
            [
                new V1Container
                {
                    Name = "app",
                    Image = image,
                    SecurityContext = new V1SecurityContext { AllowPrivilegeEscalation = false, Capabilities = new V1Capabilities { Drop = ["ALL"] } },
                },
            ],
        },
    };

    private static string Action(PlatformSpec spec) => spec.SupplyChain.Mode == PolicyMode.Enforce ? "Enforce" : "Audit";

    private static KyvernoMatch Pods(IReadOnlyList<string> namespaces) => new([new KyvernoFilter(new KyvernoResources(["Pod"], namespaces))]);

    private static Resource<ClusterPolicySpec> VerifyImages(PlatformModel model)
    {
        var spec = model.Spec;
        return new("kyverno.io/v1", "ClusterPolicy",
            Meta.Object(VerifyImagesPolicy, null, Name),
            new ClusterPolicySpec(false, 30,
            [
                new KyvernoRule("cosign-keyless", Pods(Covered(model)), VerifyImages:
                [
                    new VerifyImages(
                        spec.SupplyChain.Registries.Select(r => $"{r}/*").ToList(),
                        // Kyverno refuses mutateDigest in Audit mode (and the mutation would leave Argo CD OutOfSync while only auditing).
                        Action(spec), MutateDigest: spec.SupplyChain.Mode == PolicyMode.Enforce, VerifyDigest: true, Required: true,
                        [new Attestor([new AttestorEntry(new KeylessAttestor(spec.SupplyChain.Cosign.Subject, spec.SupplyChain.Cosign.Issuer, new RekorLog("https://rekor.sigstore.dev")))])]),
                ]),
            ]));
    }

    private static Resource<ClusterPolicySpec> Registries(PlatformModel model)
    {
        var allowed = string.Join(" | ", model.Spec.SupplyChain.Registries.Select(r => $"{r}/*"));
        JsonObject Images() => new() { ["image"] = allowed };
        return new("kyverno.io/v1", "ClusterPolicy",
            Meta.Object(RegistriesPolicy, null, Name),
            new ClusterPolicySpec(true, 10,
            [
                new KyvernoRule("allowed-registries", Pods(Covered(model)), Validate: new KyvernoValidate(Action(model.Spec),
                    $"images must come from {allowed}",
                    new JsonObject
                    {
                        ["spec"] = new JsonObject
                        {
                            ["=(initContainers)"] = new JsonArray(Images()),
                            ["containers"] = new JsonArray(Images()),
                        },
                    })),
            ]));
    }

    private static Resource<ClusterPolicySpec> PodSecurity(string name, string level, IReadOnlyList<string> namespaces, PlatformModel model) => new("kyverno.io/v1", "ClusterPolicy",
        Meta.Object(name, null, Name),
        new ClusterPolicySpec(true, 10,
        [
            new KyvernoRule(level, Pods(namespaces), Validate: new KyvernoValidate(Action(model.Spec),
                $"pods here follow the {level} Pod Security Standard", PodSecurity: new PodSecurityCheck(level, "latest"))),
        ]));
}
