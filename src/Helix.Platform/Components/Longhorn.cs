using System.Text.Json.Nodes;
using Helix.Platform.Model;
using Helix.Platform.Output;
using Helix.Platform.Spec;

namespace Helix.Platform.Components;

/// <summary>Seed step 2: replicated block storage, the default storage class of every volume.</summary>
internal sealed class Longhorn : IComponent
{
    public const string Name = "longhorn";
    public const string Namespace = "longhorn-system";
    public static readonly ChartPin Pin = new("https://charts.longhorn.io", "longhorn", "1.12.1");

    /// <summary>Storage class Longhorn makes the default; every volume Helix asks for uses it.</summary>
    public const string StorageClass = "longhorn";

    public ComponentDeclaration Declare(PlatformSpec spec) => new()
    {
        Name = Name,
        Namespace = Namespace,
        Step = 2,
        Parts = [new(Name, Namespace, "platform", [Cilium.Name])],
        Charts = [Pin],
        Metrics = [new(Name, 9500)],
        PeerFlows =
        [
            PeerFlow.KubernetesApi(Name),
            PeerFlow.AdmissionWebhook(Name, 9501),
            PeerFlow.AdmissionWebhook(Name, 9502),
        ],
        CrdsInstalled = [new("longhorn.io", "Volume"), new("longhorn.io", "Engine"), new("longhorn.io", "Replica"), new("longhorn.io", "Setting"), new("longhorn.io", "RecurringJob")],
        CrdsUsed = [MonitoringCrds.ServiceMonitor],
        // Volumes attach where their pods run: the untainted pools and the db pool (CNPG, Redis).
        NodePools = [NodeRole.Infra, NodeRole.Compute, .. VolumePools],
    };

    /// <summary>Tainted pools whose pods claim volumes: the manager and the CSI node plugin must run there too.</summary>
    private static readonly NodeRole[] VolumePools = [NodeRole.Db];

    public ComponentRender Render(PlatformModel model) => new(
    [
        new(Pin, Name, new JsonObject
        {
            ["persistence"] = new JsonObject
            {
                ["defaultClass"] = true,
                ["defaultClassReplicaCount"] = model.Spec.Data.Longhorn.Replicas,
                ["reclaimPolicy"] = "Retain",
            },
            ["defaultSettings"] = new JsonObject
            {
                ["defaultDataPath"] = model.Spec.Data.Longhorn.DataPath,
                ["defaultReplicaCount"] = model.Spec.Data.Longhorn.Replicas,
                ["replicaSoftAntiAffinity"] = false,
                ["nodeDrainPolicy"] = "block-for-eviction-if-contains-last-replica",
                // System-managed parts (CSI plugin, instance and share managers, engine images), in `kubectl taint` syntax.
                ["taintToleration"] = string.Join(";", VolumePools.SelectMany(Meta.Tolerations).Select(t => $"{t.Key}={t.Value}:{t.Effect}")),
            },
            ["longhornManager"] = new JsonObject { ["tolerations"] = Values.Tolerations(VolumePools.SelectMany(Meta.Tolerations)) },
            ["metrics"] = new JsonObject { ["serviceMonitor"] = new JsonObject { ["enabled"] = true } },
            ["preUpgradeChecker"] = new JsonObject { ["jobEnabled"] = false }, // a Job ArgoCD would re-run on every sync
        }),
    ], []);
}
