using System.Text.Json;
using System.Text.Json.Nodes;
using Helix.Platform.Charts;
using Helix.Platform.Model;
using Helix.Platform.Simulation;
using Helix.Platform.Verification;
using CsCheck;
using Helix.Testing;

namespace Helix.Platform.Tests;

/// <summary>
/// The bring-up simulation over the reference platform: its tree and its charts' real output (Helm
/// v4 over ../shared/charts). The reference comes up; each class of defect the bring-up issue found
/// in the tree before it was fixed, put back by one edit, is caught where it is.
/// </summary>
public sealed class BringUpTests
{
    private static readonly Lazy<(PlatformModel Model, TreeVerifier.TreeReport Tree, ChartReport Charts)> Reference = new(() =>
    {
        TestEnvironment.Require("HELIX_HELM", "Helm v4 (scripts/tools.sh install)");
        TestEnvironment.Require("HELIX_CHARTS", "the upstream chart sources (../shared/charts)");
        var model = ReferenceSpec.Model;
        var verification = PlatformCompiler.RenderAndVerify(model).Verification;
        var charts = PlatformCompiler.VerifyCharts(verification.Tree, model, Environment.GetEnvironmentVariable);
        Assert.Null(charts.Error);
        return (model, verification.Tree, charts);
    });

    private static IReadOnlyList<string> ByHand => Infra.BringUp.ByHand;

    private static BringUpReport Simulate(
        Func<string, JsonObject, bool>? treeMatch = null, Action<JsonObject>? treeEdit = null,
        Func<string, JsonObject, bool>? chartMatch = null, Action<JsonObject>? chartEdit = null,
        PlatformModel? model = null, IReadOnlyList<string>? byHand = null)
    {
        var (reference, tree, charts) = Reference.Value;
        var objects = tree.Objects.Select(t => (t.File, Object: Edited(t.File, t.Object, treeMatch, treeEdit))).ToList();
        var outputs = charts with
        {
            Charts = [.. charts.Charts.Select(c => c with { Objects = [.. c.Objects.Select(o => Edited(c.Release.Application, o, chartMatch, chartEdit))] })],
        };
        return BringUpSimulator.Simulate(objects, outputs, model ?? reference, byHand ?? ByHand);
    }

    private static JsonElement Edited(string where, JsonElement o, Func<string, JsonObject, bool>? match, Action<JsonObject>? edit)
    {
        if (match is null || edit is null || JsonNode.Parse(o.GetRawText()) is not JsonObject node || !match(where, node))
        {
            return o;
        }
        edit(node);
        return JsonSerializer.SerializeToElement(node);
    }

    private static bool Is(JsonObject o, string kind, string name) =>
        o["kind"]?.GetValue<string>() == kind && o["metadata"]?["name"]?.GetValue<string>() == name;

    private static Finding Single(BringUpReport report, string rule, string resource) =>
        Assert.Single(report.Findings, f => f.Rule == rule && f.Resource == resource);

