using Helix.Platform.Charts;
using Helix.Platform.Verification;
using Helix.Testing;

namespace Helix.Platform.Tests;

/// <summary>
/// Charts rendered with the real Helm v4 (scripts/tools.sh) from the upstream chart sources
/// (HELIX_CHARTS: ../shared/charts in CI), on small trees of Argo CD Applications: each class of
/// error a chart's real output shows, and what is fine.
/// </summary>
public sealed class ChartTests
{
    private const string Traefik = "https://traefik.github.io/charts";
    private const string Jetstack = "https://charts.jetstack.io";

    private static readonly string[] StackComponents =
    [
        "alertmanager", "grafana", "kubeStateMetrics", "nodeExporter", "prometheusOperator", "prometheus", "kubeApiServer", "kubelet",
        "kubeControllerManager", "coreDns", "kubeEtcd", "kubeScheduler", "kubeProxy",
    ];

    private static ChartReport Verify(IReadOnlyList<(string File, string Yaml)> files, Func<string, string?>? environment = null, string? outputCache = null)
    {
        TestEnvironment.Require("HELIX_HELM", "Helm v4 (scripts/tools.sh install)");
        var charts = new ChartCache(TestEnvironment.Require("HELIX_CHARTS", "the upstream chart sources (../shared/charts)"));
        var tree = TreeVerifier.Analyse([.. files.Select(f => f.File)], file => new StringReader(files.Single(f => f.File == file).Yaml));
        return ChartVerifier.Verify(tree.Objects, new ChartSettings(charts, "1.35.0", outputCache), environment ?? Environment.GetEnvironmentVariable);
    }

    private static ChartReport Verify(params string[] applications) =>
        Verify([.. applications.Select((yaml, i) => ($"gitops/platform/app{i}/application.yaml", yaml))]);

    /// <summary>An Argo CD Application installing one chart, values given as YAML lines.</summary>
    private static string App(string name, int wave, string repo, string chart, string version, string ns, string values) => $"""
        apiVersion: argoproj.io/v1alpha1
        kind: Application
        metadata:
          name: {name}
          namespace: argocd
          annotations:
            argocd.argoproj.io/sync-wave: "{wave}"
        spec:
          project: platform
          destination:
            server: https://kubernetes.default.svc
            namespace: {ns}
          sources:
            - repoURL: {repo}
              chart: {chart}
              targetRevision: {version}
              helm:
                releaseName: {name}
                valuesObject:
        {string.Join('\n', values.Split('\n').Select(line => "          " + line))}
        """;

    [Fact]
    [Trait("breaks", "chart-values")]
    public void MisspeltTraefikKeys_AreReported_WithTheKeyTheChartHas()
    {
        var report = Verify(App("traefik", 31, Traefik, "traefik", "36.3.0", "traefik", """
            ports:
              websecure:
                http:
                  middlewares: [traefik-security-headers@kubernetescrd]
            globalArguments: []
            deployment:
              replicas: 2
            """));

        var findings = Assert.Single(report.Charts).Findings;
        var nested = Assert.Single(findings, f => f.Message.Contains("ports.websecure.http ", StringComparison.Ordinal));
        Assert.Equal(ChartVerifier.ValuesRule, nested.Rule);
        Assert.Equal("write ports.websecure.middlewares", nested.Fix);
        Assert.Equal("gitops/platform/app0/application.yaml", nested.File);
        var global = Assert.Single(findings, f => f.Message.Contains("globalArguments", StringComparison.Ordinal));
        Assert.Equal("write additionalArguments", global.Fix);
        Assert.Equal(2, findings.Count); // deployment.replicas is the chart's
    }

