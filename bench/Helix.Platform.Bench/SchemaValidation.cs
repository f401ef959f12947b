using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Helix.Platform.Verification;

namespace Helix.Platform.Bench;

/// <summary>
/// Resources validated per second against the embedded CRD schemas: one operation validates 1,000
/// valid resources of four kinds the platform renders, on one thread and on both cores.
/// (kubeconform publishes about 7,500 resources/s with 8 workers on a 4-core laptop.)
/// </summary>
[MemoryDiagnoser]
public class SchemaValidation
{
    public const int Resources = 1000;

    private static readonly string[] Samples =
    [
        """
            {"apiVersion":"argoproj.io/v1alpha1","kind":"Application","metadata":{"name":"cilium","namespace":"argocd",
            "annotations":{"argocd.argoproj.io/sync-wave":"2"}},"spec":{"project":"platform","source":{"repoURL":"https://helm.cilium.io",
            "chart":"cilium","targetRevision":"1.16.5","helm":{"valuesObject":{"kubeProxyReplacement":true,"hubble":{"enabled":true}}}},
            "destination":{"server":"https://kubernetes.default.svc","namespace":"kube-system"},"syncPolicy":{"automated":{"prune":true,
            "selfHeal":true},"syncOptions":["ServerSideApply=true"]}}}
            """,
        """
            {"apiVersion":"cilium.io/v2","kind":"CiliumNetworkPolicy","metadata":{"name":"allow-orchestrator","namespace":"postgres"},
            "spec":{"endpointSelector":{"matchLabels":{"cnpg.io/poolerName":"pooler"}},"ingress":[{"fromEndpoints":[{"matchLabels":{"k8s:io.kubernetes.pod.namespace":"helix-orchestrator"}}],
            "toPorts":[{"ports":[{"port":"5432","protocol":"TCP"}]}]}]}}
            """,
        """
            {"apiVersion":"cert-manager.io/v1","kind":"Certificate","metadata":{"name":"helix-example-com","namespace":"traefik"},
            "spec":{"secretName":"helix-example-com-tls","issuerRef":{"name":"letsencrypt-production","kind":"ClusterIssuer"},"dnsNames":["helix.example.com","*.helix.example.com"]}}
            """,
        """
            {"apiVersion":"monitoring.coreos.com/v1","kind":"ServiceMonitor","metadata":{"name":"webhook-receiver","namespace":"helix-webhooks"},
            "spec":{"selector":{"matchLabels":{"app.kubernetes.io/name":"webhook-receiver"}},"endpoints":[{"port":"http","path":"/metrics","interval":"30s"}]}}
            """,
    ];

    private JsonElement[] _resources = [];
    private DirectoryInfo? _tree;

    [GlobalSetup]
    public void Setup()
    {
        _resources = Enumerable.Range(0, Resources).Select(i => JsonDocument.Parse(Samples[i % Samples.Length]).RootElement.Clone()).ToArray();
        // Schemas are loaded once per process, as in `helix verify`; not part of the rate.
        if (_resources.Any(r => CrdSchemas.Validate("bench.yaml", r).Any()))
        {
            throw new InvalidOperationException("a benchmark resource is not valid: the rate would measure error reporting");
        }

        // The same 1,000 resources as a tree on disk: 100 files of 10 YAML documents, as kubeconform reads them.
        _tree = Directory.CreateTempSubdirectory("helix-bench-tree-");
        for (var file = 0; file < Resources / 10; file++)
        {
            var documents = Enumerable.Range(0, 10).Select(i => Yaml(Samples[(file * 10 + i) % Samples.Length]));
            File.WriteAllText(Path.Combine(_tree.FullName, $"f{file:D3}.yaml"), string.Join("---\n", documents));
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _tree?.Delete(recursive: true);

    [Benchmark(Description = "1,000 resources in 100 files: read, parse, validate (helix verify --tree)")]
    public int Tree() => TreeVerifier.Verify(_tree!.FullName).Count;

    // JSON is YAML; one document per line keeps the files realistic in size.
    private static string Yaml(string json) => json + "\n";

    [Benchmark(Description = "1,000 resources, one thread")]
    public int OneThread()
    {
        var findings = 0;
        foreach (var resource in _resources)
        {
            findings += CrdSchemas.Validate("bench.yaml", resource).Count();
        }
        return findings;
    }

    [Benchmark(Description = "1,000 resources, all cores")]
    public int AllCores()
    {
        var findings = 0;
        Parallel.ForEach(_resources, resource => Interlocked.Add(ref findings, CrdSchemas.Validate("bench.yaml", resource).Count()));
        return findings;
    }
}