    [Fact]
    public void TheReferencePlatform_ComesUp_EveryWaveHealthy()
    {
        var report = Simulate();

        Assert.Empty(report.Findings);
        Assert.True(report.CameUp);
        var (model, _, _) = Reference.Value;
        // Every Application of the model, plus the root, is simulated; the hand installs first, in the runbook's order.
        Assert.Equal(model.Applications.Count + 1, report.Applications.Count);
        Assert.Equal(ByHand, report.Applications.TakeWhile(a => a.ByHand).Select(a => a.Name));
        Assert.Equal(report.Applications.Where(a => !a.ByHand).Select(a => a.Wave).Order(), report.Applications.Where(a => !a.ByHand).Select(a => a.Wave));
        // The simulation saw what it claims: CNPG waits for cert-manager's CRDs, the Longhorn volume plugin on the db pool, and operator Secrets.
        var cnpg = report.Applications.Single(a => a.Name == "cnpg").Objects.SelectMany(o => o.WaitsFor).ToList();
        Assert.Contains(cnpg, w => w.StartsWith("CRD Certificate.cert-manager.io: cert-manager (wave 30)", StringComparison.Ordinal));
        Assert.Contains(cnpg, w => w == "CSI node plugin driver.longhorn.io on db");
        Assert.Contains(cnpg, w => w.StartsWith("Secret/postgres/postgres-orchestrator: the secrets inventory (operator)", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("breaks", "bring-up-crd")]
    public void MonitorsBeforeTheirCrds_AreCaught_InTheHandInstallAndInTheWaves()
    {
        // Class 1: the runbook installed Cilium by hand before any monitoring CRD, and monitoring-crds came at wave 60.
        var byHand = Simulate(byHand: ["cilium", "argocd"]);
        var cilium = Single(byHand, BringUpSimulator.CrdRule, "ServiceMonitor/kube-system/cilium-agent");
        Assert.Contains("installed by hand", cilium.Message, StringComparison.Ordinal);
        Assert.Equal("cilium", byHand.FirstBlocked!.Name);

        var late = Simulate((_, o) => Is(o, "Application", "monitoring-crds"), o => o["metadata"]!["annotations"]!["argocd.argoproj.io/sync-wave"] = "60",
            byHand: ["cilium", "argocd"]);
        var longhorn = Single(late, BringUpSimulator.CrdRule, "ServiceMonitor/longhorn-system/longhorn-prometheus-servicemonitor");
        Assert.Contains("monitoring-crds (wave 60)", longhorn.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", "bring-up-project")]
    public void AProjectThatDoesNotPermitTheHelixNamespaces_RefusesTheNetworkPolicies()
    {
        // Class 2: the platform project's destinations without helix-orchestrator.
        var report = Simulate((_, o) => Is(o, "AppProject", "platform"), o =>
        {
            var destinations = o["spec"]!["destinations"]!.AsArray();
            destinations.Remove(destinations.First(d => d!["namespace"]!.GetValue<string>() == "helix-orchestrator"));
        });

        var finding = Single(report, BringUpSimulator.ProjectRule, "CiliumNetworkPolicy/helix-orchestrator/baseline");
        Assert.Contains("network-policies, wave 22", finding.Message, StringComparison.Ordinal);
        Assert.Equal("network-policies", report.FirstBlocked!.Name);
    }

    [Fact]
    [Trait("breaks", "bring-up-reference")]
    public void SecretsNobodyCreates_AreCaught_ByName()
    {
        // Class 3: before the inventory, no component declared the Secrets its workloads read.
        var (model, _, _) = Reference.Value;
        var report = Simulate(model: model with { Declarations = [.. model.Declarations.Select(d => d with { Secrets = [] })] });

        var orchestrator = Single(report, BringUpSimulator.ReferenceRule, "Deployment/helix-orchestrator/orchestrator");
        Assert.Contains("Secret/helix-orchestrator/orchestrator", orchestrator.Message, StringComparison.Ordinal);
        Assert.Contains(report.Findings, f => f.Rule == BringUpSimulator.ReferenceRule && f.Message.StartsWith("Secret/redis/redis-auth", StringComparison.Ordinal));
        Assert.Contains(report.Findings, f => f.Rule == BringUpSimulator.ReferenceRule && f.Message.StartsWith("Secret/argocd/argocd-redis", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("breaks", "bring-up-volume")]
    public void LonghornNotToleratingTheDbTaint_LeavesTheDataTiersVolumesUnattached()
    {
        // Class 4: longhorn-manager and the taint-toleration setting without the db pool's taint.
        var report = Simulate(chartMatch: (app, o) => app == "longhorn" && (Is(o, "DaemonSet", "longhorn-manager") || Is(o, "ConfigMap", "longhorn-default-setting")),
            chartEdit: o =>
            {
                if (o["kind"]!.GetValue<string>() == "DaemonSet")
                {
                    o["spec"]!["template"]!["spec"]!.AsObject().Remove("tolerations");
                }
                else
                {
                    var settings = o["data"]!["default-setting.yaml"]!.GetValue<string>().Split('\n').Where(l => !l.StartsWith("taint-toleration", StringComparison.Ordinal));
                    o["data"]!["default-setting.yaml"] = string.Join('\n', settings);
                }
            });

        var postgres = Single(report, BringUpSimulator.VolumeRule, "Cluster/postgres/postgres");
        Assert.Contains("its pods land on db", postgres.Message, StringComparison.Ordinal);
        Assert.Contains("runs only on infra, compute", postgres.Message, StringComparison.Ordinal);
        Assert.Contains(report.Findings, f => f.Rule == BringUpSimulator.VolumeRule && f.Resource.StartsWith("StatefulSet/redis/", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("breaks", "bring-up-policy")]
    public void AnAuditingVerifyImagesRuleThatMutatesDigests_IsRefusedByKyverno()
    {
        // Class 5: mutateDigest left at its default (true) while the rule only audits.
        var report = Simulate((_, o) => o["kind"]?.GetValue<string>() == "ClusterPolicy" && o["spec"]!["rules"]![0]!["verifyImages"] is not null,
            o => o["spec"]!["rules"]![0]!["verifyImages"]![0]!.AsObject().Remove("mutateDigest"));

        var finding = Assert.Single(report.Findings, f => f.Rule == BringUpSimulator.PolicyRule);
        Assert.Contains("mutateDigest true", finding.Message, StringComparison.Ordinal);
        Assert.Equal("policies", report.FirstBlocked!.Name);
    }

    [Fact]
    [Trait("breaks", "bring-up-health")]
    public void DevtronsLoadBalancer_AndItsNamespacesOutsideTheProject_AreCaught()
    {
        // Class 6: the chart's Service left a LoadBalancer; the CI/CD namespaces not among the project's destinations.
        var balancer = Simulate(chartMatch: (app, o) => app == "devtron" && Is(o, "Service", "devtron-service"), chartEdit: o => o["spec"]!["type"] = "LoadBalancer");
        Assert.Contains("nothing in the cluster provides load balancers", Single(balancer, BringUpSimulator.HealthRule, "Service/devtroncd/devtron-service").Message, StringComparison.Ordinal);

        var outside = Simulate((_, o) => Is(o, "AppProject", "platform"), o =>
        {
            var destinations = o["spec"]!["destinations"]!.AsArray();
            destinations.Remove(destinations.First(d => d!["namespace"]!.GetValue<string>() == "argo"));
        });
        Assert.Contains("namespace argo is not among its destinations", Single(outside, BringUpSimulator.ProjectRule, "Deployment/argo/workflow-controller").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AClaimWithoutAStorageClass_BindsToTheDefault_AndWithoutADefault_StaysPending()
    {
        static void NoClass(JsonObject o) => o["spec"]!["volumeClaimTemplates"]![0]!["spec"]!.AsObject().Remove("storageClassName");

        // Longhorn's StorageClass is the default: a template without a class binds to it.
        Assert.Empty(Simulate((_, o) => Is(o, "StatefulSet", "ollama"), NoClass).Findings);

        var pending = Simulate((_, o) => Is(o, "StatefulSet", "ollama"), NoClass,
            chartMatch: (app, o) => app == "longhorn" && Is(o, "ConfigMap", "longhorn-storageclass"),
            chartEdit: o => o["data"]!["storageclass.yaml"] = o["data"]!["storageclass.yaml"]!.GetValue<string>()
                .Replace("is-default-class: \"true\"", "is-default-class: \"false\"", StringComparison.Ordinal));
        var finding = Single(pending, BringUpSimulator.HealthRule, "StatefulSet/ollama/ollama");
        Assert.Contains("names no storage class, and no StorageClass is the default", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", "bring-up-self-heal")]
    public void ReplicasPinnedUnderAnAutoscaler_AreCaught_AsSelfHealFlapping()
    {
        // Class 8: replicas on a Deployment its HorizontalPodAutoscaler scales.
        var report = Simulate((_, o) => Is(o, "Deployment", "orchestrator"), o => o["spec"]!["replicas"] = 2);

        Assert.Contains("self-heal resets every scaling", Single(report, BringUpSimulator.SelfHealRule, "Deployment/helix-orchestrator/orchestrator").Message, StringComparison.Ordinal);
        Assert.True(report.CameUp); // it flaps, but comes up
    }

    [Fact]
    [Trait("breaks", "bring-up-namespace")]
    public void ANamespaceNobodyCreates_StopsTheApplicationThatDeploysIntoIt()
    {
        // The bootstrap's Namespace steel renamed: nothing creates steel, and no Application creates its destination.
        var report = Simulate((_, o) => Is(o, "Namespace", "steel"), o => o["metadata"]!["name"] = "steel-old");

        var finding = Single(report, BringUpSimulator.NamespaceRule, "Deployment/steel/steel");
        Assert.Contains("namespace steel does not exist (steel, wave 80)", finding.Message, StringComparison.Ordinal);
        // The first to meet it is the network-policies Application (wave 22), with steel's default deny.
        Assert.Equal("network-policies", report.FirstBlocked!.Name);
        Assert.Equal(BringUpSimulator.NamespaceRule, report.FirstBlocked.Blocker!.Rule);
    }

    [Fact]
    [Trait("breaks", "bring-up-admission")]
    public void PodSecurityAdmission_RefusesPrivilegedPods_InANamespaceLoweredToBaseline()
    {
        var report = Simulate((_, o) => Is(o, "Namespace", "longhorn-system"), o => o["metadata"]!["labels"]!["pod-security.kubernetes.io/enforce"] = "baseline");

        var manager = Single(report, BringUpSimulator.AdmissionRule, "DaemonSet/longhorn-system/longhorn-manager");
        Assert.Contains("enforce: baseline", manager.Message, StringComparison.Ordinal);
        Assert.Equal("longhorn", report.FirstBlocked!.Name);
    }

    [Fact]
    public void AKyvernoPolicyInEnforce_RefusesPodsFromARegistryItDoesNotAllow()
    {
        var report = Simulate(
            (_, o) => Is(o, "ClusterPolicy", "restrict-image-registries") || Is(o, "Deployment", "orchestrator"),
            o =>
            {
                if (o["kind"]!.GetValue<string>() == "ClusterPolicy")
                {
                    o["spec"]!["rules"]![0]!["validate"]!["failureAction"] = "Enforce";
                }
                else
                {
                    o["spec"]!["template"]!["spec"]!["containers"]![0]!["image"] = "docker.io/library/busybox:1.37";
                }
            });

        var finding = Single(report, BringUpSimulator.AdmissionRule, "Deployment/helix-orchestrator/orchestrator");
        Assert.Contains("restrict-image-registries", finding.Message, StringComparison.Ordinal);
        Assert.Contains(".spec.containers[0].image", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", "bring-up-schedule")]
    public void PodsThatFitNoPool_OrOverfillOne_AreCaught()
    {
        // The postgres cluster without its toleration: it selects the db pool, whose taint it no longer tolerates.
        var untolerated = Simulate((_, o) => Is(o, "Cluster", "postgres"), o => o["spec"]!["affinity"]!.AsObject().Remove("tolerations"));
        var finding = Single(untolerated, BringUpSimulator.ScheduleRule, "Cluster/postgres/postgres");
        Assert.Contains("db: taint helix.io/node-role=db:NoSchedule", finding.Message, StringComparison.Ordinal);

        // Four receivers of 14Gi each: one fits a compute node, but the pool holds 45Gi (infra nodes are too small).
        var greedy = Simulate((_, o) => Is(o, "Deployment", "webhook-receiver") || Is(o, "HorizontalPodAutoscaler", "webhook-receiver"), o =>
        {
            if (o["kind"]!.GetValue<string>() == "Deployment")
            {
                o["spec"]!["template"]!["spec"]!["containers"]![0]!["resources"]!["requests"]!["memory"] = "14Gi";
            }
            else
            {
                o["spec"]!["minReplicas"] = 4;
            }
        });
        var full = Single(greedy, BringUpSimulator.ScheduleRule, "Deployment/helix-webhooks/webhook-receiver");
        Assert.Contains("runs out of memory", full.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("breaks", "bring-up-owner")]
    [Trait("breaks", "bring-up-undecided")]
    public void AnObjectTwoApplicationsApply_IsCaught_AndAnUnknownKindIsAWarningNotACrash()
    {
        var shared = Simulate(chartMatch: (app, o) => app == "redis" && o["kind"]?.GetValue<string>() == "ServiceAccount",
            chartEdit: o => { o["metadata"]!["name"] = "traefik"; o["metadata"]!["namespace"] = "traefik"; });
        var owner = Single(shared, BringUpSimulator.OwnerRule, "ServiceAccount/traefik/traefik");
        Assert.Contains("Application redis applies it too", owner.Message, StringComparison.Ordinal);

        var unknown = Simulate((_, o) => Is(o, "Deployment", "orchestrator"), o => { o["apiVersion"] = "example.com/v1"; o["kind"] = "Gadget"; });
        var warning = Assert.Single(unknown.Warnings);
        Assert.Equal(BringUpSimulator.UndecidedRule, warning.Rule);
        Assert.Contains("Gadget (example.com)", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnyTreeEdit_AFieldOfAnyTypeAnywhere_IsSimulatedWithoutACrash()
    {
        var (model, tree, charts) = Reference.Value;
        // Up to three edits, each in any object of the tree or a chart's output, of any field, to any JSON value.
        var edit = HostileEdits.Edit;
        Gen.Select(edit.Array[1, 3], Gen.Bool).Sample(t =>
        {
            var (edits, inCharts) = t;
            var objects = tree.Objects.Select(o => (o.File, Node: JsonNode.Parse(o.Object.GetRawText())!)).ToList();
            var outputs = charts.Charts.SelectMany(c => c.Objects.Select(o => (c.Release.Application, Node: JsonNode.Parse(o.GetRawText())!))).ToList();
            foreach (var (which, where, value) in edits)
            {
                var target = inCharts ? outputs[which % outputs.Count].Node : objects[which % objects.Count].Node;
                HostileEdits.Apply(target, where, value);
            }
            var editedTree = objects.Select(o => (o.File, JsonSerializer.SerializeToElement(o.Node))).ToList();
            var next = 0;
            var editedCharts = charts with
            {
                Charts = [.. charts.Charts.Select(c => c with { Objects = [.. c.Objects.Select(_ => JsonSerializer.SerializeToElement(outputs[next++].Node))] })],
            };

            var report = BringUpSimulator.Simulate(editedTree, editedCharts, model, ByHand);

            Assert.All(report.Findings, f => Assert.False(string.IsNullOrEmpty(f.Message) || string.IsNullOrEmpty(f.Resource) || string.IsNullOrEmpty(f.Fix)));
        }, iter: 150);
    }
}