    [Fact]
    public void DevtronsExternalPostgres_IsUnknownTo0_22_94_AndKnownTo0_23_3()
    {
        const string Values = """
            global:
              externalPostgres:
                enabled: true
                PG_ADDR: postgres-pooler-rw.cnpg-system
            """;
        var old = Verify(App("devtron", 50, "https://helm.devtron.ai", "devtron-operator", "0.22.94", "devtroncd", Values));
        var current = Verify(App("devtron", 50, "https://helm.devtron.ai", "devtron-operator", "0.23.3", "devtroncd", Values));

        // Either version, installed as a plain Helm source, also writes its Secrets as hooks (hook-secret): only the values differ here.
        var finding = Assert.Single(Assert.Single(old.Charts).Findings, f => f.Rule != ChartVerifier.HookSecretRule);
        Assert.Equal(ChartVerifier.ValuesRule, finding.Rule);
        Assert.Contains("no values key global.externalPostgres (devtron-operator 0.22.94)", finding.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Assert.Single(current.Charts).Findings, f => f.Rule == ChartVerifier.ValuesRule);
    }

    [Fact]
    [Trait("breaks", "chart-render")]
    [Trait("breaks", "crd-before-use")]
    public void MonitorsBeforeTheirCrd_AreReported_AndTraefiksRefusalToRenderToo()
    {
        var report = Verify(
            App("traefik", 31, Traefik, "traefik", "36.3.0", "traefik", "metrics:\n  prometheus:\n    serviceMonitor:\n      enabled: true"),
            App("cert-manager", 30, Jetstack, "cert-manager", "v1.17.2", "cert-manager", "crds:\n  enabled: true\nprometheus:\n  servicemonitor:\n    enabled: true"));

        var traefik = Assert.Single(report.Charts, c => c.Release.Pin.Chart == "traefik").Findings;
        var refusal = Assert.Single(traefik);
        Assert.Equal(ChartVerifier.RenderRule, refusal.Rule);
        Assert.Contains("You have to deploy monitoring.coreos.com/v1 first", refusal.Message, StringComparison.Ordinal);

        var certManager = Assert.Single(report.Charts, c => c.Release.Pin.Chart == "cert-manager");
        var early = Assert.Single(certManager.Findings);
        Assert.Equal(ChartVerifier.CrdOrderRule, early.Rule);
        Assert.Equal("ServiceMonitor/cert-manager/cert-manager", early.Resource);
        Assert.Equal("charts/cert-manager/cert-manager-v1.17.2", early.File);
        Assert.Contains("nothing installs its CRD before", early.Message, StringComparison.Ordinal);
        Assert.Contains(certManager.Objects, o => o.GetProperty("kind").GetString() == "CustomResourceDefinition"); // its own CRDs, with --include-crds
    }

    [Fact]
    public void ACrdInstalledByAnEarlierWave_IsACapability_AndAMonitorAfterItIsFine()
    {
        const string Crd = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: servicemonitors.monitoring.coreos.com
            spec:
              group: monitoring.coreos.com
              names: {kind: ServiceMonitor, plural: servicemonitors}
              scope: Namespaced
              versions:
                - name: v1
                  served: true
                  storage: true
                  schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
            """;
        const string CrdApp = """
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata:
              name: monitoring-crds
              namespace: argocd
              annotations: {argocd.argoproj.io/sync-wave: "10"}
            spec:
              project: platform
              destination: {server: https://kubernetes.default.svc, namespace: monitoring}
              source: {repoURL: https://github.com/helix-platform/platform.git, targetRevision: main, path: gitops/platform/monitoring-crds/base}
            """;
        var report = Verify([
            ("gitops/platform/monitoring-crds/application.yaml", CrdApp),
            ("gitops/platform/monitoring-crds/base/crd.yaml", Crd),
            ("gitops/platform/traefik/application.yaml", App("traefik", 31, Traefik, "traefik", "36.3.0", "traefik", "metrics:\n  prometheus:\n    serviceMonitor:\n      enabled: true")),
        ]);

        var traefik = Assert.Single(report.Charts);
        Assert.Empty(traefik.Findings);
        Assert.Contains(traefik.Objects, o => o.GetProperty("kind").GetString() == "ServiceMonitor");
    }

    [Fact]
    public void NoChartOfTheReferencePlatform_AsksForALoadBalancer_WhichNothingProvisions()
    {
        // The cloud's load balancers are Terraform's: a Service of type LoadBalancer would stay pending, its Application Progressing.
        var model = ReferenceSpec.Model;
        var files = PlatformCompiler.Render(model);
        var report = Verify([.. files.Paths.Where(p => p.StartsWith("gitops/", StringComparison.Ordinal) && p.EndsWith(".yaml", StringComparison.Ordinal)).Select(p => (p, files.Text(p)))]);
        Assert.Contains(report.Charts, c => c.Release.Application == "devtron");
        var balancers = report.Charts.SelectMany(c => c.Objects.Select(o => (c.Release.Application, Object: o)))
            .Where(o => o.Object.GetProperty("kind").GetString() == "Service"
                && o.Object.TryGetProperty("spec", out var spec) && spec.TryGetProperty("type", out var type) && type.GetString() == "LoadBalancer")
            .Select(o => $"{o.Application}: {o.Object.GetProperty("metadata").GetProperty("name").GetString()}").ToList();
        Assert.Empty(balancers);
    }

    [Fact]
    [Trait("breaks", "core-schema")]
    public void WhatAChartProduces_IsReadAsTheApiServerWould()
    {
        // podDisruptionBudget is passed to the PDB's spec verbatim: a field the API does not have reaches the output.
        var report = Verify(App("redis", 23, "https://dandydeveloper.github.io/charts", "redis-ha", "4.39.0", "redis", "podDisruptionBudget:\n  maxUnavailable: 1\n  maxUnavaliable: 2"));

        var pdb = Assert.Single(Assert.Single(report.Charts).Findings);
        Assert.Equal(TreeVerifier.CoreRule, pdb.Rule);
        Assert.Equal("charts/redis/redis-ha-4.39.0", pdb.File);
        Assert.StartsWith("PodDisruptionBudget/redis/", pdb.Resource, StringComparison.Ordinal);
        Assert.Contains("maxUnavaliable", pdb.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", "crd-schema")]
    public void ACustomResourceAChartProduces_IsCheckedAgainstTheCrdAnEarlierWaveInstalls()
    {
        const string Stack = "https://prometheus-community.github.io/helm-charts";
        const string Off = "enabled: false";
        var crdsOnly = string.Join('\n', StackComponents.Select(c => $"{c}: {{{Off}}}")) + "\ndefaultRules: {create: false}";
        string Alertmanager(string resources) =>
            $"crds: {{{Off}}}\ndefaultRules: {{create: false}}\ngrafana: {{{Off}}}\nprometheus: {{{Off}}}\nkubeStateMetrics: {{{Off}}}\nnodeExporter: {{{Off}}}\n"
            + $"alertmanager:\n  alertmanagerSpec:\n    resources: {resources}";

        var bad = Verify(
            App("monitoring-crds", 20, Stack, "kube-prometheus-stack", "88.5.3", "monitoring", crdsOnly),
            App("observability", 60, Stack, "kube-prometheus-stack", "88.5.3", "monitoring", Alertmanager("{requests: lots}")));
        var good = Verify(
            App("monitoring-crds", 20, Stack, "kube-prometheus-stack", "88.5.3", "monitoring", crdsOnly),
            App("observability", 60, Stack, "kube-prometheus-stack", "88.5.3", "monitoring", Alertmanager("{requests: {memory: 64Mi}}")));

        // Alertmanager has no schema of Helix's own: the one from the CRD that monitoring-crds installs applies.
        var finding = Assert.Single(Assert.Single(bad.Charts, c => c.Release.Application == "observability").Findings);
        Assert.Equal(CrdSchemas.Rule, finding.Rule);
        Assert.StartsWith("Alertmanager/monitoring/", finding.Resource, StringComparison.Ordinal);
        Assert.StartsWith("/spec/resources/requests", finding.Message, StringComparison.Ordinal);
        Assert.Empty(Assert.Single(good.Charts, c => c.Release.Application == "observability").Findings);
    }

    [Fact]
    [Trait("breaks", "image-registry")]
    [Trait("breaks", "image-signature")]
    public void TheImagesAChartRuns_ComeUnderTheSupplyChainRules_InTheAppZone()
    {
        TestEnvironment.Require("HELIX_HELM", "Helm v4 (scripts/tools.sh install)");
        var charts = TestEnvironment.Require("HELIX_CHARTS", "the upstream chart sources (../shared/charts)");
        var model = PlatformCompiler.Model(Spec.SpecLoader.Load(ReferenceSpec.Path).Spec!);
        // A tenant's Application installing a public chart into its own (app-zone) namespace.
        var yaml = App("acme-cache", 80, "https://dandydeveloper.github.io/charts", "redis-ha", "4.39.0", "acme", "haproxy: {enabled: false}");
        var tree = TreeVerifier.Analyse(["gitops/tenants/acme/cache.yaml"], _ => new StringReader(yaml), model);

        var chart = Assert.Single(PlatformCompiler.VerifyCharts(tree, model, v => v == "HELIX_CHARTS" ? charts : Environment.GetEnvironmentVariable(v)).Charts);

        Assert.Contains("public.ecr.aws/docker/library/redis:8.8.0-alpine", chart.Images);
        var registry = chart.Findings.First(f => f.Rule == SupplyChain.RegistryRule && f.Message.Contains("redis:8.8.0-alpine", StringComparison.Ordinal));
        Assert.Contains(chart.Findings, f => f.Rule == SupplyChain.SignatureRule);
        Assert.Equal("charts/acme-cache/redis-ha-4.39.0", registry.File);
        Assert.StartsWith("StatefulSet/acme/", registry.Resource, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", "pod-labels")]
    public void PodLabelsThePoliciesAreWrittenFor_MustBeOnPodsTheChartRuns()
    {
        TestEnvironment.Require("HELIX_HELM", "Helm v4 (scripts/tools.sh install)");
        var charts = TestEnvironment.Require("HELIX_CHARTS", "the upstream chart sources (../shared/charts)");
        var model = PlatformCompiler.Model(Spec.SpecLoader.Load(ReferenceSpec.Path).Spec!);
        var postgres = model.Parts.Single(p => p.Name == "postgres");
        // The Application of the postgres part installing a chart whose pods lack the labels its policies select.
        var yaml = App(postgres.Application, 31, "https://dandydeveloper.github.io/charts", "redis-ha", "4.39.0", postgres.Namespace, "haproxy: {enabled: false}");
        var tree = TreeVerifier.Analyse(["gitops/platform/cnpg/application.yaml"], _ => new StringReader(yaml), model);

        var chart = Assert.Single(PlatformCompiler.VerifyCharts(tree, model, v => v == "HELIX_CHARTS" ? charts : Environment.GetEnvironmentVariable(v)).Charts);

        var labels = chart.Findings.Where(f => f.Rule == ChartVerifier.PodLabelRule).ToList();
        Assert.Equal([$"{postgres.Namespace}/postgres", $"{postgres.Namespace}/postgres-pooler", $"{postgres.Namespace}/postgres-pooler-session"],
            labels.Select(f => f.Resource).Order(StringComparer.Ordinal));
        Assert.Contains("cnpg.io/cluster=postgres", string.Concat(labels.Select(l => l.Message)), StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", "pod-ports")]
    public void RoutesAndScrapes_GoToPortsThePodsTheChartRunsReallyHave()
    {
        TestEnvironment.Require("HELIX_HELM", "Helm v4 (scripts/tools.sh install)");
        var charts = TestEnvironment.Require("HELIX_CHARTS", "the upstream chart sources (../shared/charts)");
        var model = PlatformCompiler.Model(Spec.SpecLoader.Load(ReferenceSpec.Path).Spec!);
        ChartResult Argo(string values)
        {
            var yaml = App("argocd", 40, "https://argoproj.github.io/argo-helm", "argo-cd", "10.1.1", "argocd", values);
            var tree = TreeVerifier.Analyse(["gitops/platform/argocd/application.yaml"], _ => new StringReader(yaml), model);
            return Assert.Single(PlatformCompiler.VerifyCharts(tree, model, v => v == "HELIX_CHARTS" ? charts : Environment.GetEnvironmentVariable(v)).Charts);
        }

        var fine = Argo("server:\n  replicas: 2");
        var moved = Argo("server:\n  service:\n    servicePortHttp: 8000\ncontroller:\n  metrics:\n    enabled: false");

        Assert.DoesNotContain(fine.Findings, f => f.Rule == ChartVerifier.PortRule);
        var ports = moved.Findings.Where(f => f.Rule == ChartVerifier.PortRule).Select(f => f.Message).ToList();
        Assert.Contains("routes to argocd go to port 80 of Service argocd-server, which has no such port", ports);
    }

    [Fact]
    [Trait("breaks", "chart-missing")]
    public void AChartMissingFromTheCache_SaysHowToFetchIt_AndTheOthersAreStillVerified()
    {
        var report = Verify(
            App("traefik", 31, Traefik, "traefik", "99.0.0", "traefik", "deployment:\n  replicas: 2"),
            App("cert-manager", 30, Jetstack, "cert-manager", "v1.17.2", "cert-manager", "crds:\n  enabled: true"));

        var missing = Assert.Single(Assert.Single(report.Charts, c => c.Release.Pin.Version == "99.0.0").Findings);
        Assert.Equal(ChartVerifier.MissingRule, missing.Rule);
        Assert.Contains("chart traefik 99.0.0 is not in the chart cache", missing.Message, StringComparison.Ordinal);
        Assert.StartsWith("helix charts --pull (online), or ", missing.Fix, StringComparison.Ordinal);
        Assert.Contains($"helm pull traefik --repo {Traefik} --version 99.0.0 --untar --untardir ", missing.Fix, StringComparison.Ordinal);
        Assert.NotEmpty(Assert.Single(report.Charts, c => c.Release.Pin.Chart == "cert-manager").Objects);
    }

    [Fact]
    public void AValueOfTheWrongShape_IsReported()
    {
        var report = Verify(App("traefik", 31, Traefik, "traefik", "36.3.0", "traefik", "ports: web\ndeployment:\n  replicas:\n    count: 2"));

        var findings = Assert.Single(report.Charts).Findings;
        Assert.Contains(findings, f => f.Message == "ports is a map in the chart, not a string (traefik 36.3.0)" && f.Fix == "give ports the shape it has in the chart's values.yaml");
        Assert.Contains(findings, f => f.Message == "deployment.replicas is a single value in the chart (default 1), not a map (traefik 36.3.0)");
    }

    [Fact]
    public void WithoutHelm_TheReportSaysHowToInstallIt_InsteadOfThrowing()
    {
        var report = Verify(
            [("gitops/platform/traefik/application.yaml", App("traefik", 31, Traefik, "traefik", "36.3.0", "traefik", "deployment:\n  replicas: 2"))],
            variable => variable switch { "HELIX_HELM" => "/nonexistent/helm", "PATH" => "/nonexistent", _ => Environment.GetEnvironmentVariable(variable) });

        Assert.Empty(report.Charts);
        Assert.Contains("Helm is not installed at /nonexistent/helm", report.Error, StringComparison.Ordinal);
        Assert.Contains("scripts/tools.sh install", report.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void AHelmTooOld_IsRefused_SayingWhichOneAndWhatToDo()
    {
        var folder = Directory.CreateTempSubdirectory("helix-old-helm-");
        try
        {
            var helm = Path.Combine(folder.FullName, "helm");
            File.WriteAllText(helm, "#!/bin/sh\necho v3.17.3+ge4da497\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(helm, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            var report = Verify(
                [("gitops/platform/traefik/application.yaml", App("traefik", 31, Traefik, "traefik", "41.3.0", "traefik", "deployment:\n  replicas: 2"))],
                variable => variable == "HELIX_HELM" ? helm : Environment.GetEnvironmentVariable(variable));

            Assert.Empty(report.Charts);
            Assert.Contains($"{helm} is Helm v3.17.3; helix renders charts with Helm v4", report.Error, StringComparison.Ordinal);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void TheOutputCache_ServesARepeatedVerification_WithTheSameObjects()
    {
        var cache = Directory.CreateTempSubdirectory("helix-renders-");
        try
        {
            var app = App("cert-manager", 30, Jetstack, "cert-manager", "v1.17.2", "cert-manager", "crds:\n  enabled: true");
            var files = new[] { ("gitops/platform/cert-manager/application.yaml", app) };
            var cold = Assert.Single(Verify(files, outputCache: cache.FullName).Charts);
            var warm = Assert.Single(Verify(files, outputCache: cache.FullName).Charts);
            var changed = Assert.Single(Verify([(files[0].Item1, app.Replace("enabled: true", "enabled: false", StringComparison.Ordinal))], outputCache: cache.FullName).Charts);

            Assert.False(cold.FromCache);
            Assert.True(warm.FromCache);
            Assert.Equal(cold.Objects.Select(o => o.GetRawText()), warm.Objects.Select(o => o.GetRawText()));
            Assert.False(changed.FromCache); // other values, another render
            Assert.True(changed.Objects.Count < cold.Objects.Count); // without its CRDs
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }

    [Fact]
    public void ABuiltInObjectsVerdict_ComesFromTheOutputCache_UnchangedAndFiledUnderItsChart()
    {
        var cache = Directory.CreateTempSubdirectory("helix-renders-");
        try
        {
            // podDisruptionBudget is passed through verbatim: the misspelt field is a core-schema finding, cold and warm.
            var files = new[] { ("gitops/platform/redis/application.yaml",
                App("redis", 23, "https://dandydeveloper.github.io/charts", "redis-ha", "4.39.0", "redis", "podDisruptionBudget:\n  maxUnavailable: 1\n  maxUnavaliable: 2")) };
            var cold = Assert.Single(Verify(files, outputCache: cache.FullName).Charts);
            var verdicts = Directory.GetFiles(Path.Combine(cache.FullName, "verdicts"));
            var warm = Assert.Single(Verify(files, outputCache: cache.FullName).Charts);

            Assert.Equal(cold.Objects.Count(o => o.GetProperty("apiVersion").GetString()!.Split('/') is [_] or ["apps" or "policy" or "rbac.authorization.k8s.io", _]),
                verdicts.Length);
            var finding = Assert.Single(warm.Findings);
            Assert.Equal(Assert.Single(cold.Findings), finding);
            Assert.Equal(TreeVerifier.CoreRule, finding.Rule);
            Assert.Equal("charts/redis/redis-ha-4.39.0", finding.File);
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }

    [Fact]
    [Trait("breaks", "chart-output")]
    public void OutputHelmRendersButHelixCannotRead_IsAChartOutputFinding_NotAHalfVerification()
    {
        // A chart of our own in a cache of our own: Helm passes through maps nested 70 deep, past what Helix reads (64).
        var cache = Directory.CreateTempSubdirectory("helix-charts-");
        try
        {
            var chart = Directory.CreateDirectory(Path.Combine(cache.FullName, "twice-0.1.0", "templates"));
            File.WriteAllText(Path.Combine(chart.Parent!.FullName, "Chart.yaml"), "apiVersion: v2\nname: twice\nversion: 0.1.0\n");
            var nested = string.Concat(Enumerable.Repeat("{a: ", 70)) + "1" + new string('}', 70);
            File.WriteAllText(Path.Combine(chart.FullName, "config-map.yaml"), $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\nspec: {nested}\n");
            var files = new[] { ("gitops/platform/twice/application.yaml", App("twice", 30, "https://charts.example.com", "twice", "0.1.0", "twice", "{}")) };

            TestEnvironment.Require("HELIX_HELM", "Helm v4 (scripts/tools.sh install)");
            var tree = TreeVerifier.Analyse([files[0].Item1], _ => new StringReader(files[0].Item2));
            var report = ChartVerifier.Verify(tree.Objects, new ChartSettings(new ChartCache(cache.FullName), "1.35.0", null), Environment.GetEnvironmentVariable);

            var finding = Assert.Single(Assert.Single(report.Charts).Findings);
            Assert.Equal(ChartVerifier.OutputRule, finding.Rule);
            Assert.Equal("charts/twice/twice-0.1.0", finding.File);
            Assert.StartsWith("twice's output does not parse", finding.Message, StringComparison.Ordinal);
        }
        finally
        {
            cache.Delete(recursive: true);
        }
    }
}
